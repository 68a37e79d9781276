package budget

import (
	"strconv"
	"time"

	"github.com/nop-platform/retry"
)

// Refusal says why b refused the last retry, for one log record: reason is
// a few words with figures, such as
//
//	4 of the last 4 retries failed (4 overloaded), 120 refused, 9 of 135 first attempts failed; 0.5 of 50 tokens, a retry costs 1 (2 overloaded, 2 timed out)
//
// and report is true at most once per Window while refusals go on (so a
// caller logs one record, not one per request): when b has refused a retry
// since the last report, and Window has passed since it (the first report
// comes at once). The counts are those since the last report, or since b
// was made. retry.Do (with a Logger) and retryhttp call it after each
// refusal. When report is false it returns the last report's reason, and
// allocates nothing; a report allocates its reason. Safe for concurrent use.
func (b *Budget) Refusal() (reason string, report bool) { return b.refusal(b.mono()) }

// RefusalAt is Refusal at time now.
func (b *Budget) RefusalAt(now time.Time) (reason string, report bool) {
	return b.refusal(b.nanos(now))
}

func (b *Budget) refusal(now int64) (string, bool) {
	if now-b.reportAt.Load() < b.window {
		return *b.reason.Load(), false // the common case: reported lately
	}
	b.rmu.Lock()
	defer b.rmu.Unlock()
	c := b.counts()
	if now-b.reportAt.Load() < b.window || c.denied == b.last.denied {
		return *b.reason.Load(), false
	}
	r := b.describe(c.sub(b.last))
	b.reason.Store(&r)
	b.last = c
	b.reportAt.Store(now)
	return r, true
}

func (c counts) sub(d counts) counts {
	r := counts{
		requests:  c.requests - d.requests,
		firstFail: c.firstFail - d.firstFail,
		retries:   c.retries - d.retries,
		succeeded: c.succeeded - d.succeeded,
		canceled:  c.canceled - d.canceled,
		denied:    c.denied - d.denied,
	}
	for i := range c.failed {
		r.failed[i] = c.failed[i] - d.failed[i]
	}
	return r
}

// describe formats the reason for counts c.
func (b *Budget) describe(c counts) string {
	failed := c.failed[1] + c.failed[2] + c.failed[3]
	buf := make([]byte, 0, 160)
	buf = strconv.AppendInt(buf, failed, 10)
	buf = append(buf, " of the last "...)
	buf = strconv.AppendInt(buf, failed+c.succeeded, 10)
	buf = append(buf, " retries failed"...)
	if over, slow := c.failed[retry.OutcomeOverloaded], c.failed[retry.OutcomeTimedOut]; over+slow > 0 {
		buf = append(buf, " ("...)
		if over > 0 {
			buf = strconv.AppendInt(buf, over, 10)
			buf = append(buf, " overloaded"...)
		}
		if slow > 0 {
			if over > 0 {
				buf = append(buf, ", "...)
			}
			buf = strconv.AppendInt(buf, slow, 10)
			buf = append(buf, " timed out"...)
		}
		buf = append(buf, ')')
	}
	buf = append(buf, ", "...)
	buf = strconv.AppendInt(buf, c.denied, 10)
	buf = append(buf, " refused, "...)
	buf = strconv.AppendInt(buf, c.firstFail, 10)
	buf = append(buf, " of "...)
	buf = strconv.AppendInt(buf, c.requests, 10)
	buf = append(buf, " first attempts failed; "...)
	buf = appendTokens(buf, b.tokens.Load())
	buf = append(buf, " of "...)
	buf = appendTokens(buf, b.burst)
	buf = append(buf, " tokens, a retry costs "...)
	buf = appendTokens(buf, b.cost[retry.OutcomeTransient])
	buf = append(buf, " ("...)
	buf = appendTokens(buf, b.cost[retry.OutcomeOverloaded])
	buf = append(buf, " overloaded, "...)
	buf = appendTokens(buf, b.cost[retry.OutcomeTimedOut])
	buf = append(buf, " timed out)"...)
	return string(buf)
}

func appendTokens(buf []byte, n int64) []byte {
	return strconv.AppendFloat(buf, float64(n)/unit, 'g', 3, 64)
}
