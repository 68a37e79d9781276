package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
)

// The wiring: one Store per process, a breaker and a retry budget shared by
// every process of the fleet. This example has no output to check, since
// it needs a Redis; the tests run the same code against a redis-server they
// start.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer rdb.Close()
	store := redisstore.New(rdb) // connects in the background
	defer store.Close()

	cb := breaker.New(breaker.Name("payments"), breaker.Shared(store), breaker.FailureThreshold(5))
	rb, err := store.Budget("payments") // budget.Option values may follow
	if err != nil {
		panic(err)
	}
	charge := func(ctx context.Context) error { return nil }
	err = retry.Do(context.Background(), func(ctx context.Context) error {
		return cb.Do(ctx, charge)
	}, retry.WithBudget(rb))
	fmt.Println(err)
}

// When Redis is unreachable, here because nothing listens at the address,
// the breaker works as a local one: calls go through at once, failures trip
// it, and the store logs the outage once and tries Redis again every
// Resync.
func ExampleNew_redisDown() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.Logger(slog.New(slog.DiscardHandler)))
	defer store.Close()
	cb := breaker.New(breaker.Name("payments"), breaker.Shared(store), breaker.FailureThreshold(2),
		breaker.RecoveryTimeout(time.Minute))

	charge := func(ctx context.Context) error { return errors.New("connection refused") }
	for i := 1; i <= 3; i++ {
		err := cb.Do(context.Background(), charge)
		if oe := (*breaker.OpenError)(nil); errors.As(err, &oe) {
			fmt.Printf("call %d: rejected, next probe in %v\n", i, oe.RetryAfter().Round(time.Second))
			continue
		}
		fmt.Printf("call %d: %v\n", i, err)
	}
	// Output:
	// call 1: connection refused
	// call 2: connection refused
	// call 3: rejected, next probe in 1m0s
}
