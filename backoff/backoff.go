package backoff

import (
	"math"
	"time"
)

// Strategy computes the delay before retry n (n >= 1 is the first retry,
// made after the first failure). prev is the delay the same strategy returned
// for retry n-1, or 0 for the first retry; only Decorrelated looks at it.
//
// Implementations must be safe for concurrent use and must never return a
// negative duration. A delay of 0 means retry at once.
type Strategy interface {
	Next(n int, prev time.Duration) time.Duration
}

// Func adapts an ordinary function to a Strategy.
type Func func(n int, prev time.Duration) time.Duration

// Next calls f(n, prev), mapping a negative result to 0.
func (f Func) Next(n int, prev time.Duration) time.Duration {
	return max(f(n, prev), 0)
}

// maxDuration is the largest time.Duration; it caps every strategy whose Max
// is zero or negative.
const maxDuration = time.Duration(math.MaxInt64)

// limit returns the effective cap: max when positive, else maxDuration.
func limit(max time.Duration) time.Duration {
	if max <= 0 {
		return maxDuration
	}
	return max
}

// clamp converts a non-negative float number of nanoseconds to a Duration no
// larger than cap. It is overflow-safe: +Inf and values past MaxInt64 give cap;
// NaN and negatives give 0.
func clamp(ns float64, cap time.Duration) time.Duration {
	if !(ns > 0) { // also catches NaN
		return 0
	}
	if ns >= float64(cap) {
		return cap
	}
	return time.Duration(math.Round(ns))
}

// exp returns base*2^(n-1) as a float number of nanoseconds; n below 1 counts
// as 1 and a negative base as 0. Large n give +Inf, which clamp maps to the cap.
func exp(base time.Duration, n int) float64 {
	if base <= 0 {
		return 0
	}
	if n < 1 {
		n = 1
	}
	if n > 1100 { // 2^1100 overflows float64 anyway; keep Ldexp's argument small
		return math.Inf(1)
	}
	return math.Ldexp(float64(base), n-1)
}

// fraction sanitises a jitter fraction: negative and NaN become 0.
func fraction(j float64) float64 {
	if !(j > 0) {
		return 0
	}
	return j
}

// unit sanitises a uniform random number to [0, 1).
func unit(u float64) float64 {
	if !(u > 0) {
		return 0
	}
	if u >= 1 {
		return math.Nextafter(1, 0)
	}
	return u
}
