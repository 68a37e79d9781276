package limit

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter is an adaptive concurrency limit for one dependency: it admits a
// call while fewer than Limit calls are in flight and learns the limit from
// the latencies and outcomes its callers report (see the package
// documentation). Acquire is what most callers want; AcquireAt and
// Permit.DoneAt take the time explicitly, for tests.
//
// A Limiter is safe for concurrent use. Acquiring and reporting a permit
// takes no lock and allocates nothing, except when a window of latencies
// ends (about once per DefaultWindow) or an overload signal cuts the limit.
// It starts no goroutines. Make one with New; the zero Limiter is not
// usable.
type Limiter struct {
	inflight atomic.Int64
	limit    atomic.Int64
	rejected atomic.Uint64

	// The current window, filled lock-free by Done.
	acc     atomic.Uint64 // successful calls << accShift | sum of their latencies in µs
	peak    atomic.Int64  // most calls in flight at once in this window
	next    atomic.Int64  // when the window may end, in ns since epoch
	lastCut atomic.Int64  // when the last overload cut happened, in ns since epoch

	mu  sync.Mutex // serializes the estimator
	est estimator

	// The queue (queue.go), used only with the Queue option.
	waiting atomic.Int64 // calls counted as waiting: queued, or about to be
	qmu     sync.Mutex
	queue   []*waiter // FIFO

	c     config
	epoch time.Time
}

const (
	accShift = 40 // the low 40 bits sum latencies in µs: 12 days per window
	accMask  = 1<<accShift - 1
)

// New returns a Limiter with the defaults changed by opts, or an error
// matching ErrInvalidOption that names the first invalid option. Defaults:
// Initial 20, Min 1, Max 1000, Tolerance 1.5, Backoff 0.9, Window 50ms.
func New(opts ...Option) (*Limiter, error) {
	c := defaults()
	if err := c.apply(opts); err != nil {
		return nil, err
	}
	return newLimiter(c, time.Now()), nil
}

func newLimiter(c config, now time.Time) *Limiter {
	l := &Limiter{c: c, epoch: now}
	l.est.limit = float64(c.initial)
	l.limit.Store(int64(c.initial))
	l.next.Store(int64(c.window))
	l.lastCut.Store(math.MinInt64)
	return l
}

// Acquire asks to make one call now. It returns a Permit to report the
// call's end with, or, when Limit calls are in flight, the zero Permit and
// ErrLimited at once; if ctx is already done, ctx's error. With the Queue
// option, a call that finds the limit full waits instead, in turn, for up
// to the queue's wait, while the queue has room; if ctx ends first, it
// returns ctx's error. Every Permit must be reported exactly once,
// whatever happens to the call.
func (l *Limiter) Acquire(ctx context.Context) (Permit, error) {
	if err := ctx.Err(); err != nil {
		return Permit{}, err
	}
	if l.waiting.Load() == 0 && l.grab() {
		return Permit{l: l, start: l.now()}, nil
	}
	if l.c.queue > 0 {
		return l.wait(ctx) // first come, first served: behind any waiter
	}
	l.rejected.Add(1)
	return Permit{}, ErrLimited
}

// AcquireAt is Acquire at time now, for tests: it reads no clock and never
// waits, even with a queue.
func (l *Limiter) AcquireAt(now time.Time) (Permit, error) {
	if !l.grab() {
		l.rejected.Add(1)
		return Permit{}, ErrLimited
	}
	return Permit{l: l, start: l.since(now)}, nil
}

func (l *Limiter) raisePeak(n int64) {
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// Limit returns how many calls may be in flight at once now.
func (l *Limiter) Limit() int { return int(l.limit.Load()) }

// InFlight returns how many admitted calls have not been reported yet.
func (l *Limiter) InFlight() int { return int(l.inflight.Load()) }

// Full reports whether Acquire would refuse a call now: Limit calls are in
// flight and, with the Queue option, the queue is full. The answer may be
// stale by the time the caller acts on it.
func (l *Limiter) Full() bool {
	return l.inflight.Load() >= l.limit.Load() && l.waiting.Load() >= int64(l.c.queue)
}

// Waiting returns how many calls wait in the queue (Queue option).
func (l *Limiter) Waiting() int { return int(l.waiting.Load()) }

// Stats is a snapshot of a Limiter, for metrics.
type Stats struct {
	Limit    int           // calls allowed in flight at once
	InFlight int           // admitted calls not yet reported
	Rejected uint64        // calls refused since the Limiter was made
	Baseline time.Duration // the no-load latency learnt; 0 before the first window
}

// Stats returns the Limiter's state.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	base := l.est.baseline()
	l.mu.Unlock()
	return Stats{Limit: l.Limit(), InFlight: l.InFlight(), Rejected: l.rejected.Load(),
		Baseline: time.Duration(base)}
}

// now returns the time in ns since the Limiter's epoch, from the monotonic
// clock (a single clock read, cheaper than time.Now).
func (l *Limiter) now() int64 { return int64(time.Since(l.epoch)) }

func (l *Limiter) since(t time.Time) int64 { return int64(t.Sub(l.epoch)) }
