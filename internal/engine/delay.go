package engine

import (
	"math/rand/v2"
	"time"

	"github.com/nop-platform/retry/backoff"
)

// MinTimer is the shortest delay for which Wait arms a timer; a shorter one
// is not waited at all. Arming, firing and receiving from a timer costs more
// than a microsecond (measured on the project's machine: an expiring timer
// takes 0.3-0.4µs at the least, and one set for 1µs fires after 1.4µs at the
// least and 16µs at the median), so below 1µs a timer waits longer than the
// delay asked for, never shorter; skipping it errs by less than 1µs.
const MinTimer = time.Microsecond

// nextDelay returns the wait before the next retry: the backoff delay, raised
// to the failure's Retry-After and capped by Max.
func (l *Loop) nextDelay(retryAfter time.Duration) time.Duration {
	u := 0.0
	if l.Strategy == nil && l.Jitter > 0 {
		u = rand.Float64()
	}
	return l.pick(l.attempt, u, retryAfter)
}

// pick is nextDelay as a pure function of the retry's number n and a
// uniform random number u in [0, 1) (for the built-in backoffs).
func (l *Loop) pick(n int, u float64, retryAfter time.Duration) time.Duration {
	var d time.Duration
	switch {
	case l.Strategy != nil:
		d = max(l.Strategy.Next(n, l.prev), 0)
	case l.Max <= 0:
		return 0
	case l.Linear:
		d = backoff.Constant{Delay: l.Base, Max: l.Max, Jitter: l.Jitter}.Pick(n, u)
	default:
		d = backoff.Exponential{Base: l.Base, Max: l.Max, Jitter: l.Jitter}.Pick(n, u)
	}
	if retryAfter > d {
		d = min(retryAfter, max(l.Max, 0))
	}
	return d
}
