package bench

import (
	"context"
	"testing"
)

// succeed is the work of the retry benchmarks: a call that succeeds at once.
func succeed(context.Context) error { return nil }

// BenchmarkRetrySuccess measures the success path: the call succeeds at once,
// so the figure is each library's overhead on top of a plain call ("bare").
func BenchmarkRetrySuccess(b *testing.B) {
	ctx := context.Background()
	for _, r := range Retriers(FailTwice) {
		b.Run(r.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Do(ctx, succeed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRetryFailTwice measures a call that fails twice and then succeeds,
// with 3 attempts and the smallest delay each library accepts: the cost of the
// retry machinery itself (error bookkeeping, timers). "bare" makes one failing
// call, the floor.
func BenchmarkRetryFailTwice(b *testing.B) {
	ctx := context.Background()
	for _, r := range Retriers(FailTwice) {
		b.Run(r.Name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			fn := func(context.Context) error {
				n++
				if n%3 != 0 {
					return errTransient
				}
				return nil
			}
			for b.Loop() {
				n = 0
				_ = r.Do(ctx, fn)
			}
			if r.Name != "bare" && n != 3 {
				b.Fatalf("last loop made %d calls, want 3", n)
			}
		})
	}
}
