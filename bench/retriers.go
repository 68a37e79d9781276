package bench

import (
	"context"
	"time"

	avast "github.com/avast/retry-go/v4"
	cenkalti "github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	nop "github.com/nop-platform/retry"
	sethvargo "github.com/sethvargo/go-retry"
)

// A Retrier calls fn under one library's retry loop.
type Retrier struct {
	Name string
	// Do calls fn until it succeeds or the policy gives up, and returns
	// nil or an error that the library derived from fn's errors.
	Do func(ctx context.Context, fn func(context.Context) error) error
}

// Retriers returns each retry library configured with p, "bare" first: a
// plain call of fn, the floor. Each Do is safe for concurrent use.
//
// What is built once and what per call follows each library's documentation:
// options, policies and executors are built once; sethvargo's and cenkalti's
// exponential backoffs are stateful and so built per call, as their docs require.
// Every library is given the caller's context the way its docs show it.
func Retriers(p Policy) []Retrier {
	return []Retrier{
		{"bare", bareCall},
		{"nop", nopRetrier(p)},
		{"avast", avastRetrier(p)},
		{"cenkalti", cenkaltiRetrier(p)},
		{"sethvargo", sethvargoRetrier(p)},
		{"failsafe", failsafeRetrier(p)},
	}
}

// bareCall is the floor: one call of fn through a func value, not inlined.
//
//go:noinline
func bareCall(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}

func nopRetrier(p Policy) func(context.Context, func(context.Context) error) error {
	opts := []nop.Option{nop.MaxAttempts(p.Attempts), nop.BaseDelay(p.Delay)}
	if p.Delay > 0 {
		opts = append(opts, nop.MaxDelay(p.maxDelay()), nop.Jitter(0))
	}
	return func(ctx context.Context, fn func(context.Context) error) error {
		return nop.Do(ctx, fn, opts...)
	}
}

func avastRetrier(p Policy) func(context.Context, func(context.Context) error) error {
	opts := []avast.Option{
		avast.Attempts(uint(p.Attempts)),
		avast.Delay(p.Delay),
		avast.DelayType(avast.FixedDelay), // BackOffDelay would turn 0 into 1ns
	}
	if p.Delay > 0 {
		opts = append(opts[:2], avast.DelayType(avast.BackOffDelay), avast.MaxDelay(p.maxDelay()))
	}
	return func(ctx context.Context, fn func(context.Context) error) error {
		var o [5]avast.Option // on the stack: the built options and the caller's context
		n := copy(o[:], opts)
		o[n] = avast.Context(ctx)
		return avast.Do(func() error { return fn(ctx) }, o[:n+1]...)
	}
}

func cenkaltiRetrier(p Policy) func(context.Context, func(context.Context) error) error {
	newBackOff := func() cenkalti.BackOff {
		if p.Delay == 0 {
			return &cenkalti.ZeroBackOff{}
		}
		return &cenkalti.ExponentialBackOff{
			InitialInterval: p.Delay,
			Multiplier:      2,
			MaxInterval:     p.maxDelay(),
		}
	}
	return func(ctx context.Context, fn func(context.Context) error) error {
		_, err := cenkalti.Retry(ctx, func() (struct{}, error) {
			return struct{}{}, fn(ctx)
		}, cenkalti.WithBackOff(newBackOff()), cenkalti.WithMaxTries(uint(p.Attempts)))
		return err
	}
}

func sethvargoRetrier(p Policy) func(context.Context, func(context.Context) error) error {
	newBackoff := func() sethvargo.Backoff {
		var b sethvargo.Backoff
		if p.Delay == 0 {
			b = sethvargo.NewConstant(time.Nanosecond) // it panics on zero
		} else {
			b = sethvargo.WithCappedDuration(p.maxDelay(), sethvargo.NewExponential(p.Delay))
		}
		return sethvargo.WithMaxRetries(uint64(p.Retries()), b)
	}
	return func(ctx context.Context, fn func(context.Context) error) error {
		return sethvargo.Do(ctx, newBackoff(), func(ctx context.Context) error {
			if err := fn(ctx); err != nil {
				return sethvargo.RetryableError(err) // only marked errors are retried
			}
			return nil
		})
	}
}

func failsafeRetrier(p Policy) func(context.Context, func(context.Context) error) error {
	b := retrypolicy.NewBuilder[any]().WithMaxAttempts(p.Attempts)
	if p.Delay > 0 {
		b = b.WithBackoff(p.Delay, p.maxDelay())
	}
	exec := failsafe.With[any](b.Build())
	return func(ctx context.Context, fn func(context.Context) error) error {
		return exec.WithContext(ctx).RunWithExecution(func(e failsafe.Execution[any]) error {
			return fn(e.Context())
		})
	}
}
