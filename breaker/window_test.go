package breaker

import (
	"sync"
	"testing"
	"time"
)

func TestWindowSlides(t *testing.T) {
	const s = int64(time.Second)
	w := newWindow(10 * time.Second)
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
	w.reset()
	if c, _ := w.sum(15 * s); c != 0 {
		t.Fatalf("after reset: %d calls", c)
	}
}

func TestStripes(t *testing.T) {
	var s stripes
	if s.any() {
		t.Fatal("any on new stripes")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10000 {
				s.add()
			}
		})
	}
	wg.Wait()
	if !s.any() {
		t.Fatal("any = false after adds")
	}
	if got := s.take(); got != 80000 {
		t.Fatalf("take = %d, want 80000", got)
	}
	if got := s.take(); got != 0 || s.any() {
		t.Fatalf("second take = %d (any %v), want 0", got, s.any())
	}
}
