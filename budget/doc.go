// Package budget limits retries across many calls to one dependency, so that
// retries help with transient failures without turning an outage or an
// overload into a retry storm: the retry budget and adaptive retry of the
// NOP specification's future enhancements.
//
// Most callers want New and retry.WithBudget, one Budget per dependency
// shared by every call to it:
//
//	b, err := budget.New()
//	...
//	err = retry.Do(ctx, fetch, retry.WithBudget(b))
//	if errors.Is(err, retry.ErrBudgetExhausted) {
//		// the budget refused a retry; err still holds the call's errors
//	}
//
// An HTTP client keeps one per destination host with a Group, which
// creates budgets on first use and holds a bounded number of them;
// retryhttp does so by default.
//
// # One bucket
//
// A Budget is a token bucket, counted in tokens where a retry after a
// transient failure costs 1:
//
//   - It starts full: Burst tokens (default 50), and never holds more.
//   - A retry costs tokens by how the attempt before it ended (Cost): 1 after
//     a transient failure (retry.OutcomeTransient: a 500, a reset
//     connection), 2 after overload (retry.OutcomeOverloaded: a 429, a 503,
//     Retry-After) or a timeout (retry.OutcomeTimedOut). It is charged when
//     AllowRetry grants it, and refused when the bucket holds less.
//   - A retry that succeeds gets its cost back (the AWS SDKs' retry quota
//     refunds a successful retry), and so does one cancelled before it was
//     made.
//   - Every success, first attempt or retry, earns Ratio tokens (default
//     0.5).
//
// Nothing else refills it: not time. So over any stretch of time the
// retries that fail cost at most Burst plus Ratio per success:
//
//	1 x failed transient retries + 2 x failed others <= 50 + 0.5 x successes
//
// Each granted retry carries a retry.Ticket that says what it was charged,
// and its Outcome or CancelRetry settles exactly that, so the bound is exact
// under any concurrency and whatever order outcomes arrive in: the bucket
// is one atomic word, and a grant takes its cost by compare-and-swap.
//
// What was taken from where: the bucket that refills with successes and
// never with time, from gRPC's retry throttling (gRFC A6: 10 tokens, -1 per
// failure, +0.1 per success, retries throttled below half); the refund of
// successful retries and the higher cost of timeouts from the AWS SDKs'
// standard retry mode (500 tokens, 5 per retry, 10 per timeout, +1 per
// success without retry); the idea that a retry budget is a share of the
// traffic that succeeds, from Finagle's RetryBudget and Envoy's retry
// budgets (a percentage of active requests). Left out: Finagle's time-based
// floor (10 retries per second whatever happens), which is what made a
// quiet client pay for retries all through an outage (1.98 attempts per
// call at 0.1 calls per second); Envoy's concurrency limit and the AWS
// adaptive mode's client-side rate limit on throttles (CUBIC), which
// delay or reject first attempts: that is the job of a concurrency limiter
// or a circuit breaker, not of a retry budget.
//
// Why a Burst of 50: issue 14 asks that a host with no sign of trouble get
// every retry the caller configured, at least as generously as gRPC's
// throttling (which lets about 5 failed attempts through on a new channel).
// 50 tokens are 25 retries after 503s: one request's 5 retries use 10, three
// concurrent first requests with 3 retries use 18. It is also what
// concurrent callers hold while they wait out their delays (each waiting
// retry holds its cost), and half the AWS quota's 100 retries. What it
// costs: an outage spends it once, 25 to 50 wasted retries, then no more.
//
// # What the defaults give
//
// For a client that retries up to 3 times (the retryhttp default):
//
//   - A host with no sign of trouble: every retry the caller configured,
//     until the Burst is spent: 50 transient retries, 25 after overload
//     or timeouts, for any number of requests at once.
//   - A dependency that is down: the Burst, then nothing but first
//     attempts, whatever the call rate: over n calls, 1 + 50/n attempts per
//     call at most, then exactly 1. At λ calls per second for a time T that
//     is 1 + 50/(λT): 1.035 at 0.1 calls per second over four hours, 1.0006
//     for one caller back to back for 5 minutes. Naive retry: 4.
//   - 30% of attempts failing at random: per call, 0.3² + 0.3³ + 0.3⁴ =
//     0.125 failed retries cost 0.125 tokens (0.25 if they are 503s), and
//     0.992 successes earn 0.496: the bucket stays full, the budget never
//     binds, and success is naive retry's, 1 - 0.3⁴ = 99.19%. It starts to
//     bind at 51% random transient failures, or 40% random 503s (5 retries:
//     50% and 39%).
//   - Recovery: first attempts always go through, and their successes are
//     the probes that notice the dependency is back: from an empty bucket,
//     every second success pays for a transient retry, every fourth for
//     one after a 503, and at 30% failures the bucket gains 0.37 tokens
//     per call, full again within about 150 calls (within a second for
//     16 busy callers).
//   - Overload: a retry after a 503 or a timeout costs 2, so failed
//     retries stay within a quarter of the successes (plus the Burst); when
//     the server collapses (every attempt times out in a stale queue),
//     nothing succeeds and retries stop after the Burst, so the server sees
//     no more than the calls themselves.
//
// The tests in sim_test.go check these figures by simulation, through
// retry.Do, in a synctest bubble.
//
// # Refusals
//
// When a Budget refuses retries, Refusal says why, with figures, at most
// once per Window (default 10s), so that retry.Do (with a Logger) and
// retryhttp write one log record, not one per request:
//
//	retry budget for host api.example.com is throttling retries: 25 of the last 25 retries failed (25 overloaded), 140 refused, 165 of 165 first attempts failed; 0 of 50 tokens, a retry costs 1 (2 overloaded, 2 timed out)
//
// # Cost
//
// Request is one atomic add. Outcome for a first attempt's success is one
// atomic load while the bucket is full, a compare-and-swap while it is
// not; for a failure, one atomic add. AllowRetry is a compare-and-swap and
// two atomic adds. Nothing allocates, except Refusal's report, at most once
// per Window.
package budget
