package limit

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAcquireDone is the success path with the clock: Acquire, then
// Done(OK). Two monotonic clock reads are most of its cost.
func BenchmarkAcquireDone(b *testing.B) {
	l, _ := New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := l.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p.Done(OK)
	}
}

// BenchmarkAcquireDoneAt is the same with explicit times: the limiter's own
// cost, without the clock.
func BenchmarkAcquireDoneAt(b *testing.B) {
	l, _ := New()
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		t := now.Add(time.Duration(i) * time.Microsecond)
		p, err := l.AcquireAt(t)
		if err != nil {
			b.Fatal(err)
		}
		p.DoneAt(t.Add(10*time.Microsecond), OK)
	}
}

func BenchmarkAcquireDoneParallel(b *testing.B) {
	l, _ := New(Max(1 << 20))
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p, err := l.Acquire(ctx); err == nil {
				p.Done(OK)
			}
		}
	})
}

func BenchmarkRejected(b *testing.B) {
	l, _ := New(Initial(1), Min(1), Max(1))
	p, _ := l.Acquire(context.Background())
	defer p.Done(OK)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Acquire(context.Background()); err == nil {
			b.Fatal("admitted over the limit")
		}
	}
}
