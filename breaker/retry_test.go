package breaker_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
)

func TestRetryStopsAtOpenBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2))
		c := &counter{err: errBoom}
		attempts := 0
		call := func(ctx context.Context) error {
			attempts++
			return b.Do(ctx, c.fn)
		}
		start := time.Now()
		err := retry.Do(context.Background(), call, retry.MaxAttempts(10), retry.BaseDelay(time.Second), retry.Jitter(0))
		// Two failures open the breaker; the third attempt is rejected and
		// retry.Do returns the rejection at once.
		if c.n() != 2 || attempts != 3 {
			t.Fatalf("%d calls in %d attempts, want 2 in 3", c.n(), attempts)
		}
		openError(t, err)
		var re *retry.Error
		if errors.As(err, &re) {
			t.Fatalf("retry.Do gave up with %v; want the rejection returned as is", err)
		}
		if waited := time.Since(start); waited != 3*time.Second {
			t.Fatalf("retry.Do took %v, want 3s: the two backoffs before the rejection", waited)
		}

		// A retry loop around a breaker that is already open makes no call.
		attempts = 0
		err = retry.Do(context.Background(), call, retry.MaxAttempts(10), retry.BaseDelay(time.Second))
		if c.n() != 2 || attempts != 1 {
			t.Fatalf("%d calls in %d attempts around an open breaker, want 2 in 1", c.n(), attempts)
		}
		openError(t, err)
	})
}
