package bench

import (
	"context"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/nop-platform/retry/breaker"
	"github.com/sony/gobreaker/v2"
)

// BreakerPolicy is the circuit-breaker policy every peer is configured with:
// open after Threshold consecutive failures, probe after Recovery.
type BreakerPolicy struct {
	Threshold int
	Recovery  time.Duration
}

// DefaultBreaker is the policy of the benchmarks, the defaults of our breaker
// and gobreaker alike: 5 consecutive failures, one minute open.
var DefaultBreaker = BreakerPolicy{Threshold: 5, Recovery: time.Minute}

// A Breaker calls fn through one library's circuit breaker.
type Breaker struct {
	Name string
	// Do calls fn unless the breaker is open, and records the outcome.
	// It is safe for concurrent use: one breaker serves every caller.
	Do func(ctx context.Context, fn func(context.Context) error) error
}

// Breakers returns a new breaker of each library configured with p, "bare"
// first: a plain call of fn, the floor.
func Breakers(p BreakerPolicy) []Breaker {
	return []Breaker{
		{"bare", bareCall},
		{"nop", nopBreaker(p)},
		{"gobreaker", goBreaker(p)},
		{"failsafe", failsafeBreaker(p)},
	}
}

func nopBreaker(p BreakerPolicy) func(context.Context, func(context.Context) error) error {
	cb := breaker.New(breaker.FailureThreshold(p.Threshold), breaker.RecoveryTimeout(p.Recovery))
	return cb.Do
}

func goBreaker(p BreakerPolicy) func(context.Context, func(context.Context) error) error {
	cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:    "bench",
		Timeout: p.Recovery,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(p.Threshold)
		},
	})
	return func(ctx context.Context, fn func(context.Context) error) error {
		_, err := cb.Execute(func() (struct{}, error) { return struct{}{}, fn(ctx) })
		return err
	}
}

func failsafeBreaker(p BreakerPolicy) func(context.Context, func(context.Context) error) error {
	cb := circuitbreaker.NewBuilder[any]().
		WithFailureThreshold(uint(p.Threshold)).
		WithDelay(p.Recovery).
		Build()
	exec := failsafe.With[any](cb)
	return func(ctx context.Context, fn func(context.Context) error) error {
		return exec.WithContext(ctx).RunWithExecution(func(e failsafe.Execution[any]) error {
			return fn(e.Context())
		})
	}
}
