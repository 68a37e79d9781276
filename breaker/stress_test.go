package breaker_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

// TestStressProbeLimit hammers a breaker that never closes, so that every
// call it admits is a probe, and checks that no more than MaxProbes run at
// once while probes succeed, fail, panic and are cancelled in every order.
// Goroutines run in parallel; synctest only makes the clock exact, so a
// probe (at most 900ms) always ends before the next half-open period (the
// recovery timeout is 1s).
func TestStressProbeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const maxProbes = 3
		b := breaker.New(breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Second),
			breaker.MaxProbes(maxProbes), breaker.SuccessThreshold(1<<30))
		do(b, 1, fail)

		var running, peak, probes atomic.Int64
		probe := func(ctx context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			probes.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			switch r := rand.IntN(100); {
			case r < 40:
				time.Sleep(time.Duration(rand.IntN(900)) * time.Millisecond)
			case r < 50:
				panic("probe panic")
			}
			if rand.IntN(100) < 20 {
				return errBoom
			}
			return nil
		}
		deadline := time.Now().Add(time.Minute)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				for time.Now().Before(deadline) {
					if rand.IntN(50) == 0 {
						cancel() // later calls end "cancelled": they count neither way
					}
					func() {
						defer func() { _ = recover() }()
						if err := b.Do(ctx, probe); errors.Is(err, breaker.ErrOpen) {
							time.Sleep(time.Duration(1+rand.IntN(50)) * time.Millisecond)
						}
					}()
				}
			})
		}
		wg.Wait()
		if p := peak.Load(); p > maxProbes {
			t.Fatalf("%d probes ran at once, want at most %d", p, maxProbes)
		}
		if probes.Load() < 100 {
			t.Fatalf("only %d probes ran; the test exercised too little", probes.Load())
		}
		t.Logf("%d probes, at most %d at once", probes.Load(), peak.Load())
	})
}

// TestStressCounting checks that successes counted from many goroutines at
// once are all seen by the failure rate rule: it trips on exactly the
// failure that brings the rate to 50% of minCalls.
func TestStressCounting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const workers, each = 8, 2000
		b := breaker.New(breaker.FailureRate(0.5, time.Minute, 2*workers*each),
			breaker.Name("n"), breaker.Shared(&breaker.MemoryStore{}))
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() { do(b, each, succeed) })
		}
		wg.Wait()
		do(b, workers*each-1, fail)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
	})
}

// TestStressClosed races successes and failures in the closed state, for the
// race detector, and checks the breaker still trips afterwards.
func TestStressClosed(t *testing.T) {
	b := breaker.New(breaker.FailureThreshold(1000))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5000 {
				if (i+j)%3 == 0 {
					_ = b.Do(context.Background(), fail)
				} else {
					_ = b.Do(context.Background(), succeed)
				}
			}
		})
	}
	wg.Wait()
	wantState(t, b, breaker.Closed)
	do(b, 1000, fail)
	wantState(t, b, breaker.Open)
}
