package retry

import (
	"context"
	"errors"
	"time"
)

// Do calls fn until it succeeds, its error is not worth retrying, or Do gives
// up; see the package documentation for what it returns. fn receives the
// context to honour (ctx, or a shorter one under MaxTime or AttemptTimeout).
//
// Do is safe to call from any number of goroutines at once.
func Do(ctx context.Context, fn func(ctx context.Context) error, opts ...Option) error {
	var first error
	if preflight(opts) && ctx.Err() == nil {
		if first = fn(ctx); first == nil {
			return nil
		}
	}
	return do(ctx, fn, first, opts)
}

// do is Do once the first attempt has failed or could not be made early. It
// is a function of its own so that Do's frame stays small.
func do(ctx context.Context, fn func(ctx context.Context) error, first error, opts []Option) error {
	var c config
	c.init()
	c.apply(opts)
	if err := c.check(); err != nil {
		return err
	}
	return c.run(ctx, fn, first)
}

// DoValue is Do for a function that returns a value as well as an error. On
// success it returns the value of the call that succeeded; otherwise the zero
// value and the error Do would return.
func DoValue[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...Option) (T, error) {
	var v T
	var first error
	if preflight(opts) && ctx.Err() == nil {
		if v, first = fn(ctx); first == nil {
			return v, nil
		}
	}
	err := do(ctx, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	}, first, opts)
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// run is the retry loop shared by Do and DoValue. A non-nil first is the
// error of a first attempt already made (see preflight).
func (c *config) run(ctx context.Context, fn func(context.Context) error, first error) error {
	if c.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.maxTime)
		defer cancel()
	}
	return c.loop(ctx, fn, first)
}

// loop makes the attempts. Its one defer is outside the loop, so the
// compiler open-codes it and the success path pays next to nothing for it.
func (c *config) loop(ctx context.Context, fn func(context.Context) error, first error) error {
	var (
		timer  *time.Timer
		ticket Ticket // a retry the budget granted and not yet settled
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
		if ticket != 0 { // the wait ended with the context, or fn panicked
			c.budget.CancelRetry(ticket)
		}
	}()
	if first == nil {
		if err := ctx.Err(); err != nil {
			return &Error{Cause: err}
		}
	}
	if c.budget != nil {
		c.budget.Request()
	}
	var (
		errs  []error
		start time.Time
		prev  time.Duration
	)
	if c.notify != nil {
		start = time.Now()
	}
	for attempt := 1; ; attempt++ {
		err, timedOut := first, false
		if attempt > 1 || first == nil {
			err, timedOut = c.call(ctx, fn)
		}
		inner, isPerm := unwrapPermanent(err)
		// retryable: the failure calls for a retry. Anything else ends the
		// call's need to retry, which is what a budget counts as ok.
		retryable := err != nil && !isPerm && ctx.Err() == nil && c.retryable(err)
		kind := OutcomeOK
		if retryable {
			kind = outcomeOf(err, timedOut)
		}
		if c.budget != nil {
			t := ticket
			ticket = 0
			c.budget.Outcome(t, kind)
		}
		if c.notify != nil {
			c.notify(Event{Kind: EventAttempt, Name: c.name, Attempt: attempt,
				MaxAttempts: c.maxAttempts, Elapsed: time.Since(start), Err: err})
		}
		switch {
		case err == nil:
			return nil
		case isPerm:
			return inner
		}
		errs = append(errs, err)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return c.giveUp(ctx, start, &Error{Attempts: attempt, Errors: errs, Cause: ctxErr})
		}
		if !retryable {
			return err
		}
		if attempt >= c.maxAttempts {
			return c.giveUp(ctx, start, &Error{Attempts: attempt, Errors: errs})
		}
		delay := c.delay(attempt, prev)
		if ra := retryAfter(err); ra > delay {
			delay = min(ra, c.max)
		}
		if dl, ok := ctx.Deadline(); ok && delay > 0 && time.Until(dl) < delay {
			return c.giveUp(ctx, start, &Error{Attempts: attempt, Errors: errs, Cause: ErrDeadline})
		}
		if c.budget != nil {
			ticket, _ = c.budget.AllowRetry(kind)
		}
		if c.budget != nil && ticket == 0 {
			if c.logger != nil {
				logRefusal(ctx, c.logger, c.name, c.budget)
			}
			if c.notify != nil {
				c.notify(Event{Kind: EventBudgetRejected, Name: c.name, Attempt: attempt,
					MaxAttempts: c.maxAttempts, Elapsed: time.Since(start), Err: err})
			}
			return c.giveUp(ctx, start, &Error{Attempts: attempt, Errors: errs, Cause: ErrBudgetExhausted})
		}
		if c.onRetry != nil {
			c.onRetry(attempt, err)
		}
		if c.notify != nil {
			c.notify(Event{Kind: EventRetry, Name: c.name, Attempt: attempt,
				MaxAttempts: c.maxAttempts, Delay: delay, Elapsed: time.Since(start), Err: err})
		}
		if c.logger != nil {
			logRetry(ctx, c.logger, c.name, attempt, c.maxAttempts-1, delay, err)
		}
		if delay > 0 {
			if timer == nil {
				timer = time.NewTimer(delay)
			} else {
				timer.Reset(delay)
			}
			select {
			case <-ctx.Done():
				return c.giveUp(ctx, start, &Error{Attempts: attempt, Errors: errs, Cause: ctx.Err()})
			case <-timer.C:
			}
		}
		prev = delay
	}
}

// unwrapPermanent returns the error Permanent wrapped, if err is one. It is
// a function of its own so that its errors.As target stays off the heap on
// the success path.
func unwrapPermanent(err error) (error, bool) {
	if err == nil {
		return nil, false
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return perm.err, true
	}
	return nil, false
}

// call makes one attempt under the attempt timeout, if any, and reports
// whether that timeout ended it.
func (c *config) call(ctx context.Context, fn func(context.Context) error) (error, bool) {
	if c.attemptTimeout <= 0 {
		return fn(ctx), false
	}
	actx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	err := fn(actx)
	return err, err != nil && actx.Err() != nil && ctx.Err() == nil
}

// outcomeOf classifies a retryable failure for a Budget: OutcomeOverloaded
// for an error with a RetryAfter method, OutcomeTimedOut when the attempt
// timeout ended the attempt or the error is a timeout
// (context.DeadlineExceeded, or an error whose Timeout() is true, as a
// net.Error's), else OutcomeTransient. Do only asks while the caller's
// context is alive.
func outcomeOf(err error, timedOut bool) Outcome {
	var ra retryAfterer
	if errors.As(err, &ra) {
		return OutcomeOverloaded
	}
	if timedOut || errors.Is(err, context.DeadlineExceeded) {
		return OutcomeTimedOut
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return OutcomeTimedOut
	}
	return OutcomeTransient
}

// giveUp reports e and returns it.
func (c *config) giveUp(ctx context.Context, start time.Time, e *Error) error {
	if c.notify != nil {
		c.notify(Event{Kind: EventGiveUp, Name: c.name, Attempt: e.Attempts,
			MaxAttempts: c.maxAttempts, Elapsed: time.Since(start), Err: e})
	}
	if c.logger != nil {
		logGiveUp(ctx, c.logger, c.name, e)
	}
	return e
}
