package budget

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
)

var _ retry.Budget = (*Budget)(nil)

// unit is one token in the bucket's fixed point: the bucket counts
// millionths of a token, so that adding and taking are exact.
const unit = 1_000_000

// cacheLine is a cache line's size, or a multiple of it.
const cacheLine = 128

// Budget limits the retries of many calls to one dependency: pass it to
// retry.WithBudget, or let retryhttp keep one per host. It is a token
// bucket (the package documentation has the arithmetic):
//
//   - it starts full, with Burst tokens (default 50);
//   - a retry costs tokens by the outcome of the attempt before it
//     (Cost: 1 after a transient failure, 2 after overload or a timeout),
//     charged when AllowRetry grants it, and refused when the bucket holds
//     less;
//   - a retry that succeeds, or is cancelled, gets its cost back;
//   - every success, first attempt or retry, earns Ratio tokens (default
//     0.5), up to Burst.
//
// Nothing else refills the bucket: not time. A dependency that is down
// spends the Burst and then gets no retries until it answers again; first
// attempts always go through, and their successes are what reopen it.
//
// Every retry that AllowRetry grants comes with a Ticket that must be
// settled once: by Outcome after the retry is made, or by CancelRetry if it
// will not be. The Ticket carries the cost charged, so the bucket's sums are
// exact whatever order outcomes arrive in.
//
// Methods that read the clock have a twin that takes the time (RequestAt,
// AllowRetryAt, OutcomeAt, CancelRetryAt, StatsAt, RefusalAt), for tests and
// simulations. The clock only decides when Refusal reports.
//
// A Budget is safe for concurrent use by any number of goroutines. The
// bucket is one atomic word, updated by compare-and-swap, so no two
// concurrent grants can spend the same tokens; no method takes a lock
// except Refusal when it formats a report, and none allocates except that
// report (at most once per Window). The zero value is not ready for use;
// create Budgets with New.
type Budget struct {
	epoch  time.Time
	burst  int64    // bucket size, in millionths
	earn   int64    // per success
	cost   [4]int64 // per retry, by the outcome before it
	window int64    // nanoseconds between reports

	// requests is written by every call; it has a cache line of its own,
	// apart from the read-only fields above, which every call reads.
	_        [cacheLine]byte
	requests atomic.Int64
	_        [cacheLine - 8]byte
	// tokens is read by every success and written only while the bucket
	// is not full, or by retries.
	tokens atomic.Int64
	_      [cacheLine - 8]byte

	seq       atomic.Uint64 // ticket numbers
	retries   atomic.Int64  // granted
	succeeded atomic.Int64  // retries that succeeded
	canceled  atomic.Int64  // retries cancelled
	failed    [4]atomic.Int64
	firstFail atomic.Int64 // first attempts that failed
	denied    atomic.Int64

	rmu      sync.Mutex             // Refusal's report
	reportAt atomic.Int64           // when Refusal last reported, Budget clock
	last     counts                 // the counts at that report; under rmu
	reason   atomic.Pointer[string] // the last report
}

// counts is a snapshot of a Budget's counters.
type counts struct {
	requests, firstFail, retries, succeeded, canceled, denied int64
	failed                                                    [4]int64
}

// New returns a Budget with the defaults changed by opts. An invalid option
// gives an error matching ErrInvalidOption.
func New(opts ...Option) (*Budget, error) {
	c := defaults()
	if err := c.apply(opts); err != nil {
		return nil, err
	}
	return newBudget(&c, time.Now()), nil
}

func newBudget(c *config, epoch time.Time) *Budget {
	b := &Budget{
		epoch:  epoch,
		burst:  fixed(c.burst),
		earn:   fixed(c.ratio),
		window: int64(c.window),
	}
	for i := range c.cost {
		b.cost[i] = fixed(c.cost[i])
	}
	b.tokens.Store(b.burst)
	b.reportAt.Store(math.MinInt64 / 2) // the first report is due at once
	empty := ""
	b.reason.Store(&empty)
	return b
}

// fixed converts tokens to the bucket's fixed point.
func fixed(f float64) int64 { return int64(math.Round(f * unit)) }

// Request records a call's first attempt. retry.Do calls it once per call,
// before the first attempt. It is one atomic add.
func (b *Budget) Request() { b.requests.Add(1) }

// RequestAt is Request at time now.
func (b *Budget) RequestAt(time.Time) { b.Request() }

// AllowRetry reports whether a retry may be made now after an attempt that
// ended with o, and if so takes its cost (Cost for o) from the bucket and
// returns the Ticket that settles it. It refuses, with the zero Ticket,
// when the bucket holds less than the cost. An o of retry.OutcomeOK (which
// calls for no retry) is charged as transient. retry.Do calls it before
// each retry, and gives up with retry.ErrBudgetExhausted when it refuses.
func (b *Budget) AllowRetry(o retry.Outcome) (retry.Ticket, bool) {
	return b.allowRetry(o)
}

// AllowRetryAt is AllowRetry at time now. The bucket does not depend on
// time, so now is not used: the explicit-time twins stay for callers that
// drive a budget by a clock of their own (and RefusalAt does use it).
func (b *Budget) AllowRetryAt(_ time.Time, o retry.Outcome) (retry.Ticket, bool) {
	return b.allowRetry(o)
}

func (b *Budget) allowRetry(o retry.Outcome) (retry.Ticket, bool) {
	if o == retry.OutcomeOK || o > retry.OutcomeTimedOut {
		o = retry.OutcomeTransient
	}
	cost := b.cost[o]
	for {
		t := b.tokens.Load()
		if t < cost {
			b.denied.Add(1)
			return 0, false
		}
		if b.tokens.CompareAndSwap(t, t-cost) {
			break
		}
	}
	b.retries.Add(1)
	return retry.Ticket(b.seq.Add(1)<<2 | uint64(o)), true
}

// Outcome records how an attempt ended: t is the zero Ticket for a first
// attempt, else the Ticket AllowRetry gave for the retry, which Outcome
// settles. A success (retry.OutcomeOK) earns Ratio tokens, and a retry's
// success gets its cost back too; a failed retry keeps its cost. retry.Do
// calls it after every attempt. For a first attempt's success while the
// bucket is full, it is one atomic load.
func (b *Budget) Outcome(t retry.Ticket, o retry.Outcome) {
	if t == 0 {
		if o != retry.OutcomeOK {
			b.firstFail.Add(1)
			return
		}
		b.add(b.earn)
		return
	}
	if o != retry.OutcomeOK {
		b.failed[min(o, retry.OutcomeTimedOut)].Add(1)
		return
	}
	b.succeeded.Add(1)
	b.add(b.earn + b.cost[t&3])
}

// OutcomeAt is Outcome at time now.
func (b *Budget) OutcomeAt(_ time.Time, t retry.Ticket, o retry.Outcome) { b.Outcome(t, o) }

// CancelRetry settles a retry that AllowRetry granted but that will not be
// made (the call's context ended while it waited, or the call gave up for
// another reason before the attempt began): its cost goes back to the
// bucket, as if it had never been granted. No Outcome follows it. retry.Do
// and retryhttp call it when they abandon a granted retry. A zero Ticket is
// ignored.
func (b *Budget) CancelRetry(t retry.Ticket) {
	if t == 0 {
		return
	}
	b.canceled.Add(1)
	b.add(b.cost[t&3])
}

// CancelRetryAt is CancelRetry at time now.
func (b *Budget) CancelRetryAt(_ time.Time, t retry.Ticket) { b.CancelRetry(t) }

// add puts n into the bucket, up to Burst.
func (b *Budget) add(n int64) {
	for {
		t := b.tokens.Load()
		if t >= b.burst || n <= 0 {
			return
		}
		if b.tokens.CompareAndSwap(t, min(t+n, b.burst)) {
			return
		}
	}
}

// mono reads the Budget's monotonic clock.
func (b *Budget) mono() int64 { return int64(time.Since(b.epoch)) }

// nanos converts an explicit time to the Budget's clock.
func (b *Budget) nanos(t time.Time) int64 { return int64(t.Sub(b.epoch)) }
