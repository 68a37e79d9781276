package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
)

func Example() {
	cb := breaker.New(breaker.Name("payments"), breaker.FailureThreshold(2),
		breaker.RecoveryTimeout(time.Minute))
	charge := func(ctx context.Context) error { return errors.New("connection refused") }

	for i := 1; i <= 3; i++ {
		err := cb.Do(context.Background(), charge)
		var oe *breaker.OpenError
		if errors.As(err, &oe) {
			fmt.Printf("call %d: rejected, next probe in %v\n", i, oe.RetryAfter().Round(time.Second))
			continue
		}
		fmt.Printf("call %d: %v\n", i, err)
	}
	fmt.Println("state:", cb.State())
	// Output:
	// call 1: connection refused
	// call 2: connection refused
	// call 3: rejected, next probe in 1m0s
	// state: open
}

func ExampleCall() {
	cb := breaker.New()
	balance, err := breaker.Call(context.Background(), cb, func(ctx context.Context) (int, error) {
		return 42, nil
	})
	fmt.Println(balance, err)
	// Output: 42 <nil>
}

// The two-step form judges a call after the fact, as an HTTP transport does
// with a 503.
func ExampleBreaker_Allow() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	cb := breaker.New(breaker.FailureThreshold(2))

	get := func() (string, error) {
		p, err := cb.Allow()
		if err != nil {
			return "", err
		}
		resp, err := http.Get(srv.URL)
		if err != nil {
			p.Done(err)
			return "", err
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			p.Failure()
		} else {
			p.Success()
		}
		return resp.Status, nil
	}

	for range 3 {
		status, err := get()
		if errors.Is(err, breaker.ErrOpen) {
			fmt.Println("rejected without a request")
			continue
		}
		fmt.Println(status)
	}
	// Output:
	// 503 Service Unavailable
	// 503 Service Unavailable
	// rejected without a request
}

// Put the retry loop outside and the breaker inside: every attempt goes
// through the breaker, and once it opens, retry.Do stops at once.
func Example_retry() {
	cb := breaker.New(breaker.FailureThreshold(2))
	calls := 0
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		return cb.Do(ctx, func(ctx context.Context) error {
			calls++
			return errors.New("service unavailable")
		})
	}, retry.MaxAttempts(5), retry.BaseDelay(time.Millisecond))

	fmt.Println("calls:", calls)
	fmt.Println("stopped by the breaker:", errors.Is(err, breaker.ErrOpen))
	// Output:
	// calls: 2
	// stopped by the breaker: true
}

func ExampleOpenError() {
	cb := breaker.New(breaker.Name("geo"), breaker.FailureThreshold(1),
		breaker.RecoveryTimeout(30*time.Second))
	_ = cb.Do(context.Background(), func(context.Context) error { return errors.New("timeout") })

	err := cb.Do(context.Background(), func(context.Context) error { return nil })
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		fmt.Println(oe.Name, oe.State, oe.RetryAfter().Round(time.Second))
	}
	// Output: geo open 30s
}

// Breakers of the same name that share a store open together.
func ExampleMemoryStore() {
	var store breaker.MemoryStore
	opts := []breaker.Option{breaker.Name("search"), breaker.Shared(&store), breaker.FailureThreshold(2)}
	a, b := breaker.New(opts...), breaker.New(opts...)

	fail := func(context.Context) error { return errors.New("unavailable") }
	_ = a.Do(context.Background(), fail)
	_ = b.Do(context.Background(), fail) // the second failure in a row, fleet-wide

	fmt.Println(a.State(), b.State())
	// Output: open open
}

func ExampleValidate() {
	threshold := 0 // from a configuration file
	err := breaker.Validate(breaker.FailureThreshold(threshold))
	fmt.Println(err)
	// Output: breaker: invalid option: FailureThreshold(0): must be from 1 to 2^31-1
}
