package backoff

import (
	"math/rand/v2"
	"time"
)

// Exponential is the NOP specification's backoff: the delay before retry n is
//
//	min(Base*2^(n-1) + U(0, Jitter*Base*2^(n-1)), Max)
//
// so with Base 1s, Jitter 0.3 and Max 60s retry 1 waits 1.0–1.3s, retry 2
// 2.0–2.6s, retry 3 4.0–5.2s, and retry 7 onwards 60s.
//
// The zero value waits 0 (retry at once). Max of zero or less means no cap
// beyond the largest time.Duration. Jitter is a fraction (0.3 is 30%);
// negative counts as 0. Exponential has no state: a value is safe for
// concurrent use.
type Exponential struct {
	Base   time.Duration // delay before the first retry, before jitter
	Max    time.Duration // cap on every delay, jitter included; <= 0: no cap
	Jitter float64       // additive random fraction of the exponential delay
}

// Delay returns the delay before retry n (n >= 1), with fresh randomness.
func (e Exponential) Delay(n int) time.Duration {
	if e.Jitter <= 0 {
		return e.Pick(n, 0)
	}
	return e.Pick(n, rand.Float64())
}

// Next implements Strategy; it ignores prev.
func (e Exponential) Next(n int, _ time.Duration) time.Duration { return e.Delay(n) }

// Pick is Delay as a pure function of u, a uniform random number in [0, 1).
func (e Exponential) Pick(n int, u float64) time.Duration {
	x := exp(e.Base, n)
	return clamp(x*(1+fraction(e.Jitter)*unit(u)), limit(e.Max))
}

// Bounds returns the smallest and largest delay that retry n can get.
func (e Exponential) Bounds(n int) (lo, hi time.Duration) {
	x := exp(e.Base, n)
	cap := limit(e.Max)
	return clamp(x, cap), clamp(x*(1+fraction(e.Jitter)), cap)
}

// Constant waits Delay plus U(0, Jitter*Delay) before every retry, capped at
// Max: the specification's delay with exponential backoff turned off.
//
// The zero value waits 0. Max of zero or less means no cap. A value is safe
// for concurrent use.
type Constant struct {
	Delay  time.Duration // delay before each retry, before jitter
	Max    time.Duration // cap on every delay, jitter included; <= 0: no cap
	Jitter float64       // additive random fraction of Delay
}

// Next implements Strategy; it ignores n and prev.
func (c Constant) Next(n int, _ time.Duration) time.Duration {
	if c.Jitter <= 0 {
		return c.Pick(n, 0)
	}
	return c.Pick(n, rand.Float64())
}

// Pick is Next as a pure function of u, a uniform random number in [0, 1).
func (c Constant) Pick(_ int, u float64) time.Duration {
	x := exp(c.Delay, 1)
	return clamp(x*(1+fraction(c.Jitter)*unit(u)), limit(c.Max))
}

// Bounds returns the smallest and largest delay that any retry can get.
func (c Constant) Bounds(_ int) (lo, hi time.Duration) {
	return Exponential{Base: c.Delay, Max: c.Max, Jitter: c.Jitter}.Bounds(1)
}
