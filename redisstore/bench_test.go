package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
)

// BenchmarkSuccess is the success path of a breaker shared on a real
// redis-server against the same breaker kept locally, with each rule; run
// with -cpu 1,2 to see it scale. The shared breaker's flusher keeps talking
// to Redis meanwhile, as it would in production.
func BenchmarkSuccess(b *testing.B) {
	srv := startRedis(b)
	rdb := srv.client(b)
	store := redisstore.New(rdb)
	b.Cleanup(func() { _ = store.Close() })
	for _, rule := range []struct {
		name string
		opts []breaker.Option
	}{
		{"consecutive", nil},
		{"rate", []breaker.Option{breaker.FailureRate(0.5, 10*time.Second, 100)}},
	} {
		for _, kind := range []string{"local", "redis"} {
			b.Run(rule.name+"/"+kind, func(b *testing.B) {
				opts := append([]breaker.Option{breaker.Name("bench-" + rule.name)}, rule.opts...)
				if kind == "redis" {
					opts = append(opts, breaker.Shared(store))
				}
				cb := breaker.New(opts...)
				ctx := context.Background()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := cb.Do(ctx, succeed); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}

// BenchmarkBudget is a call's budget bookkeeping (Request, then Outcome of a
// success), shared and local.
func BenchmarkBudget(b *testing.B) {
	srv := startRedis(b)
	store := redisstore.New(srv.client(b))
	b.Cleanup(func() { _ = store.Close() })
	shared, err := store.Budget("bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		b    retry.Budget
	}{{"local", shared.Local()}, {"redis", shared}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					bb.b.Request()
					bb.b.Outcome(0, retry.OutcomeOK)
				}
			})
		})
	}
}
