package budget

import (
	"math"
	"time"

	"github.com/nop-platform/retry"
)

// Stats is a snapshot of a Budget, for metrics and dashboards. The counts
// are totals since the Budget was made (Prometheus counters).
type Stats struct {
	Requests  int64 // first attempts
	Retries   int64 // retries granted, cancelled ones included
	Succeeded int64 // of those, retries that succeeded (and got their cost back)
	Failed    int64 // of those, retries that failed
	// FailedOverloaded and FailedTimedOut are the failed retries that
	// ended with retry.OutcomeOverloaded and retry.OutcomeTimedOut.
	FailedOverloaded, FailedTimedOut int64
	Canceled                         int64 // retries granted and cancelled
	Denied                           int64 // retries refused

	// Credit is the tokens in the bucket, from 0 to Burst: a transient
	// retry costs 1 by default. Retries granted and not yet settled hold
	// their cost outside it.
	Credit float64
	// Burst is the bucket's size.
	Burst float64
	// Available is how many transient retries would be allowed now, asked
	// for at once: the whole part of Credit over their cost.
	Available int
}

// Stats returns a snapshot of b. It is safe to call at any time, from any
// goroutine; the counts are read one by one, so a snapshot taken while
// retries are being settled may be off by those.
func (b *Budget) Stats() Stats { return b.stats() }

// StatsAt is Stats at time now.
func (b *Budget) StatsAt(time.Time) Stats { return b.stats() }

func (b *Budget) stats() Stats {
	c := b.counts()
	t := b.tokens.Load()
	st := Stats{
		Requests:         c.requests,
		Retries:          c.retries,
		Succeeded:        c.succeeded,
		Canceled:         c.canceled,
		Denied:           c.denied,
		FailedOverloaded: c.failed[retry.OutcomeOverloaded],
		FailedTimedOut:   c.failed[retry.OutcomeTimedOut],
		Credit:           float64(t) / unit,
		Burst:            float64(b.burst) / unit,
	}
	for _, n := range c.failed {
		st.Failed += n
	}
	switch cost := b.cost[retry.OutcomeTransient]; {
	case cost == 0:
		st.Available = math.MaxInt32
	default:
		st.Available = int(min(t/cost, math.MaxInt32))
	}
	return st
}

func (b *Budget) counts() counts {
	c := counts{
		requests:  b.requests.Load(),
		firstFail: b.firstFail.Load(),
		retries:   b.retries.Load(),
		succeeded: b.succeeded.Load(),
		canceled:  b.canceled.Load(),
		denied:    b.denied.Load(),
	}
	for i := range b.failed {
		c.failed[i] = b.failed[i].Load()
	}
	return c
}

// Params are a Budget's settings, as New made them from its options: for
// code that builds on a Budget, such as redisstore's shared one.
type Params struct {
	Burst  float64       // Burst
	Ratio  float64       // Ratio: tokens per success
	Cost   [4]float64    // Cost, indexed by retry.Outcome ([retry.OutcomeOK] is 0)
	Window time.Duration // Window
}

// Params returns b's settings.
func (b *Budget) Params() Params {
	p := Params{Burst: float64(b.burst) / unit, Ratio: float64(b.earn) / unit, Window: time.Duration(b.window)}
	for i := range b.cost {
		p.Cost[i] = float64(b.cost[i]) / unit
	}
	p.Cost[retry.OutcomeOK] = 0
	return p
}
