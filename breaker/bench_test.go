package breaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
)

func ok(context.Context) error { return nil }

func okValue(context.Context) (int, error) { return 1, nil }

// benchBreakers are the configurations every benchmark runs with.
var benchBreakers = []struct {
	name string
	opts []breaker.Option
}{
	{"default", nil},
	{"rate", []breaker.Option{breaker.FailureRate(0.5, 10*time.Second, 100)}},
	{"slow", []breaker.Option{breaker.SlowCall(time.Second)}},
	{"shared", []breaker.Option{breaker.Name("bench"), breaker.Shared(&breaker.MemoryStore{})}},
}

func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	for _, bb := range benchBreakers {
		b.Run(bb.name, func(b *testing.B) {
			cb := breaker.New(bb.opts...)
			b.ReportAllocs()
			for b.Loop() {
				_ = cb.Do(ctx, ok)
			}
		})
		b.Run(bb.name+"-parallel", func(b *testing.B) {
			cb := breaker.New(bb.opts...)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = cb.Do(ctx, ok)
				}
			})
		})
	}
}

func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	cb := breaker.New()
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = breaker.Call(ctx, cb, okValue)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = breaker.Call(ctx, cb, okValue)
			}
		})
	})
}

func BenchmarkAllow(b *testing.B) {
	cb := breaker.New()
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := cb.Allow()
			if err == nil {
				p.Success()
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := cb.Allow()
				if err == nil {
					p.Success()
				}
			}
		})
	})
}

// BenchmarkDoMixed fails one call in 16, below the threshold, so the
// failure path and the reset of the failure count are exercised.
func BenchmarkDoMixed(b *testing.B) {
	ctx := context.Background()
	errBoom := errors.New("boom")
	cb := breaker.New(breaker.FailureThreshold(1 << 30))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			_ = cb.Do(ctx, func(context.Context) error {
				if i%16 == 0 {
					return errBoom
				}
				return nil
			})
		}
	})
}

// BenchmarkDoOpen measures a rejection.
func BenchmarkDoOpen(b *testing.B) {
	ctx := context.Background()
	cb := breaker.New(breaker.FailureThreshold(1))
	_ = cb.Do(ctx, func(context.Context) error { return errors.New("boom") })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = cb.Do(ctx, ok)
		}
	})
}
