package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nop-platform/retry/backoff"
)

// ErrBudgetExhausted is the Cause when a retry budget refused the next retry
// (retry.ErrBudgetExhausted).
var ErrBudgetExhausted = errors.New("retry: retry budget exhausted")

// ErrDeadline is the Cause when the next delay would pass the context's
// deadline (retry.ErrDeadline). It matches context.DeadlineExceeded.
var ErrDeadline = fmt.Errorf("retry: the next delay would pass the context deadline: %w", context.DeadlineExceeded)

// Step is what End and Wait tell the adapter to do next.
type Step uint8

const (
	// Done: return the attempt's result as it is: it succeeded, or it is
	// not to be retried.
	Done Step = iota
	// Wait: the failure is retried; discard the result, then call Wait.
	Wait
	// Stop: give up while the failure was still retryable; Err and Cause say
	// why.
	Stop
)

// Result is an attempt's end, as the adapter classifies it.
type Result struct {
	// Err is the attempt's failure as events and the give-up error record
	// it (retryhttp: a *StatusError for a status); nil for a success.
	Err error
	// Retryable: the failure calls for a retry (conditions, idempotency, a
	// live context: the adapter's rules). Ignored when Err is nil.
	Retryable bool
	// Outcome is what the budget records.
	Outcome Outcome
	// RetryAfter is the wait the failure asks for (Retry-After): a floor
	// under the backoff delay, capped by Max.
	RetryAfter time.Duration
}

// Loop is one call's attempt loop. The adapter sets the policy fields, calls
// Begin, and then End after each attempt and Wait before each retry (see the
// package documentation). The zero policy makes one attempt.
//
// A Loop is used by one goroutine, for one call.
type Loop struct {
	// Policy, set before Begin and not changed after.
	MaxAttempts int              // attempts in all, the first included
	Base, Max   time.Duration    // backoff from Base, each delay capped at Max (<= 0: no waits)
	Jitter      float64          // additive jitter fraction
	Linear      bool             // every delay is Base (plus jitter), not doubling
	Strategy    backoff.Strategy // replaces Base/Jitter/Linear when set; Max still caps Retry-After
	Budget      Budget           // nil: every retry allowed
	BudgetName  string           // names the budget in its log record (the host); default Name
	Name        string           // the operation, in events and log records
	// Notify receives every event, with NotifyArg (the adapter's own
	// callback, which a static Notify converts: a func value in an any
	// allocates nothing, where a closure stored here would). nil: no events.
	Notify    func(arg any, e Event)
	NotifyArg any
	OnRetry   func(attempt int, err error)
	Logger    *slog.Logger // nil: no log records
	// LogRetry writes the specification's line for a retry through
	// WriteRetry, with the adapter's subject, reason and attributes; nil
	// uses Name as the subject and the error as the reason. Arg is passed
	// through to it.
	LogRetry  func(ctx context.Context, l *slog.Logger, arg any, r Retry)
	Arg       any
	LogGiveUp bool // log the give-up at level Error
	// NewError builds the error the adapter returns on giving up (a
	// *retry.Error) from the attempts made, their failures and the cause.
	NewError func(attempts int, errs []error, cause error) error

	ctx     context.Context
	start   time.Time
	attempt int           // number of the attempt that last ended, or is under way
	delay   time.Duration // the wait Wait makes
	prev    time.Duration // the last wait
	ticket  Ticket        // a granted retry not yet settled (0: none)
	pending error         // the failure whose retry End granted and Wait has not announced
	timer   *time.Timer
	failed  int      // failures recorded
	buf     [4]error // the first failures, without a heap slice
	more    []error  // failures after the fourth
	cause   error    // why it stopped early, for Stop
	err     error    // NewError's result, built once
	last    error    // the last failure
}

// Begin starts a call under ctx: it records the first attempt with the
// budget. The first attempt may already have been made.
func (l *Loop) Begin(ctx context.Context) {
	l.ctx = ctx
	l.attempt = 1
	if l.Notify != nil {
		l.start = time.Now()
	}
	l.request()
}

// Attempt returns the number of the attempt under way, 1 for the first.
func (l *Loop) Attempt() int { return l.attempt }

// End records the end of the attempt under way and decides what comes next.
func (l *Loop) End(r Result) Step {
	l.settle(r.Outcome)
	l.event(KindAttempt, 0, r.Err)
	if r.Err == nil || !r.Retryable {
		return Done
	}
	l.record(r.Err)
	if err := l.ctx.Err(); err != nil {
		return l.stop(err)
	}
	if l.attempt >= l.MaxAttempts {
		return l.stop(nil)
	}
	l.delay = l.nextDelay(r.RetryAfter)
	if dl, ok := l.ctx.Deadline(); ok && l.delay > 0 && time.Until(dl) < l.delay {
		return l.stop(ErrDeadline)
	}
	if !l.grant(r.Outcome) {
		l.event(KindBudgetRejected, 0, r.Err)
		l.logRefusal()
		return l.stop(ErrBudgetExhausted)
	}
	l.pending = r.Err
	return Wait
}

// Wait announces the retry End granted (OnRetry, the KindRetry event, the
// log line), waits out the delay End chose, then counts the next attempt.
// It returns Stop, with the context's error as the Cause, when the context
// ends first; the granted retry is then given back to the budget. Between
// End and Wait the adapter may still call Abandon or Limited, and the retry
// is then never announced.
func (l *Loop) Wait() Step {
	if err := l.pending; err != nil {
		l.pending = nil
		if l.OnRetry != nil {
			l.OnRetry(l.attempt, err)
		}
		l.event(KindRetry, l.delay, err)
		l.logRetry()
	}
	if l.delay >= MinTimer {
		if l.timer == nil {
			l.timer = time.NewTimer(l.delay)
		} else {
			l.timer.Reset(l.delay)
		}
		select {
		case <-l.ctx.Done():
			l.timer.Stop()
			l.cancelRetry()
			return l.stop(l.ctx.Err())
		case <-l.timer.C:
		}
	}
	l.prev = l.delay
	l.attempt++
	return Wait
}

// Abandon gives up, before Wait, on the retry End granted, with cause
// (retryhttp: the request body cannot be replayed). It returns Stop.
func (l *Loop) Abandon(cause error) Step {
	l.pending = nil
	l.cancelRetry()
	return l.stop(cause)
}

// Limited reports that a concurrency limit refused an attempt before it was
// made, with err (matching limit.ErrLimited). Called in place of End, it is
// about the attempt under way: a first attempt's refusal is Done, and the
// adapter returns err as it is. Called between End and Wait, it is about the
// retry End granted, which is never announced. A retry's refusal gives the
// grant back to the budget and returns Stop, with err as the Cause and the
// attempts actually made.
func (l *Loop) Limited(err error) Step {
	if l.pending != nil {
		l.pending = nil
		l.eventAt(KindLimited, l.attempt+1, 0, err)
		l.cancelRetry()
		return l.stop(err)
	}
	l.event(KindLimited, 0, err)
	if l.attempt == 1 {
		return Done
	}
	l.attempt--
	l.cancelRetry()
	return l.stop(err)
}

// Finish gives back a granted retry that was never settled: the attempt
// panicked. Adapters defer it.
func (l *Loop) Finish() { l.cancelRetry() }

// Cause returns why the loop stopped before using every attempt, or nil.
func (l *Loop) Cause() error { return l.cause }

// Err returns the adapter's give-up error (NewError), built once.
func (l *Loop) Err() error {
	if l.err == nil {
		l.err = l.NewError(l.attempt, l.failures(), l.cause)
	}
	return l.err
}

// stop ends the loop with cause and reports the give-up.
func (l *Loop) stop(cause error) Step {
	l.cause = cause
	if l.Notify != nil {
		l.event(KindGiveUp, 0, l.Err())
	}
	if l.LogGiveUp && l.Logger != nil {
		logGiveUp(l.ctx, l.Logger, l.Name, l.attempt, l.Err(), l.last, cause)
	}
	return Stop
}

// record keeps a failure for the give-up error.
func (l *Loop) record(err error) {
	if l.failed < len(l.buf) {
		l.buf[l.failed] = err
	} else {
		l.more = append(l.more, err)
	}
	l.failed++
	l.last = err
}

// failures returns every failure recorded, the first attempt's first, in a
// new slice.
func (l *Loop) failures() []error {
	out := make([]error, 0, l.failed)
	out = append(out, l.buf[:min(l.failed, len(l.buf))]...)
	return append(out, l.more...)
}
