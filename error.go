package retry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nop-platform/retry/internal/engine"
)

// ErrInvalidOption is matched by the error Do returns for an invalid option.
var ErrInvalidOption = errors.New("retry: invalid option")

// ErrBudgetExhausted is the Cause of an *Error when a retry budget refused
// the next retry.
var ErrBudgetExhausted = engine.ErrBudgetExhausted

// ErrDeadline is the Cause of an *Error when Do gave up because the next
// delay would pass the context's deadline. It matches
// context.DeadlineExceeded.
var ErrDeadline = engine.ErrDeadline

// ErrPanicked is what an Around hook's finishing function is given when an
// attempt panicked: Do itself returns nothing, as the panic goes on up.
var ErrPanicked = errors.New("retry: the call panicked")

// Error reports that Do gave up while the last failure was still retryable:
// the specification's RetryError. Find it with errors.As.
//
// errors.Is and errors.As see the Cause and every attempt's error, the last
// attempt's first. An *Error is not modified after Do returns it.
type Error struct {
	// Attempts is the number of calls made.
	Attempts int
	// Errors holds each attempt's error, the first attempt's first.
	Errors []error
	// Cause says why Do stopped before using every attempt: the context's
	// error, an error matching context.DeadlineExceeded when the next delay
	// would pass the deadline, or ErrBudgetExhausted. It is nil when every
	// attempt was used.
	Cause error
}

// Last returns the last attempt's error, or nil if no attempt was made.
func (e *Error) Last() error {
	if len(e.Errors) == 0 {
		return nil
	}
	return e.Errors[len(e.Errors)-1]
}

// Error describes the give-up and the last attempt's error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("retry: ")
	switch {
	case e.Cause == nil:
		fmt.Fprintf(&b, "gave up after %s", attempts(e.Attempts))
	case e.Attempts == 0:
		fmt.Fprintf(&b, "%v before the first attempt", e.Cause)
	default:
		fmt.Fprintf(&b, "stopped after %s: %v", attempts(e.Attempts), e.Cause)
	}
	if last := e.Last(); last != nil {
		fmt.Fprintf(&b, ": %v", last)
	}
	return b.String()
}

// attempts returns "1 attempt" or "n attempts".
func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// Unwrap returns the Cause, if any, then each attempt's error, the last
// attempt's first.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, len(e.Errors)+1)
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	for i := len(e.Errors) - 1; i >= 0; i-- {
		out = append(out, e.Errors[i])
	}
	return out
}

// Permanent wraps err so that Do stops at once and returns err itself.
// errors.Is and errors.As see through the wrapper. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (p *permanentError) Error() string   { return p.err.Error() }
func (p *permanentError) Unwrap() error   { return p.err }
func (p *permanentError) Retryable() bool { return false }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	_, ok := find(err, asPermanent)
	return ok
}

// retryabler is the contract for errors that declare whether they are worth
// retrying: the first error in the tree (errors.As) with a method
// Retryable() bool. Do returns such an error at once when the method says
// false, whatever On and If say; an open circuit breaker's rejection and
// Permanent's wrapper both say false.
type retryabler interface{ Retryable() bool }

// declaredRetryable reports what the first error in err's tree that has a
// Retryable method says, and true when none has one.
func declaredRetryable(err error) bool {
	if r, ok := find(err, asRetryabler); ok {
		return r.Retryable()
	}
	return true
}

// retryAfterer is the contract for errors that know when a retry may
// succeed: the first error in the tree (errors.As) with a method
// RetryAfter() time.Duration, such as an HTTP 503 with Retry-After or an open
// breaker's rejection. Do waits at least that long before the retry, capped
// by MaxDelay.
type retryAfterer interface{ RetryAfter() time.Duration }

// retryAfter returns the wait that err asks for, or 0.
func retryAfter(err error) time.Duration {
	if r, ok := find(err, asRetryAfterer); ok {
		return max(r.RetryAfter(), 0)
	}
	return 0
}

// timeouter is the method of errors that know they are timeouts (net.Error).
type timeouter interface{ Timeout() bool }

// outcomeOf classifies a retryable failure for a budget: an error that asks
// for a wait (RetryAfter) says the dependency is overloaded; a timeout (the
// attempt timeout ended the attempt, or an error matching
// context.DeadlineExceeded or whose Timeout() is true) timed out; any
// other failure is transient.
func outcomeOf(err error, timedOut bool) engine.Outcome {
	if _, ok := find(err, asRetryAfterer); ok {
		return engine.OutcomeOverloaded
	}
	if timedOut || errors.Is(err, context.DeadlineExceeded) {
		return engine.OutcomeTimedOut
	}
	if t, ok := find(err, asTimeouter); ok && t.Timeout() {
		return engine.OutcomeTimedOut
	}
	return engine.OutcomeTransient
}
