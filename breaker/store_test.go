package breaker_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

// pair returns two breakers sharing state, as two processes would.
func pair(opts ...breaker.Option) (a, b *breaker.Breaker) {
	var s breaker.MemoryStore
	opts = append([]breaker.Option{breaker.Name("payments"), breaker.Shared(&s)}, opts...)
	return breaker.New(opts...), breaker.New(opts...)
}

func TestSharedTripSeenByAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		a, b := pair(breaker.FailureThreshold(2), breaker.OnStateChange(ch.hook))
		do(a, 2, fail)
		wantState(t, a, breaker.Open)
		wantState(t, b, breaker.Open)
		c := &counter{}
		openError(t, b.Do(context.Background(), c.fn))
		if c.n() != 0 {
			t.Fatal("the other breaker called the function")
		}
		ch.want(t, "payments:closed->open", "payments:closed->open")
	})
}

func TestSharedFailuresAddUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureThreshold(4))
		do(a, 2, fail)
		do(b, 1, fail)
		wantState(t, a, breaker.Closed)
		do(b, 1, fail) // 4 in a row across the two
		wantState(t, a, breaker.Open)
		wantState(t, b, breaker.Open)
	})
}

func TestSharedSuccessesReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureThreshold(3))
		do(a, 1, fail)
		do(b, 1, fail)
		do(a, 1, succeed) // counted locally, reported with a's next failure
		do(a, 1, fail)
		do(b, 1, fail) // without a's success, the fourth in a row
		wantState(t, a, breaker.Closed)
		wantState(t, b, breaker.Closed)
		do(a, 1, fail) // third since the success
		wantState(t, b, breaker.Open)
	})
}

func TestSharedLocalRuleTripsAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureThreshold(2))
		do(a, 1, fail)
		do(b, 1, succeed)
		do(b, 1, fail) // shared: one failure since b's success
		do(a, 1, fail) // a's own second in a row
		wantState(t, b, breaker.Open)
	})
}

func TestSharedFailureRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureRate(0.5, 10*time.Second, 10))
		do(a, 5, succeed)
		do(a, 1, fail)
		do(b, 3, fail)
		wantState(t, b, breaker.Closed) // 4 of 9
		do(b, 1, fail)                  // 5 of 10
		wantState(t, a, breaker.Open)
		wantState(t, b, breaker.Open)
	})
}

func TestSharedOneProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureThreshold(1), breaker.RecoveryTimeout(10*time.Second))
		do(a, 1, fail)
		time.Sleep(10 * time.Second)
		g := newGate()
		done := make(chan error)
		go func() { done <- a.Do(context.Background(), g.fn) }()
		synctest.Wait()
		c := &counter{}
		oe := openError(t, b.Do(context.Background(), c.fn))
		if c.n() != 0 || oe.State != breaker.HalfOpen {
			t.Fatalf("b probed while a held the lease: %d calls, %+v", c.n(), *oe)
		}
		g.release <- nil
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		wantState(t, a, breaker.Closed)
		wantState(t, b, breaker.Closed)
	})
}

func TestSharedLostProber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := pair(breaker.FailureThreshold(1), breaker.RecoveryTimeout(10*time.Second))
		do(a, 1, fail)
		time.Sleep(10 * time.Second)
		g := newGate()
		go func() { _ = a.Do(context.Background(), g.fn) }() // a's probe hangs
		synctest.Wait()
		openError(t, do(b, 1, succeed))
		time.Sleep(10 * time.Second) // a's lease expires
		if err := do(b, 1, succeed); err != nil {
			t.Fatalf("b's probe after a's lease expired: %v", err)
		}
		wantState(t, a, breaker.Closed)
		wantState(t, b, breaker.Closed)
		g.release <- errBoom // a's late result is ignored
		synctest.Wait()
		wantState(t, a, breaker.Closed)
	})
}

func TestSharedLateJoiner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s breaker.MemoryStore
		opts := []breaker.Option{breaker.Name("p"), breaker.Shared(&s), breaker.FailureThreshold(1),
			breaker.RecoveryTimeout(time.Minute)}
		a := breaker.New(opts...)
		do(a, 1, fail)
		time.Sleep(20 * time.Second)
		b := breaker.New(opts...)
		oe := openError(t, do(b, 1, succeed))
		if oe.RetryAfter() != 40*time.Second {
			t.Fatalf("late joiner: RetryAfter %v, want 40s", oe.RetryAfter())
		}
		other := breaker.New(breaker.Name("other"), breaker.Shared(&s))
		wantState(t, other, breaker.Closed)
	})
}

// fakeStore is a Store whose backend is down: it drops reports and
// proposals and grants every lease, as the contract asks.
type fakeStore struct {
	mu        sync.Mutex
	proposals []breaker.Snapshot
}

func (f *fakeStore) Join(breaker.Member) breaker.Link { return f }
func (f *fakeStore) Report(uint64, breaker.Counts)    {}
func (f *fakeStore) Propose(_ uint64, to breaker.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.proposals = append(f.proposals, to)
}
func (f *fakeStore) Lease(uint64, time.Duration) bool { return true }

func TestStoreDownFailsOpenToLocal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeStore{}
		start := time.Now()
		b := breaker.New(breaker.Name("x"), breaker.Shared(f), breaker.FailureThreshold(1),
			breaker.RecoveryTimeout(time.Minute))
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
		time.Sleep(time.Minute)
		do(b, 1, succeed)
		wantState(t, b, breaker.Closed)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.proposals) != 3 {
			t.Fatalf("proposals = %+v, want 3", f.proposals)
		}
		p := f.proposals[0]
		if p.State != breaker.Open || p.Generation != 1 || p.Until.Sub(start) != time.Minute {
			t.Fatalf("first proposal = %+v, want open, generation 1, until in 1m", p)
		}
		if p := f.proposals[2]; p.State != breaker.Closed || p.Generation != 3 {
			t.Fatalf("last proposal = %+v, want closed, generation 3", p)
		}
	})
}
