package retry

import (
	"context"

	"github.com/nop-platform/retry/internal/engine"
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
	if c.nAround > 0 { // never with a first attempt made: preflight declines Around
		return c.runAround(ctx, fn, opts)
	}
	return c.run(ctx, fn, first)
}

// DoValue is Do for a function that returns a value as well as an error. On
// success it returns the value of the call that succeeded; otherwise the zero
// value and the error Do would return.
func DoValue[T any](ctx context.Context, fn func(ctx context.Context) (T, error), opts ...Option) (T, error) {
	var first error
	if preflight(opts) && ctx.Err() == nil {
		v, err := fn(ctx)
		if err == nil {
			return v, nil
		}
		first = err
	}
	return doValue(ctx, fn, first, opts)
}

// doValue is DoValue once the first attempt has failed or could not be made
// early; v lives here, off the success path's frame.
func doValue[T any](ctx context.Context, fn func(ctx context.Context) (T, error), first error, opts []Option) (T, error) {
	var v T
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

// runAround runs the attempts inside the Around hooks of opts: each starts
// in the order given, passing its context on, and finishes in reverse
// order. The hooks are gathered here, on the stack, rather than by apply,
// so that a call with up to four of them allocates nothing.
func (c *config) runAround(ctx context.Context, fn func(context.Context) error, opts []Option) error {
	var hb [4]aroundStart
	hooks := collectAround(hb[:0], opts)
	var fb [4]func(error)
	finish := fb[:0]
	var err error
	ended := false
	defer func() {
		if !ended { // a panic (or runtime.Goexit) is on its way up: let it go on
			err = ErrPanicked
		}
		for i := len(finish) - 1; i >= 0; i-- {
			if finish[i] != nil {
				finish[i](err)
			}
		}
	}()
	for _, start := range hooks {
		next, f := start(ctx)
		if next != nil {
			ctx = next
		}
		finish = append(finish, f)
	}
	err = c.run(ctx, fn, nil)
	ended = true
	return err
}

type aroundStart = func(context.Context) (context.Context, func(error))

// collectAround appends the Around hooks of opts, nested ones included, in
// the order given.
func collectAround(dst []aroundStart, opts []Option) []aroundStart {
	for i := range opts {
		switch o := &opts[i]; o.kind {
		case kAround:
			dst = append(dst, o.v.(aroundStart))
		case kMany:
			dst = collectAround(dst, o.v.([]Option))
		}
	}
	return dst
}

// loop drives the engine: it makes the attempts and classifies their errors.
func (c *config) loop(ctx context.Context, fn func(context.Context) error, first error) error {
	if first == nil {
		if err := ctx.Err(); err != nil {
			return &Error{Cause: err}
		}
	}
	l := engine.Loop{
		MaxAttempts: c.maxAttempts, Base: c.base, Max: c.max, Jitter: c.jitter,
		Linear: c.linear, Strategy: c.strategy, Name: c.name, OnRetry: c.onRetry,
		Logger: c.logger, LogGiveUp: true, NewError: newError,
	}
	if c.budget != nil {
		l.Budget = c.budget
	}
	if c.notify != nil {
		l.Notify, l.NotifyArg = notify, c.notify
	}
	l.Begin(ctx)
	defer l.Finish()
	for {
		err, timedOut := first, false
		if l.Attempt() > 1 || first == nil {
			err, timedOut = c.call(ctx, fn)
		}
		inner, isPerm := unwrapPermanent(err)
		res := engine.Result{Err: err}
		if err != nil && !isPerm {
			live := ctx.Err() == nil
			ok := c.retryable(err)
			// The caller's context ending is never retried, but Do still
			// reports it as a give-up (an *Error with the context's error).
			res.Retryable = ok || !live
			if ok && live {
				res.Outcome = outcomeOf(err, timedOut)
				res.RetryAfter = retryAfter(err)
			}
		}
		switch l.End(res) {
		case engine.Done:
			if isPerm {
				return inner
			}
			return err
		case engine.Stop:
			return l.Err()
		}
		if l.Wait() == engine.Stop {
			return l.Err()
		}
	}
}

// newError is the engine's give-up error: the specification's RetryError.
func newError(attempts int, errs []error, cause error) error {
	return &Error{Attempts: attempts, Errors: errs, Cause: cause}
}

// notify passes an engine event to fn, a func(Event), as the public one.
func notify(fn any, e engine.Event) {
	fn.(func(Event))(Event{Kind: EventKind(e.Kind), Name: e.Name, Attempt: e.Attempt, MaxAttempts: e.MaxAttempts,
		Delay: e.Delay, Elapsed: e.Elapsed, Err: e.Err, Context: e.Context})
}

// unwrapPermanent returns the error Permanent wrapped, if err is one.
func unwrapPermanent(err error) (error, bool) {
	if p, ok := find(err, asPermanent); ok {
		return p.err, true
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
