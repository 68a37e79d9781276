package limit

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func fixedQueued(t *testing.T, n, queue int, wait time.Duration) *Limiter {
	t.Helper()
	l, err := New(Initial(n), Min(n), Max(n), Queue(queue, wait))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A call that finds the limit full waits for a slot, first come first
// served, and gets it when a call ends; a full queue refuses at once.
func TestQueueGrantsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := fixedQueued(t, 1, 2, time.Minute)
		ctx := context.Background()
		held, err := l.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var order []int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				p, err := l.Acquire(ctx)
				if err != nil {
					t.Errorf("waiter %d: %v", i, err)
					return
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				p.Done(OK)
			})
			synctest.Wait() // waiter i is queued before the next starts
		}
		if l.Waiting() != 2 || !l.Full() {
			t.Fatalf("Waiting %d, Full %v; want 2, true", l.Waiting(), l.Full())
		}
		if _, err := l.Acquire(ctx); !errors.Is(err, ErrLimited) {
			t.Fatalf("with the queue full: %v, want ErrLimited at once", err)
		}
		held.Done(OK)
		wg.Wait()
		if len(order) != 2 || order[0] != 0 || order[1] != 1 {
			t.Errorf("granted in order %v, want [0 1]", order)
		}
		if l.InFlight() != 0 || l.Waiting() != 0 || l.Stats().Rejected != 1 {
			t.Errorf("InFlight %d, Waiting %d, Rejected %d; want 0, 0, 1", l.InFlight(), l.Waiting(), l.Stats().Rejected)
		}
	})
}

// A wait that runs out is refused with ErrLimited after maxWait; a caller
// whose context ends while waiting gets its error; neither keeps a slot.
func TestQueueWaitEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := fixedQueued(t, 1, 4, 50*time.Millisecond)
		held, _ := l.Acquire(context.Background())
		began := time.Now()
		if _, err := l.Acquire(context.Background()); !errors.Is(err, ErrLimited) || time.Since(began) != 50*time.Millisecond {
			t.Errorf("Acquire = %v after %v, want ErrLimited after 50ms", err, time.Since(began))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := l.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Acquire with a context ending first = %v, want its error", err)
		}
		if l.Waiting() != 0 || l.InFlight() != 1 {
			t.Errorf("Waiting %d, InFlight %d; want 0 and 1 (the held one)", l.Waiting(), l.InFlight())
		}
		held.Done(OK)
		p, err := l.Acquire(context.Background())
		if err != nil || l.InFlight() != 1 {
			t.Fatalf("after the held call ended: %v, InFlight %d", err, l.InFlight())
		}
		p.Done(OK)
	})
}

// Without the option nothing waits; invalid queues name their values.
func TestQueueOptions(t *testing.T) {
	l, _ := New(Initial(1), Min(1), Max(1))
	p, _ := l.Acquire(context.Background())
	defer p.Done(OK)
	if _, err := l.Acquire(context.Background()); !errors.Is(err, ErrLimited) || !l.Full() {
		t.Errorf("no queue: %v, Full %v; want ErrLimited at once, true", err, l.Full())
	}
	for _, o := range []Option{Queue(-1, time.Second), Queue(2_000_000, time.Second), Queue(1, 0), Queue(1, 2*time.Minute)} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("New(Queue(%d, %v)) = %v, want ErrInvalidOption", o.q, o.d, err)
		}
	}
	if _, err := New(Queue(0, 0)); err != nil {
		t.Errorf("Queue(0, 0): %v", err)
	}
}

// Under -race, many callers with short waits and a racing end of calls:
// never more than the limit in flight, and every slot and waiter accounted
// for at the end (a grant racing a timeout keeps or passes on its slot).
func TestQueueStress(t *testing.T) {
	const limit, callers, rounds = 3, 16, 300
	l := fixedQueued(t, limit, 8, 200*time.Microsecond)
	var now, most atomic.Int64
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(10 * time.Second)
	for i := range callers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for range rounds {
				if time.Now().After(deadline) {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(300))*time.Microsecond)
				p, err := l.Acquire(ctx)
				cancel()
				if err != nil {
					refused.Add(1)
					continue
				}
				ok.Add(1)
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Duration(r.IntN(100)) * time.Microsecond)
				now.Add(-1)
				p.Done(OK)
			}
		})
	}
	wg.Wait()
	if most.Load() > limit {
		t.Errorf("%d calls in flight at once, limit %d", most.Load(), limit)
	}
	if l.InFlight() != 0 || l.Waiting() != 0 {
		t.Errorf("at the end: InFlight %d, Waiting %d; want 0 and 0", l.InFlight(), l.Waiting())
	}
	if ok.Load() == 0 || refused.Load() == 0 {
		t.Errorf("%d admitted, %d refused; want some of each", ok.Load(), refused.Load())
	}
	t.Logf("%d admitted, %d refused or ended, at most %d in flight", ok.Load(), refused.Load(), most.Load())
}

// A window that raises the limit while calls wait grants them the new
// slots at once: they do not sleep until a call ends or their wait runs out.
func TestQueueRaisedLimitGrantsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := New(Initial(1), Min(1), Max(4), Queue(4, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		held, err := l.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		var granted atomic.Int64
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				p, err := l.Acquire(ctx)
				if err != nil {
					t.Errorf("waiter: %v", err)
					return
				}
				granted.Add(1)
				<-release
				p.Done(OK)
			})
			synctest.Wait()
		}
		time.Sleep(2 * DefaultMaxWindow) // the held call's sample ends a window
		held.Done(OK)
		synctest.Wait()
		if l.Limit() < 2 {
			t.Fatalf("Limit %d after a window at the limit, want it raised", l.Limit())
		}
		if granted.Load() != 2 || l.Waiting() != 0 {
			t.Errorf("Limit %d, InFlight %d: %d waiters granted, %d still waiting; want 2 and 0",
				l.Limit(), l.InFlight(), granted.Load(), l.Waiting())
		}
		close(release)
		wg.Wait()
	})
}

// A call that arrives while others wait queues behind them even if it
// finds a slot free: here a call's end has given its slot back (the first
// step of release) but not yet granted it (the second), and the newcomer
// must not take it past the waiter.
func TestQueueNewcomerWaitsBehindWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := fixedQueued(t, 1, 2, time.Minute)
		ctx := context.Background()
		if _, err := l.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 2)
		permits := make(chan Permit, 2)
		for _, who := range []string{"waiter", "newcomer"} {
			go func() {
				p, err := l.Acquire(ctx)
				if err != nil {
					t.Errorf("%s: %v", who, err)
					return
				}
				got <- who
				permits <- p
			}()
			synctest.Wait()
			if who == "waiter" {
				l.inflight.Add(-1) // the held call ends: release's first step
			}
		}
		l.grant() // release's second step
		synctest.Wait()
		if first := <-got; first != "waiter" {
			t.Errorf("the slot went to the %s, want the waiter queued first", first)
		}
		(<-permits).Done(OK)
		synctest.Wait()
		if second := <-got; second != "newcomer" {
			t.Errorf("then %s, want the newcomer", second)
		}
		(<-permits).Done(OK)
		if l.InFlight() != 0 || l.Waiting() != 0 {
			t.Errorf("InFlight %d, Waiting %d; want 0, 0", l.InFlight(), l.Waiting())
		}
	})
}

// Under -race, callers racing through a queue that has room for all of
// them, with a wait far longer than all their calls together: no wait may
// run out, for a wait that runs out here is a slot that was free while a
// waiter slept (synctest's clock moves only when every goroutine is
// blocked, so a lost wakeup jumps straight to the minute's end).
func TestQueueNoLostWakeup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit, callers, rounds = 2, 12, 200
		l := fixedQueued(t, limit, callers, time.Minute)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(i), 2))
				for range rounds {
					p, err := l.Acquire(context.Background())
					if err != nil {
						t.Errorf("caller %d: %v after a wait, with slots ending every few µs", i, err)
						return
					}
					if r.IntN(2) == 0 {
						time.Sleep(time.Duration(1+r.IntN(5)) * time.Microsecond)
					}
					p.Done(OK)
				}
			})
		}
		wg.Wait()
		if l.InFlight() != 0 || l.Waiting() != 0 || l.Stats().Rejected != 0 {
			t.Errorf("InFlight %d, Waiting %d, Rejected %d; want 0, 0, 0", l.InFlight(), l.Waiting(), l.Stats().Rejected)
		}
	})
}
