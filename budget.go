package retry

import "github.com/nop-platform/retry/internal/engine"

// Outcome says how an attempt ended, for a Budget. Its String method gives
// "ok", "transient", "overloaded" or "timed_out".
type Outcome = engine.Outcome

const (
	// OutcomeOK: the attempt succeeded, or failed in a way that is not retried (Permanent,
	// rejected by On/If, the caller's context ending, a 404): the call needs no more retries.
	OutcomeOK = engine.OutcomeOK
	// OutcomeTransient: a retryable failure with no sign of overload (a 500, a reset connection).
	OutcomeTransient = engine.OutcomeTransient
	// OutcomeOverloaded: the dependency said it is overloaded: a 429 or 503, or an error with a
	// RetryAfter() method.
	OutcomeOverloaded = engine.OutcomeOverloaded
	// OutcomeTimedOut: the attempt timed out (AttemptTimeout, or an error matching
	// context.DeadlineExceeded / a net.Error whose Timeout() is true).
	OutcomeTimedOut = engine.OutcomeTimedOut
)

// Ticket identifies a retry that a Budget granted. The zero Ticket stands for a first attempt.
// Its bits belong to the Budget that issued it: pass it back to that Budget only.
type Ticket = engine.Ticket

// Budget limits retries across many calls to one dependency (see package budget for the
// implementation, and retryhttp, which keeps one per host by default). It must be safe for
// concurrent use: every method may be called from any number of goroutines at once.
//
// Do drives it so: Request once per call, before the first attempt; Outcome after every
// attempt (with the zero Ticket for the first, the retry's Ticket for a retry); AllowRetry
// before each retry, whose refusal ends the call with ErrBudgetExhausted; CancelRetry when
// a granted retry is abandoned (the context ended during the wait before it, or fn panicked).
type Budget interface {
	// Request records a call's first attempt.
	Request()
	// AllowRetry asks whether a retry may be made now after an attempt that ended with o
	// (never OutcomeOK). When ok, the retry is charged, and t (never zero) must be settled
	// exactly once: by Outcome after the retry is made, or by CancelRetry if it will not be.
	AllowRetry(o Outcome) (t Ticket, ok bool)
	// Outcome records how an attempt ended: t is the zero Ticket for a first attempt, else
	// the Ticket of the retry.
	Outcome(t Ticket, o Outcome)
	// CancelRetry settles a granted retry that will not be made: its charge is returned.
	CancelRetry(t Ticket)
}

// A Budget may also have a method
//
//	Refusal() (reason string, report bool)
//
// which says why the Budget refused the last retry (reason, in a few words with figures,
// such as "12 of the last 40 retries failed, 9 overloaded; allowance 0 of 10"), and report is
// true at most once per Window while refusals go on (so a caller logs one record, not one per
// request). Callers look for it with a type assertion after AllowRetry refuses, and log
// one record when report is true. Package budget's Budget has it.
