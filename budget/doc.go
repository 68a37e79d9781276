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
// creates budgets on first use and holds a bounded number of them.
//
// # Two rules
//
// A retry must pass both.
//
// The cap bounds the load retries add, as Finagle's RetryBudget does. Over
// a sliding window (Window, default 10s, in ten slots), each call deposits
// Ratio retries (default 0.25), a floor adds MinPerSecond retries per
// second of window (default 1, so 10 per window) for clients too quiet to
// earn their own, and each retry costs 1, of which a retry that succeeds
// gets Refund back (default 0.9), as the AWS SDKs' retry quota refunds a
// successful retry. So within any window, at the moment of each retry,
//
//	failed retries + 0.1 * successful retries <= 0.25 * calls + 10
//
// Retries are granted under a mutex and the bound holds exactly under any
// concurrency. A retry is charged in full when granted and refunded when it
// succeeds, so a retry waiting out its delay holds its whole cost. The
// refund goes to the tenth where the retry was charged, and leaves the
// window with the charge. Outcomes do not say which retry they belong to:
// the Budget settles the oldest retry in flight, which is exact while
// outcomes come in the order the retries were granted, tenth by tenth, and
// moves a refund between tenths when they do not. A retry granted but never
// made (the call's context ended while it waited) is given back with
// CancelRetry, which retry.Do and retryhttp call; it then costs nothing.
//
// The failure gate decides whether retries are worth making at all, as
// gRPC's retry throttling does. A failed retry adds a point of debt, a
// success of any attempt takes one off, and retries stop when the debt
// reaches Tolerance (default 3). Successes bank credit against later
// failures: one failure's worth, or two when they come while other retries
// are in flight, so that among many successes a chance run of failed
// retries does not stop retries. When the dependency is down nothing
// succeeds: retries stop after 3 failed retries (4 or 5 if the budget had
// seen successes) and stay stopped. The first success reopens the gate;
// until then, time forgives one failure per Window, and the retry that
// lets through is a probe: the gate waits for its outcome before letting
// another through.
//
// # What the defaults give
//
// With the default retryhttp policy (3 retries, base 1s, jitter 0.3):
//
//   - A dependency that is down: once the gate has closed, one probe retry
//     per 10s per budget, so 1 + 0.1/λ attempts per call at λ calls per
//     second; at most 1.1 from 1 call per second up. The gate closes within
//     the first second with concurrent callers; a lone caller's first call
//     keeps its 3 retries (it cannot be told from a call that failed three
//     times by chance). Naive retry: 4.
//   - 30% of attempts failing at random: per call, 0.125 failed retries,
//     0.1 * 0.292 for the successful ones, and 0.043 for retries waiting
//     out their delays cost 0.197, below the 0.25 deposited, so the cap does
//     not bind; and with 0.99 successes per failed retry's 0.125 the gate
//     stays open. Success stays within a point of 1 - 0.3^4 = 99.19%.
//   - When the dependency comes back, the first success reopens the gate.
//   - Overload: failed retries add at most a quarter to the load (the
//     cap), and none once they outnumber successes (the gate), so a server
//     that has collapsed sees no more than the calls themselves.
//
// The tests in sim_test.go check these figures by simulation.
//
// # Cost
//
// Request is one clock reading and one atomic add. Outcome for a first
// attempt is one atomic load, or nothing at all when it failed; it takes a
// short mutex only while the gate is recovering from failed retries.
// AllowRetry, CancelRetry, and Outcome for a retry, take a short mutex.
// Nothing allocates.
package budget
