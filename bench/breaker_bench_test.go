package bench

import (
	"context"
	"testing"
)

// BenchmarkBreakerClosed measures a successful call through a closed breaker,
// from one goroutine.
func BenchmarkBreakerClosed(b *testing.B) {
	ctx := context.Background()
	for _, cb := range Breakers(DefaultBreaker) {
		b.Run(cb.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := cb.Do(ctx, succeed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBreakerClosedParallel is BenchmarkBreakerClosed with every
// goroutine of b.RunParallel sharing one breaker: run it with -cpu 1,2 (or
// more) to see whether the closed path scales.
func BenchmarkBreakerClosedParallel(b *testing.B) {
	ctx := context.Background()
	for _, cb := range Breakers(DefaultBreaker) {
		b.Run(cb.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := cb.Do(ctx, succeed); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
