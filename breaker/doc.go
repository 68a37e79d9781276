// Package breaker is a circuit breaker: it stops calling a dependency that
// keeps failing, so that a struggling service gets room to recover and
// callers fail fast instead of piling up behind timeouts. It is the NOP
// specification's CircuitBreaker.
//
// Most callers want New and Do:
//
//	cb := breaker.New(breaker.Name("payments"))
//	err := cb.Do(ctx, func(ctx context.Context) error {
//		return charge(ctx, order)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// rejected without calling charge
//	}
//
// A breaker starts Closed and lets every call through. After
// FailureThreshold consecutive failures (default 5) it opens: calls are
// rejected at once with an *OpenError matching ErrOpen, which says how long
// until the next probe. After RecoveryTimeout (default 60s) it is HalfOpen and
// lets MaxProbes probe calls through (default 1); SuccessThreshold good probes
// (default 1) close it, one bad probe opens it again. FailureRate adds the
// resilience4j rule, a failure rate over a sliding time window with a minimum
// number of calls, and SlowCall counts slow calls as failures.
//
// Which outcomes count: a call that returns nil succeeds; an error counts as
// a failure when IsFailure says so (default: every error), otherwise as a
// success. An error matching context.Canceled, and with Do any error
// returned after the caller's own context was cancelled, counts neither way:
// someone gave the call up, which says nothing about the dependency's
// health. A timeout (context.DeadlineExceeded, the callee's own or the
// caller's deadline) is judged like any other error, so by default it is a
// failure: a dependency that answers too slowly is unhealthy. Do and
// Permit.Done agree on this. A panic counts as a failure and propagates.
//
// Call is Do for functions that return a value. Allow is the two-step form
// for code that judges an outcome after the fact, such as an HTTP transport
// that sees a 503.
//
// # With retry
//
// Put the retry loop outside and the breaker inside, so that every attempt
// goes through the breaker:
//
//	err := retry.Do(ctx, func(ctx context.Context) error {
//		return cb.Do(ctx, call)
//	}, retry.MaxAttempts(3))
//
// An open breaker's error declares itself not retryable (it has a Retryable
// method that returns false), so retry.Do stops at once and returns it rather
// than hammering the breaker; its RetryAfter method tells callers when to
// come back. With the breaker outside, one breaker call would stand for a
// whole retry loop and the breaker would count a loop's give-up as a single
// failure, learning slowly.
//
// # Speed
//
// The breaker starts no goroutines and, but for FailureRate's, uses no
// timers: Open becomes HalfOpen lazily, when a call or State notices that
// the recovery timeout has passed. In the closed state with the default
// rule, a successful call takes no lock, reads no clock, allocates nothing
// and writes no shared memory, so it costs a few nanoseconds and scales
// across cores. FailureRate and Shared add a striped counter per success;
// FailureRate dates the counted successes with a time.AfterFunc timer that
// fires every tenth of the window while successes come and stops by itself
// when they stop (its callback returns at once; nothing waits). SlowCall
// reads the clock twice per call.
//
// # Shared state
//
// Shared connects breakers of the same Name in different processes through a
// Store (a Redis implementation lives in the nested module redisstore;
// MemoryStore shares state within one process). State is always read
// locally; a Store never makes a successful call wait.
package breaker
