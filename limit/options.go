package limit

import (
	"fmt"
	"math"
	"time"
)

// Defaults.
const (
	DefaultInitial   = 20                    // calls in flight allowed before anything is learnt
	DefaultMin       = 1                     // the limit never goes below this
	DefaultMax       = 1000                  // nor above this
	DefaultTolerance = 1.5                   // latency up to this times the no-load latency is not queueing
	DefaultBackoff   = 0.9                   // an overload signal multiplies the limit by this
	DefaultWindow    = 50 * time.Millisecond // shortest window over which latency is averaged
	DefaultMaxWindow = time.Second           // longest window
	DefaultSamples   = 8                     // successful calls a window needs before it counts
	DefaultBaseline  = 100                   // windows over which the lowest average is the no-load latency
	DefaultMaxKeys   = 1024                  // limiters a zero Group keeps
)

// Option configures a Limiter (New) or every Limiter of a Group
// (NewGroup). Options apply in order; a later one overrides an earlier one.
// The zero Option is invalid.
type Option struct {
	kind kind
	n    int
	f    float64
	d    time.Duration
	q    int
}

type kind uint8

const (
	kNone kind = iota
	kInitial
	kMin
	kMax
	kTolerance
	kBackoff
	kWindow
	kQueue
)

// Initial sets the limit a Limiter starts with, before it has measured
// anything. Default DefaultInitial (20); from Min to Max.
func Initial(n int) Option { return Option{kind: kInitial, n: n} }

// Min sets the lowest the limit goes. Default DefaultMin (1); at least 1.
func Min(n int) Option { return Option{kind: kMin, n: n} }

// Max sets the highest the limit goes. Default DefaultMax (1000); at least
// Min. Min(n) with Max(n) and Initial(n) makes a fixed limit.
func Max(n int) Option { return Option{kind: kMax, n: n} }

// Tolerance sets how much slower than the no-load latency a window's
// average latency may be before the limit shrinks: 1.5 means 50% slower.
// Default DefaultTolerance (1.5); a finite number from 1 to 10.
func Tolerance(f float64) Option { return Option{kind: kTolerance, f: f} }

// Backoff sets the factor an overload signal (an Overloaded outcome)
// multiplies the limit by. Default DefaultBackoff (0.9, as Netflix's AIMDLimit); above 0 and at
// most 1 (1: overload signals are ignored).
func Backoff(f float64) Option { return Option{kind: kBackoff, f: f} }

// Window sets the shortest time over which latencies are averaged before
// the limit moves; a window also lasts at least twice the no-load latency,
// at most DefaultMaxWindow, and until DefaultSamples successful calls have
// ended. Default DefaultWindow (50ms); from 1ms to DefaultMaxWindow.
func Window(d time.Duration) Option { return Option{kind: kWindow, d: d} }

// Queue lets up to n calls that find the limit full wait, in turn, for up
// to maxWait each for a call in flight to end, rather than be refused at
// once; a call is refused when the queue is full or its wait runs out.
// Waiting costs the caller latency while the dependency is busy; it pays
// where bursts briefly pass a limit that is about right. Default: no queue
// (Queue(0, 0)); n from 0 to 1,000,000, and maxWait from 1µs to a minute
// when n is above 0. A Limiter's AcquireAt never waits.
func Queue(n int, maxWait time.Duration) Option { return Option{kind: kQueue, q: n, d: maxWait} }

// config is what the options set.
type config struct {
	initial, min, max int
	tolerance         float64
	backoff           float64
	window            time.Duration
	queue             int           // waiters allowed (Queue); 0: none
	maxWait           time.Duration // how long each may wait
}

func defaults() config {
	return config{initial: DefaultInitial, min: DefaultMin, max: DefaultMax,
		tolerance: DefaultTolerance, backoff: DefaultBackoff, window: DefaultWindow}
}

// apply applies opts to c and checks the result.
func (c *config) apply(opts []Option) error {
	initialSet := false
	for _, o := range opts {
		switch o.kind {
		case kInitial:
			c.initial, initialSet = o.n, true
		case kMin:
			if o.n < 1 {
				return fmt.Errorf("%w: Min(%d): must be at least 1", ErrInvalidOption, o.n)
			}
			c.min = o.n
		case kMax:
			if o.n < 1 {
				return fmt.Errorf("%w: Max(%d): must be at least 1", ErrInvalidOption, o.n)
			}
			c.max = o.n
		case kTolerance:
			if math.IsNaN(o.f) || o.f < 1 || o.f > 10 {
				return fmt.Errorf("%w: Tolerance(%v): must be from 1 to 10", ErrInvalidOption, o.f)
			}
			c.tolerance = o.f
		case kBackoff:
			if math.IsNaN(o.f) || o.f <= 0 || o.f > 1 {
				return fmt.Errorf("%w: Backoff(%v): must be above 0 and at most 1", ErrInvalidOption, o.f)
			}
			c.backoff = o.f
		case kWindow:
			if o.d < time.Millisecond || o.d > DefaultMaxWindow {
				return fmt.Errorf("%w: Window(%v): must be from 1ms to %v", ErrInvalidOption, o.d, DefaultMaxWindow)
			}
			c.window = o.d
		case kQueue:
			if o.q < 0 || o.q > 1_000_000 {
				return fmt.Errorf("%w: Queue(%d, %v): the size must be from 0 to 1000000", ErrInvalidOption, o.q, o.d)
			}
			if o.q > 0 && (o.d < time.Microsecond || o.d > time.Minute) {
				return fmt.Errorf("%w: Queue(%d, %v): the wait must be from 1µs to 1m0s", ErrInvalidOption, o.q, o.d)
			}
			c.queue, c.maxWait = o.q, o.d
		default:
			return fmt.Errorf("%w: the zero Option", ErrInvalidOption)
		}
	}
	if c.min > c.max {
		return fmt.Errorf("%w: Min(%d) is above Max(%d)", ErrInvalidOption, c.min, c.max)
	}
	if !initialSet {
		c.initial = min(max(c.initial, c.min), c.max)
	}
	if c.initial < c.min || c.initial > c.max {
		return fmt.Errorf("%w: Initial(%d): must be from Min (%d) to Max (%d)", ErrInvalidOption, c.initial, c.min, c.max)
	}
	return nil
}
