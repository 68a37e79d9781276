package breaker_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

// Issue 15, item 1: successes counted before an idle spell are dated when
// they were made, not when the clock is next read. 127 successes, 1.27s of
// quiet (over ten windows), then failures: the successes have left the
// window, so the 20th failure (minCalls) trips the breaker, not the 127th.
func TestFailureRateIdleAfterSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 100*time.Millisecond, 20))
		do(b, 127, succeed)
		time.Sleep(1270 * time.Millisecond)
		wantTripAt(t, b, 20)
	})
}

// Successes made after an idle spell are dated when they were made, not
// spread over the spell: after 600ms of quiet, 127 successes and then
// failures, the breaker trips at a real failure rate of 50% (the 127th
// failure), not 16.4%.
func TestFailureRateIdleBeforeSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 100*time.Millisecond, 20))
		time.Sleep(600 * time.Millisecond)
		do(b, 127, succeed)
		wantTripAt(t, b, 127)
	})
}

// wantTripAt fails calls one at a time and checks that the n-th trips b.
func wantTripAt(t *testing.T, b *breaker.Breaker, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		_ = b.Do(context.Background(), fail)
		if got := b.State(); (got == breaker.Open) != (i == n) {
			t.Fatalf("after %d failures: %v; want the %dth failure to trip it", i, got, n)
		}
	}
}

// For any pattern of bursts and idle spells, the window counts the calls
// made within it, to one bucket's width: the failure that trips the breaker
// is one that trips it on the exact counts of a window shortened or
// lengthened by one bucket (the window is kept in ten buckets aligned to the
// breaker's clock, and successes are dated to within a bucket).
func TestFailureRateAnyIdlePattern(t *testing.T) {
	const (
		window  = 100 * time.Millisecond
		width   = window / 10
		minCall = 10
		rate    = 0.5
	)
	r := rand.New(rand.NewPCG(15, 1))
	for trial := range 300 {
		synctest.Test(t, func(t *testing.T) {
			b := breaker.New(breaker.FailureRate(rate, window, minCall))
			start := time.Now()
			var succ []time.Duration // when each success was made, since start
			for range 1 + r.IntN(6) {
				time.Sleep(time.Duration(r.Int64N(int64(3 * window))))
				n := r.IntN(300)
				for range n {
					succ = append(succ, time.Since(start))
					_ = b.Do(context.Background(), succeed)
				}
				if r.IntN(2) == 0 { // spread some over a few buckets
					time.Sleep(time.Duration(r.Int64N(int64(2 * width))))
				}
			}
			time.Sleep(time.Duration(r.Int64N(int64(2 * window))))
			now := time.Since(start)
			// Successes within a window of length d ending now.
			in := func(d time.Duration) uint64 {
				var n uint64
				for _, at := range succ {
					if at > now-d {
						n++
					}
				}
				return n
			}
			trips := func(s uint64, f uint64) bool {
				return s+f >= minCall && float64(f) >= rate*float64(s+f)
			}
			lo, hi := in(window-2*width), in(window+width) // fewest and most successes the window may hold
			k := uint64(0)                                 // the failure that trips the breaker
			for f := uint64(1); f <= 1000 && k == 0; f++ {
				_ = b.Do(context.Background(), fail)
				if b.State() == breaker.Open {
					k = f
				}
			}
			// Some count of successes within the bounds explains it: with
			// minCalls, more successes may trip the breaker sooner.
			for n := lo; n <= hi; n++ {
				first := uint64(0)
				for f := uint64(1); f <= 1000 && first == 0; f++ {
					if trips(n, f) {
						first = f
					}
				}
				if first == k {
					return
				}
			}
			t.Fatalf("trial %d: tripped at failure %d; with %d..%d successes in the window (%d made) no count explains it",
				trial, k, lo, hi, len(succ))
		})
	}
}
