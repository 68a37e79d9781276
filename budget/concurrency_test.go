package budget_test

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry/budget"
)

// TestNoOvershoot: 64 goroutines make calls whose every retry fails, at one
// explicit instant; the retries allowed never exceed the cap, the floor
// plus Ratio per call, and once the dust settles the cap is spent exactly:
// nothing lost, nothing granted twice.
func TestNoOvershoot(t *testing.T) {
	const (
		goroutines = 64
		calls      = 500 // per goroutine
	)
	b := mustNew(t, noGate) // floor 10, ratio 0.25
	t0 := time.Now()
	var deposited, allowed atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range calls {
				deposited.Add(1) // before the budget sees it
				b.RequestAt(t0)
				b.OutcomeAt(t0, false, false)
				for range 3 {
					if !b.AllowRetryAt(t0) {
						break
					}
					// The bound holds at every moment: retries counted
					// (after the budget granted them) within the floor
					// plus the deposits counted (before the budget
					// took them).
					if a, d := allowed.Add(1), deposited.Load(); float64(a) > 10+0.25*float64(d)+1e-9 {
						t.Errorf("overshoot: %d retries allowed for %d calls", a, d)
					}
					b.OutcomeAt(t0, true, false)
				}
			}
		})
	}
	wg.Wait()
	bound := 10 + goroutines*calls/4
	if got := int(allowed.Load()); got > bound {
		t.Fatalf("%d retries allowed, bound %d", got, bound)
	}
	rest := allowN(b, t0, bound)
	if got := int(allowed.Load()) + rest; got != bound {
		t.Errorf("%d retries allowed during the run and %d after, want %d in all", allowed.Load(), rest, bound)
	}
	st := b.StatsAt(t0)
	if st.Requests != goroutines*calls || st.Retries != int64(bound) {
		t.Errorf("stats %+v, want %d requests and %d retries", st, goroutines*calls, bound)
	}
}

// TestNoOvershootRefunds: as TestNoOvershoot, with retries that succeed at
// random and real time: failed retries plus the unrefunded tenth of
// successful ones stay within the cap.
func TestNoOvershootRefunds(t *testing.T) {
	const goroutines = 32
	b := mustNew(t, noGate, budget.Window(time.Minute)) // floor 60, ratio 0.25
	var failed, succeeded atomic.Int64
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for range 2000 {
				b.Request()
				ok := r.Float64() < 0.5
				b.Outcome(false, ok)
				for !ok && b.AllowRetry() {
					ok = r.Float64() < 0.5
					if ok {
						succeeded.Add(1)
					} else {
						failed.Add(1)
					}
					b.Outcome(true, ok)
				}
			}
		})
	}
	wg.Wait()
	st := b.Stats()
	cost := float64(failed.Load()) + 0.1*float64(succeeded.Load())
	bound := 60 + 0.25*float64(st.Requests)
	t.Logf("%d calls, %d failed and %d successful retries: cost %.1f, bound %.1f",
		st.Requests, failed.Load(), succeeded.Load(), cost, bound)
	if cost > bound+1e-6 {
		t.Errorf("cost %.1f above bound %.1f", cost, bound)
	}
	if st.Retries != failed.Load()+succeeded.Load() || st.Succeeded != succeeded.Load() {
		t.Errorf("stats %+v disagree with %d failed and %d successful retries", st, failed.Load(), succeeded.Load())
	}
}

// TestGateConcurrent: with the gate on and every retry failing, many
// goroutines get at most Tolerance retries, plus one each that asked
// before any failure was reported. They run at one explicit instant, so
// that time, which forgives a failure per window, plays no part however
// slow the run.
func TestGateConcurrent(t *testing.T) {
	const goroutines = 32
	b := mustNew(t)
	t0 := time.Now()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range 200 {
				b.RequestAt(t0)
				b.OutcomeAt(t0, false, false)
				if b.AllowRetryAt(t0) {
					allowed.Add(1)
					b.OutcomeAt(t0, true, false)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got < 3 || got > 3+goroutines {
		t.Errorf("%d retries allowed, want 3 to %d", got, 3+goroutines)
	}
	if st := b.StatsAt(t0); st.Gate != 0 || st.Available != 0 {
		t.Errorf("gate still open: %+v", st)
	}
	if b.AllowRetryAt(t0.Add(9 * time.Second)) {
		t.Error("retry allowed 9s later")
	}
}
