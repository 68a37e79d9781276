package bench

import "time"

// Policy is the retry policy every peer is configured with.
//
// A zero Delay asks each library for the smallest delay it accepts: no wait
// at all where the library allows it, otherwise 1ns (sethvargo/go-retry, whose
// backoffs refuse zero). A positive Delay is the wait before the first retry;
// each further retry doubles it, capped at MaxDelay, with no jitter anywhere,
// so that every peer waits the same.
type Policy struct {
	Attempts int           // calls in all, the first included; at least 1
	Delay    time.Duration // wait before the first retry; see above
	MaxDelay time.Duration // cap on any one wait; at least Delay
	// AttemptTimeout, when positive, bounds each attempt, through each
	// library's own per-attempt timeout; an attempt that runs out is retried
	// like a network error. Zero: no per-attempt limit.
	AttemptTimeout time.Duration
}

// Retries is the number of retries after the first attempt.
func (p Policy) Retries() int { return p.Attempts - 1 }

// maxDelay is MaxDelay, or Delay when MaxDelay is below it.
func (p Policy) maxDelay() time.Duration { return max(p.MaxDelay, p.Delay) }

// FailTwice is the policy of the micro-benchmarks: 3 attempts, waits of 1ns
// (doubling, capped at 1ns): a delay every library accepts and none can
// wait out, so the figure is the machinery, timers included where a library
// arms one.
var FailTwice = Policy{Attempts: 3, Delay: time.Nanosecond}

// Tables is the policy of the failure tables: 3 retries (4 attempts), waiting
// 1ms, 2ms and 4ms between them, so that a table runs in seconds.
var Tables = Policy{Attempts: 4, Delay: time.Millisecond, MaxDelay: 8 * time.Millisecond}

// Sim is the policy of the failure simulator (sim_test.go): 3 retries (4
// attempts), waiting 10ms, 20ms and 40ms (capped at 100ms), each attempt
// bounded at 500ms. It is the default retryhttp client's policy (base 1s, max
// 10s) with its delays scaled down 100 times and jitter off, so that every
// library waits the same and a scenario takes seconds; the attempt timeout is
// there for the overload scenario, whose server queues requests until the
// client gives up.
var Sim = Policy{Attempts: 4, Delay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
	AttemptTimeout: 500 * time.Millisecond}
