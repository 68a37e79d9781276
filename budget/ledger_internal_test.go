package budget

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// settled fails unless b has no retry in flight, and, if rest, its gate
// is at rest.
func settled(t *testing.T, b *Budget, rest bool) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var pending int64
	for i := range b.slots {
		pending += b.slots[i].pending
	}
	if b.inflight != 0 || b.probes != 0 || pending+b.oldPending != 0 {
		t.Errorf("inflight %d, probes %d, pending %d+%d; want none", b.inflight, b.probes, pending, b.oldPending)
	}
	if rest && b.dirty.Load() {
		t.Errorf("dirty with debt %v, dark %v", b.debt, b.dark)
	}
}

// TestCancelRetrySettles: retries given back leave nothing in flight, so a
// first attempt's success takes no lock again.
func TestCancelRetrySettles(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for range 100 {
		b.RequestAt(t0)
		b.OutcomeAt(t0, false, true)
	}
	settled(t, b, true)
	for range 3 {
		if !b.AllowRetryAt(t0) {
			t.Fatal("retry refused")
		}
		b.CancelRetryAt(t0)
	}
	settled(t, b, true)
}

// TestLedgerConcurrent: goroutines grant, settle and give back retries at
// once, their clocks running across several windows; afterwards nothing is
// in flight, and each tenth's refunds stay within its retries.
func TestLedgerConcurrent(t *testing.T) {
	b, err := New(Tolerance(1e9))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for i := range 2000 {
				now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				b.RequestAt(now)
				b.OutcomeAt(now, false, false)
				if !b.AllowRetryAt(now) {
					continue
				}
				switch r.IntN(3) {
				case 0:
					b.CancelRetryAt(now)
				default:
					b.OutcomeAt(now.Add(time.Duration(r.IntN(15))*time.Second), true, r.IntN(2) == 0)
				}
			}
		})
	}
	wg.Wait()
	settled(t, b, false)
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.slots {
		sl := &b.slots[i]
		if sl.refunds > sl.retries || sl.retries < 0 {
			t.Errorf("slot %d: %d refunds, %d retries", sl.id.Load(), sl.refunds, sl.retries)
		}
	}
}
