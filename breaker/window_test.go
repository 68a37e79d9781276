package breaker

import (
	"sync"
	"testing"
	"time"
)

func TestWindowSpread(t *testing.T) {
	const s = int64(time.Second)
	tests := []struct {
		name      string
		last, now int64 // seconds; window 10s in 1s buckets
		give      uint64
		wantCalls uint64
	}{
		{"same bucket", 0, 0, 7, 7},
		{"within the window", 0, 4, 10, 10},
		{"half before the window", 0, 19, 20, 10},
		{"long ago", 0, 1000, 1001, 10},
		{"remainder to the newest", 0, 1, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(10*time.Second, tt.last*s)
			w.spread(tt.now*s, tt.give)
			if calls, fails := w.sum(tt.now * s); calls != tt.wantCalls || fails != 0 {
				t.Fatalf("sum = %d calls, %d fails; want %d, 0", calls, fails, tt.wantCalls)
			}
		})
	}
}

func TestWindowSlides(t *testing.T) {
	const s = int64(time.Second)
	w := newWindow(10*time.Second, 0)
	w.add(0, 5, 5)
	w.add(5*s, 1, 0)
	if c, f := w.sum(9 * s); c != 6 || f != 5 {
		t.Fatalf("at 9s: %d, %d; want 6, 5", c, f)
	}
	if c, f := w.sum(10 * s); c != 1 || f != 0 {
		t.Fatalf("at 10s: %d, %d; want 1, 0", c, f)
	}
	w.add(15*s, 2, 2) // reuses the slot of the bucket at 5s
	if c, f := w.sum(15 * s); c != 2 || f != 2 {
		t.Fatalf("at 15s: %d, %d; want 2, 2", c, f)
	}
	w.reset(15 * s)
	if c, _ := w.sum(15 * s); c != 0 {
		t.Fatalf("after reset: %d calls", c)
	}
}

func TestStripes(t *testing.T) {
	var s stripes
	var wg sync.WaitGroup
	samples := 0
	var mu sync.Mutex
	for range 8 {
		wg.Go(func() {
			n := 0
			for range 10000 {
				if s.add() {
					n++
				}
			}
			mu.Lock()
			samples += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if got := s.take(); got != 80000 {
		t.Fatalf("take = %d, want 80000", got)
	}
	if samples < 80000/sampleEvery-nStripes || samples > 80000/sampleEvery {
		t.Fatalf("%d samples, want about %d", samples, 80000/sampleEvery)
	}
	if got := s.take(); got != 0 {
		t.Fatalf("second take = %d, want 0", got)
	}
}
