package backoff

import (
	"math/rand/v2"
	"time"
)

// FullJitter waits U(0, min(Max, Base*2^(n-1))) before retry n: the "Full
// Jitter" of the AWS Architecture Blog. It spreads a crowd of clients the
// most, at the price of sometimes retrying almost at once.
//
// The zero value waits 0. Max of zero or less means no cap. A value is safe
// for concurrent use.
type FullJitter struct {
	Base time.Duration // upper bound of the first retry's delay
	Max  time.Duration // cap on every delay; <= 0: no cap
}

// Next implements Strategy; it ignores prev.
func (f FullJitter) Next(n int, _ time.Duration) time.Duration { return f.Pick(n, rand.Float64()) }

// Pick is Next as a pure function of u, a uniform random number in [0, 1).
func (f FullJitter) Pick(n int, u float64) time.Duration {
	cap := limit(f.Max)
	return clamp(float64(clamp(exp(f.Base, n), cap))*unit(u), cap)
}

// Bounds returns the smallest and largest delay that retry n can get.
func (f FullJitter) Bounds(n int) (lo, hi time.Duration) {
	return 0, clamp(exp(f.Base, n), limit(f.Max))
}

// EqualJitter waits t/2 + U(0, t/2) before retry n, where
// t = min(Max, Base*2^(n-1)): the "Equal Jitter" of the AWS Architecture Blog.
// It never retries sooner than half the exponential delay.
//
// The zero value waits 0. Max of zero or less means no cap. A value is safe
// for concurrent use.
type EqualJitter struct {
	Base time.Duration // the first retry waits between Base/2 and Base
	Max  time.Duration // cap on every delay; <= 0: no cap
}

// Next implements Strategy; it ignores prev.
func (e EqualJitter) Next(n int, _ time.Duration) time.Duration { return e.Pick(n, rand.Float64()) }

// Pick is Next as a pure function of u, a uniform random number in [0, 1).
func (e EqualJitter) Pick(n int, u float64) time.Duration {
	cap := limit(e.Max)
	half := float64(clamp(exp(e.Base, n), cap)) / 2
	return clamp(half+half*unit(u), cap)
}

// Bounds returns the smallest and largest delay that retry n can get.
func (e EqualJitter) Bounds(n int) (lo, hi time.Duration) {
	t := clamp(exp(e.Base, n), limit(e.Max))
	return t / 2, t
}

// Decorrelated waits min(Max, U(Base, 3*prev)) before each retry, where prev
// is the previous delay (Base for the first retry): the "Decorrelated
// Jitter" of the AWS Architecture Blog. Its state is the previous delay,
// which the caller passes in, so a value is still safe for concurrent use.
//
// The zero value waits 0. Max of zero or less means no cap.
type Decorrelated struct {
	Base time.Duration // the smallest delay
	Max  time.Duration // cap on every delay; <= 0: no cap
}

// Next implements Strategy.
func (d Decorrelated) Next(n int, prev time.Duration) time.Duration {
	return d.Pick(prev, rand.Float64())
}

// Pick is Next as a pure function of u, a uniform random number in [0, 1).
func (d Decorrelated) Pick(prev time.Duration, u float64) time.Duration {
	base := exp(d.Base, 1)
	hi := max(float64(prev), base) * 3
	return clamp(base+(hi-base)*unit(u), limit(d.Max))
}
