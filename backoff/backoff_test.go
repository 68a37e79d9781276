package backoff

import (
	"math"
	"testing"
	"time"
)

// The specification's table of example delays, base 1s, max 60s, 30% jitter.
func TestExponentialSpecTable(t *testing.T) {
	e := Exponential{Base: time.Second, Max: 60 * time.Second, Jitter: 0.3}
	tests := []struct {
		give   int
		lo, hi time.Duration
	}{
		{1, 1000 * time.Millisecond, 1300 * time.Millisecond},
		{2, 2000 * time.Millisecond, 2600 * time.Millisecond},
		{3, 4000 * time.Millisecond, 5200 * time.Millisecond},
		{4, 8000 * time.Millisecond, 10400 * time.Millisecond},
		{6, 32 * time.Second, 41600 * time.Millisecond},
		{7, 60 * time.Second, 60 * time.Second}, // 64s already past the cap
		{10000, 60 * time.Second, 60 * time.Second},
	}
	for _, tt := range tests {
		lo, hi := e.Bounds(tt.give)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("Bounds(%d) = %v, %v; want %v, %v", tt.give, lo, hi, tt.lo, tt.hi)
		}
		if got := e.Pick(tt.give, 0); got != tt.lo {
			t.Errorf("Pick(%d, 0) = %v, want %v", tt.give, got, tt.lo)
		}
		if got := e.Pick(tt.give, 0.5); tt.lo != tt.hi && (got <= tt.lo || got >= tt.hi) {
			t.Errorf("Pick(%d, 0.5) = %v, want strictly inside (%v, %v)", tt.give, got, tt.lo, tt.hi)
		}
		for range 200 {
			if d := e.Delay(tt.give); d < tt.lo || d > tt.hi {
				t.Fatalf("Delay(%d) = %v, outside [%v, %v]", tt.give, d, tt.lo, tt.hi)
			}
		}
	}
}

// The random part must actually spread delays over the jitter range.
func TestExponentialJitterSpreads(t *testing.T) {
	e := Exponential{Base: time.Second, Max: time.Minute, Jitter: 0.3}
	var low, high int
	for range 1000 {
		d := e.Delay(1)
		if d < 1100*time.Millisecond {
			low++
		}
		if d > 1200*time.Millisecond {
			high++
		}
	}
	// Each third of the range gets about 333 of 1000; 150 is far below.
	if low < 150 || high < 150 {
		t.Fatalf("jitter not uniform: %d in the lowest third, %d in the highest", low, high)
	}
}

func TestPickExact(t *testing.T) {
	tests := []struct {
		name string
		give time.Duration
		want time.Duration
	}{
		{"exponential n=3 u=.5", Exponential{Base: 100 * time.Millisecond, Jitter: 0.3}.Pick(3, 0.5), 460 * time.Millisecond},
		{"exponential no jitter", Exponential{Base: 100 * time.Millisecond}.Pick(2, 0.9), 200 * time.Millisecond},
		{"exponential capped", Exponential{Base: time.Second, Max: 3 * time.Second, Jitter: 0.3}.Pick(2, 0.99), 2594 * time.Millisecond},
		{"exponential cap hits", Exponential{Base: time.Second, Max: 2500 * time.Millisecond, Jitter: 0.3}.Pick(2, 0.99), 2500 * time.Millisecond},
		{"constant", Constant{Delay: time.Second, Jitter: 0.3}.Pick(9, 0.5), 1150 * time.Millisecond},
		{"constant capped", Constant{Delay: time.Second, Max: time.Second, Jitter: 0.3}.Pick(9, 0.5), time.Second},
		{"full", FullJitter{Base: time.Second, Max: 10 * time.Second}.Pick(3, 0.25), time.Second},
		{"full capped", FullJitter{Base: time.Second, Max: 2 * time.Second}.Pick(5, 0.5), time.Second},
		{"equal", EqualJitter{Base: time.Second}.Pick(2, 0.5), 1500 * time.Millisecond},
		{"decorrelated first", Decorrelated{Base: time.Second}.Pick(0, 0.5), 2 * time.Second},
		{"decorrelated prev", Decorrelated{Base: time.Second}.Pick(2*time.Second, 0.5), 3500 * time.Millisecond},
		{"decorrelated capped", Decorrelated{Base: time.Second, Max: 2 * time.Second}.Pick(10*time.Second, 0.5), 2 * time.Second},
		{"zero value", Exponential{}.Pick(5, 0.5), 0},
		{"negative base", Exponential{Base: -time.Second}.Pick(1, 0.5), 0},
		{"n below 1 counts as 1", Exponential{Base: time.Second}.Pick(-7, 0), time.Second},
		{"u out of range", Exponential{Base: time.Second, Jitter: 1}.Pick(1, 7), 2 * time.Second},
		{"NaN jitter", Exponential{Base: time.Second, Jitter: math.NaN()}.Pick(1, 0.5), time.Second},
		{"no cap, huge n", Exponential{Base: time.Nanosecond}.Pick(1<<30, 0), time.Duration(math.MaxInt64)},
	}
	for _, tt := range tests {
		if tt.give != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.give, tt.want)
		}
	}
}

// Func maps negative delays to zero.
func TestFunc(t *testing.T) {
	var s Strategy = Func(func(n int, prev time.Duration) time.Duration { return time.Duration(n)*time.Second - prev })
	if got := s.Next(2, 500*time.Millisecond); got != 1500*time.Millisecond {
		t.Fatalf("Next = %v", got)
	}
	if got := s.Next(1, time.Hour); got != 0 {
		t.Fatalf("negative result: Next = %v, want 0", got)
	}
}

// Every strategy satisfies Strategy, so retry can take any of them.
var _ = []Strategy{Exponential{}, Constant{}, FullJitter{}, EqualJitter{}, Decorrelated{}, Func(nil)}

// Delays are never negative, never above the cap, and within Bounds, at any n,
// base, cap and jitter.
func FuzzStrategies(f *testing.F) {
	f.Add(1, int64(time.Second), int64(time.Minute), 0.3, 0.5, int64(0))
	f.Add(10000, int64(time.Second), int64(time.Minute), 0.3, 0.999, int64(time.Hour))
	f.Add(64, int64(1), int64(0), 10.0, 0.0, int64(math.MaxInt64))
	f.Add(-5, int64(-1), int64(-1), -1.0, -1.0, int64(-1))
	f.Fuzz(func(t *testing.T, n int, base, cap int64, jitter, u float64, prev int64) {
		b, m, p := time.Duration(base), time.Duration(cap), time.Duration(prev)
		limit := m
		if m <= 0 {
			limit = time.Duration(math.MaxInt64)
		}
		check := func(name string, d, lo, hi time.Duration) {
			t.Helper()
			if d < 0 || d > limit || d < lo || d > hi {
				t.Fatalf("%s(n=%d base=%v max=%v jitter=%v u=%v prev=%v) = %v, want within [%v, %v] and <= %v",
					name, n, b, m, jitter, u, p, d, lo, hi, limit)
			}
		}
		e := Exponential{Base: b, Max: m, Jitter: jitter}
		lo, hi := e.Bounds(n)
		check("Exponential", e.Pick(n, u), lo, hi)
		check("Exponential.Delay", e.Delay(n), lo, hi)
		if b > 0 && n >= 1 && lo == 0 {
			t.Fatalf("Exponential with base %v gave a zero lower bound at n=%d", b, n)
		}
		c := Constant{Delay: b, Max: m, Jitter: jitter}
		lo, hi = c.Bounds(n)
		check("Constant", c.Pick(n, u), lo, hi)
		fj := FullJitter{Base: b, Max: m}
		lo, hi = fj.Bounds(n)
		check("FullJitter", fj.Pick(n, u), lo, hi)
		eq := EqualJitter{Base: b, Max: m}
		lo, hi = eq.Bounds(n)
		check("EqualJitter", eq.Pick(n, u), lo, hi)
		dc := Decorrelated{Base: b, Max: m}
		check("Decorrelated", dc.Pick(p, u), 0, limit)
		check("Decorrelated.Next", dc.Next(n, p), 0, limit)
	})
}

// Exponential delays never shrink as n grows.
func TestExponentialMonotonic(t *testing.T) {
	e := Exponential{Base: 3 * time.Millisecond, Max: time.Hour, Jitter: 0.3}
	prev := time.Duration(0)
	for n := 1; n <= 2000; n++ {
		lo, _ := e.Bounds(n)
		if lo < prev {
			t.Fatalf("Bounds(%d) lower = %v below Bounds(%d) = %v", n, lo, n-1, prev)
		}
		prev = lo
	}
	if prev != time.Hour {
		t.Fatalf("at n=2000 the lower bound is %v, want the cap", prev)
	}
}

func BenchmarkExponentialDelay(b *testing.B) {
	e := Exponential{Base: time.Second, Max: time.Minute, Jitter: 0.3}
	var sink time.Duration
	for i := 0; b.Loop(); i++ {
		sink += e.Delay(i%8 + 1)
	}
	_ = sink
}
