package retry_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nop-platform/retry"
)

var errUnavailable = errors.New("service unavailable")

// Do retries a flaky call; here the third call succeeds.
func ExampleDo() {
	calls := 0
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return errUnavailable
		}
		return nil
	}, retry.BaseDelay(10*time.Millisecond))
	fmt.Println(calls, err)
	// Output: 3 <nil>
}

// When every attempt fails, Do returns a *retry.Error (the specification's
// RetryError) holding every attempt's error.
func ExampleDo_exhausted() {
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		return errUnavailable
	}, retry.MaxAttempts(3), retry.BaseDelay(time.Millisecond))

	var re *retry.Error
	if errors.As(err, &re) {
		fmt.Println("attempts:", re.Attempts)
	}
	fmt.Println(errors.Is(err, errUnavailable))
	fmt.Println(err)
	// Output:
	// attempts: 3
	// true
	// retry: gave up after 3 attempts: service unavailable
}

// On retries only the listed errors (the specification's exceptions).
func ExampleOn() {
	errConn := errors.New("connection refused")
	errBadInput := errors.New("bad input")
	calls := 0
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		calls++
		return errBadInput
	}, retry.On(errConn), retry.BaseDelay(time.Millisecond))
	fmt.Println(calls, err)
	// Output: 1 bad input
}

// DoValue returns the value of the call that succeeded.
func ExampleDoValue() {
	calls := 0
	version, err := retry.DoValue(context.Background(), func(ctx context.Context) (string, error) {
		calls++
		if calls == 1 {
			return "", errUnavailable
		}
		return "v1.4.2", nil
	}, retry.BaseDelay(time.Millisecond))
	fmt.Println(version, err)
	// Output: v1.4.2 <nil>
}

// Permanent stops retrying at once and returns the wrapped error itself.
func ExamplePermanent() {
	errNotFound := errors.New("asset not found")
	calls := 0
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		calls++
		return retry.Permanent(errNotFound)
	})
	fmt.Println(calls, err, errors.Is(err, errNotFound))
	// Output: 1 asset not found true
}

// FromEnv reads the specification's environment variables.
func ExampleFromEnv() {
	os.Setenv("MAX_RETRY_ATTEMPTS", "2")
	os.Setenv("RETRY_BASE_DELAY", "0.001") // seconds, or a Go duration such as "1ms"
	defer os.Unsetenv("MAX_RETRY_ATTEMPTS")
	defer os.Unsetenv("RETRY_BASE_DELAY")

	opt, err := retry.FromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	calls := 0
	err = retry.Do(context.Background(), func(ctx context.Context) error {
		calls++
		return errUnavailable
	}, opt)
	fmt.Println(calls, err)

	os.Setenv("RETRY_BASE_DELAY", "fast")
	_, err = retry.FromEnv()
	fmt.Println(err)
	// Output:
	// 2 retry: gave up after 2 attempts: service unavailable
	// retry: RETRY_BASE_DELAY="fast": not a number of seconds ("1.5") or a duration ("250ms")
}

// Notify reports every attempt, retry and give-up, for metrics.
func ExampleNotify() {
	retries := 0
	_ = retry.Do(context.Background(), func(ctx context.Context) error {
		return errUnavailable
	}, retry.BaseDelay(time.Millisecond), retry.Notify(func(e retry.Event) {
		switch e.Kind {
		case retry.EventRetry:
			retries++
		case retry.EventGiveUp:
			fmt.Printf("gave up after %d attempts and %d retries\n", e.Attempt, retries)
		}
	}))
	// Output: gave up after 3 attempts and 2 retries
}

// Logger writes the specification's line for each retry.
func ExampleLogger() {
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.MessageKey {
				return slog.Attr{} // keep the example's output to the message
			}
			return a
		},
	})
	_ = retry.Do(context.Background(), func(ctx context.Context) error {
		return errUnavailable
	}, retry.Name("ping_sweep"), retry.MaxAttempts(2), retry.BaseDelay(time.Millisecond), retry.Jitter(0),
		retry.Logger(slog.New(h)))
	// Output:
	// msg="[Retry 1/1] ping_sweep (delay: 1ms, reason: service unavailable)"
	// msg="[Retry] ping_sweep: retry: gave up after 2 attempts: service unavailable"
}

// Around sees a call from start to end: here it times the call and counts
// its attempts, as a tracer starts a span and hands its context to the
// attempts.
func ExampleAround() {
	type callKey struct{}
	timed := retry.Around(func(ctx context.Context) (context.Context, func(error)) {
		attempts := new(int)
		return context.WithValue(ctx, callKey{}, attempts), func(err error) {
			fmt.Printf("call ended after %d attempts: %v\n", *attempts, err)
		}
	})
	calls := 0
	_ = retry.Do(context.Background(), func(ctx context.Context) error {
		*ctx.Value(callKey{}).(*int) += 1
		if calls++; calls < 2 {
			return errUnavailable
		}
		return nil
	}, retry.BaseDelay(time.Millisecond), timed)
	// Output: call ended after 2 attempts: <nil>
}
