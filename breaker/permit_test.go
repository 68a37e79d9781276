package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

func allow(t *testing.T, b *breaker.Breaker) breaker.Permit {
	t.Helper()
	p, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow: %v", err)
	}
	return p
}

func TestTwoStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2),
			breaker.IsFailure(func(err error) bool { return !errors.Is(err, errNotFound) }))
		allow(t, b).Failure()
		allow(t, b).Success() // resets
		allow(t, b).Done(errBoom)
		allow(t, b).Done(errNotFound) // not a failure: a success
		allow(t, b).Done(fmt.Errorf("request: %w", context.Canceled))
		allow(t, b).Abandon()
		allow(t, b).Done(errBoom)
		wantState(t, b, breaker.Closed)
		p1, p2 := allow(t, b), allow(t, b)
		p1.Done(errBoom)
		wantState(t, b, breaker.Open)
		p2.Failure() // admitted before the trip: ignored

		p, err := b.Allow()
		openError(t, err)
		p.Success() // the zero Permit: no effect
		(breaker.Permit{}).Done(nil)

		time.Sleep(breaker.DefaultRecoveryTimeout)
		probe := allow(t, b)
		if _, err := b.Allow(); err == nil {
			t.Fatal("a second probe was admitted")
		}
		probe.Abandon() // frees the slot, decides nothing
		wantState(t, b, breaker.HalfOpen)
		allow(t, b).Done(nil)
		wantState(t, b, breaker.Closed)
	})
}

func TestTwoStepSlowCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(1), breaker.SlowCall(time.Second))
		p := allow(t, b)
		time.Sleep(time.Second)
		p.Success()
		wantState(t, b, breaker.Open)
	})
}

// Issue 15, item 5: Do and Permit.Done judge context.Canceled alike, from
// whoever: the call was given up, which says nothing about the dependency.
// context.DeadlineExceeded is a failure in both: the dependency was too
// slow.
func TestCanceledAlike(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		canceled := func(context.Context) error { return fmt.Errorf("query: %w", context.Canceled) }
		b := breaker.New(breaker.FailureThreshold(1))
		_ = b.Do(context.Background(), canceled) // the caller's ctx is live; the callee's was cancelled
		wantState(t, b, breaker.Closed)
		_, _ = breaker.Call(context.Background(), b, func(ctx context.Context) (int, error) { return 0, canceled(ctx) })
		wantState(t, b, breaker.Closed)
		allow(t, b).Done(canceled(context.Background()))
		wantState(t, b, breaker.Closed)

		timedOut := fmt.Errorf("query: %w", context.DeadlineExceeded)
		allow(t, b).Done(timedOut)
		wantState(t, b, breaker.Open)
		b = breaker.New(breaker.FailureThreshold(1))
		_ = b.Do(context.Background(), func(context.Context) error { return timedOut })
		wantState(t, b, breaker.Open)

		// The same with the counting rules (FailureRate), and in half-open.
		b = breaker.New(breaker.FailureRate(0.5, time.Minute, 1), breaker.RecoveryTimeout(time.Second))
		_ = b.Do(context.Background(), canceled)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		time.Sleep(time.Second)
		_ = b.Do(context.Background(), canceled) // a cancelled probe frees its slot
		wantState(t, b, breaker.HalfOpen)
		do(b, 1, succeed)
		wantState(t, b, breaker.Closed)
	})
}
