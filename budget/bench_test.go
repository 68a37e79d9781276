package budget_test

import (
	"context"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

// The hot path: every call makes Request and, when it succeeds at once,
// Outcome(0, OutcomeOK).

func BenchmarkRequest(b *testing.B) {
	bu := mustNewB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bu.Request()
		}
	})
}

func BenchmarkOutcomeSuccess(b *testing.B) {
	bu := mustNewB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bu.Outcome(0, retry.OutcomeOK) // the bucket is full: one load
		}
	})
}

// BenchmarkRetry is the cold path: a failed first attempt, a retry granted
// and its success.
func BenchmarkRetry(b *testing.B) {
	bu := mustNewB(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bu.Request()
			bu.Outcome(0, retry.OutcomeTransient)
			if t, ok := bu.AllowRetry(retry.OutcomeTransient); ok {
				bu.Outcome(t, retry.OutcomeOK)
			}
		}
	})
}

// BenchmarkDo compares retry.Do on a call that succeeds, with and without
// a budget.
func BenchmarkDo(b *testing.B) {
	ok := func(context.Context) error { return nil }
	ctx := context.Background()
	b.Run("no-budget", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = retry.Do(ctx, ok)
			}
		})
	})
	b.Run("budget", func(b *testing.B) {
		opt := retry.WithBudget(mustNewB(b))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = retry.Do(ctx, ok, opt)
			}
		})
	})
}

func BenchmarkGroupGet(b *testing.B) {
	g, err := budget.NewGroup(budget.DefaultMaxKeys)
	if err != nil {
		b.Fatal(err)
	}
	keys := []string{"a.example.com", "b.example.com", "c.example.com", "d.example.com"}
	for _, k := range keys {
		g.Get(k)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			g.Get(keys[i&3])
			i++
		}
	})
}

func mustNewB(b *testing.B, opts ...budget.Option) *budget.Budget {
	b.Helper()
	bu, err := budget.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return bu
}
