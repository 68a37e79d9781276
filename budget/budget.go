package budget

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
)

var _ retry.Budget = (*Budget)(nil)

// eps absorbs float rounding in comparisons of credit and gate points.
const eps = 1e-9

// cacheLine is a cache line's size, or a multiple of it.
const cacheLine = 128

// Budget limits the retries of many calls to one dependency: pass it to
// retry.Do with retry.WithBudget, or let retryhttp keep one per host. A
// retry must pass two rules (the package documentation has the details):
//
//   - the cap, over a sliding window: failed retries, plus a tenth of the
//     successful ones, stay within Ratio times the calls, plus the
//     MinPerSecond floor;
//   - the failure gate: once Tolerance retries have failed net of
//     successes, retries stop until a call succeeds, or until time forgives
//     a failure, one per Window.
//
// Every retry that AllowRetry grants must be settled once: by Outcome
// after it is made, or by CancelRetry if it will not be.
//
// Methods that read the clock have a twin that takes the time (RequestAt,
// AllowRetryAt, OutcomeAt, CancelRetryAt, StatsAt), for tests and
// simulations. Drive a Budget through one family or the other; explicit
// times must come from time.Now, or be derived from one with Add.
//
// A Budget is safe for concurrent use by any number of goroutines. The cap
// has no overshoot: retries are granted under a mutex, so concurrent callers
// are never granted more than the window allows. A successful retry's
// refund is credited to the tenth of the window where the retry was
// charged, and leaves the window with it. Outcome and CancelRetry do not
// say which retry they settle, so they settle the oldest in flight: exact
// while outcomes come in the order the retries were granted, tenth by
// tenth. Request, and Outcome for a first attempt, take no lock while the
// gate is at rest, and no method allocates. The zero value is not ready for
// use; create Budgets with New.
type Budget struct {
	epoch   time.Time // origin of the Budget's monotonic clock
	width   int64     // nanoseconds per slot: a tenth of the window
	ratio   float64
	reserve float64 // the floor: MinPerSecond times the window's seconds
	refund  float64
	tol     float64 // Tolerance
	regain  float64 // failures forgiven per nanosecond: one per window

	// dirty is false while the gate is at rest: then a first attempt's
	// success has nothing to record, and Outcome takes no lock. It is read
	// by every such Outcome, so it shares a cache line with nothing that
	// Request or the mutex writes.
	dirty atomic.Bool
	_     [cacheLine]byte

	slots [nSlots]slot
	_     [cacheLine]byte

	mu         sync.Mutex
	oldPending int64   // pending retries charged to tenths that left the window
	latest     int64   // the newest slot number claimed
	debt       float64 // failed retries net of successes, from -slack to tol
	debtAt     int64   // when debt was last brought up to date
	dark       bool    // the gate has closed and no call has succeeded since
	probes     int     // retries allowed while dark whose outcome is pending
	inflight   int     // retries allowed whose outcome is pending
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
		epoch:   epoch,
		width:   int64(c.window / nSlots),
		ratio:   c.ratio,
		reserve: c.minPerSec * c.window.Seconds(),
		refund:  c.refund,
		tol:     float64(c.tolerance),
		regain:  1 / float64(c.window),
		latest:  math.MinInt64,
		debtAt:  math.MinInt64,
	}
	for i := range b.slots {
		b.slots[i].id.Store(math.MinInt64)
	}
	b.settle()
	return b
}

// Request records a call's first attempt: a deposit of Ratio retries that
// lasts one window. retry.Do calls it once per call, before the first
// attempt.
func (b *Budget) Request() { b.request(b.mono()) }

// RequestAt is Request at time now.
func (b *Budget) RequestAt(now time.Time) { b.request(b.nanos(now)) }

func (b *Budget) request(now int64) {
	b.slot(b.slotNum(now)).requests.Add(1)
}

// AllowRetry reports whether a retry may be made now, and if so charges it
// to the window. retry.Do calls it before each retry, and gives up with
// retry.ErrBudgetExhausted when it returns false.
func (b *Budget) AllowRetry() bool { return b.allowRetry(b.mono()) }

// AllowRetryAt is AllowRetry at time now.
func (b *Budget) AllowRetryAt(now time.Time) bool { return b.allowRetry(b.nanos(now)) }

func (b *Budget) allowRetry(now int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := max(b.slotNum(now), b.latest)
	sl := &b.slots[index(s)]
	b.claim(sl, s)
	if !b.gateOpen(now) || b.credit(s) < 1-eps {
		sl.denied++
		return false
	}
	b.grant(sl)
	b.admitted()
	return true
}

// Outcome records the end of an attempt: whether it was a retry and whether
// it succeeded. A successful retry gets Refund of its cost back; a failed
// retry adds a point of debt to the failure gate, and any success takes one
// off. retry.Do calls it after every attempt.
func (b *Budget) Outcome(retry, ok bool) {
	if !retry && (!ok || !b.dirty.Load()) {
		return // the common case: nothing to record
	}
	b.outcome(b.mono(), retry, ok)
}

// OutcomeAt is Outcome at time now.
func (b *Budget) OutcomeAt(now time.Time, retry, ok bool) {
	if !retry && (!ok || !b.dirty.Load()) {
		return
	}
	b.outcome(b.nanos(now), retry, ok)
}

func (b *Budget) outcome(now int64, retry, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if retry {
		b.settleRetry(ok)
	}
	b.record(now, retry, ok)
}

// CancelRetry gives back a retry that AllowRetry granted but that will not
// be made: the call's context ended while it waited, or the call gave up
// for another reason before the attempt began. No Outcome follows it. The
// retry's charge is returned in full (it cost the dependency nothing), and
// so are its place among the retries in flight and, if the gate let it
// through as a probe, the probe's place: the Budget is as if the retry had
// never been granted. Like Outcome, it settles the oldest retry in flight
// (see Budget), whose charge, if it has left the window, has nothing to
// return.
//
// retry.Do and retryhttp call it when they abandon a granted retry. Call it
// at most once per granted retry, and never for a retry whose Outcome is
// reported.
func (b *Budget) CancelRetry() { b.cancelRetry(b.mono()) }

// CancelRetryAt is CancelRetry at time now.
func (b *Budget) CancelRetryAt(now time.Time) { b.cancelRetry(b.nanos(now)) }

func (b *Budget) cancelRetry(now int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.uncharge()
	b.withdrawn(now)
}

// mono reads the Budget's monotonic clock.
func (b *Budget) mono() int64 { return int64(time.Since(b.epoch)) }

// nanos converts an explicit time to the Budget's clock.
func (b *Budget) nanos(t time.Time) int64 { return int64(t.Sub(b.epoch)) }
