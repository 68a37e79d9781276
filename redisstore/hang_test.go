package redisstore_test

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
)

// Issue 15, item 2: a hung Redis (its process stopped with SIGSTOP: the
// kernel still accepts connections and takes in commands, nothing answers)
// is taken for unreachable within about Resync, even through a client that
// waits for replies forever (go-redis ignores a context's deadline unless
// ContextTimeoutEnabled is set). Meanwhile calls go on with local state, the
// goroutines stay bounded although half-open breakers keep asking for
// leases, and after SIGCONT the store comes back and the fleet learns what
// happened meanwhile.
func TestHungRedis(t *testing.T) {
	srv := startRedis(t)
	// Process 0 waits for replies as long as it takes: no read timeout.
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), MaxRetries: -1, ReadTimeout: -1, WriteTimeout: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	logs := &logBuffer{}
	store := redisstore.New(rdb, redisstore.Flush(20*time.Millisecond), redisstore.Logger(slog.New(logs)))
	t.Cleanup(func() { _ = store.Close() })
	ps := append([]*process{{rdb: rdb, store: store, logs: logs}}, fleet(t, srv, 1)...)

	var o opened
	orders := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(2), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})
	payments := breaker.New(breaker.Name("payments"), breaker.Shared(store))
	// Breakers that keep probing: each probe asks Redis for the lease.
	var probers []*breaker.Breaker
	for i := range 20 {
		probers = append(probers, breaker.New(breaker.Name("probe"+itoa(i)), breaker.Shared(store),
			breaker.FailureThreshold(1), breaker.RecoveryTimeout(10*time.Millisecond)))
	}
	eventually(t, 3*time.Second, "joined", func() bool { return store.Stats().Syncs >= 22 })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var calls, failed atomic.Int64
	var slowest atomic.Int64
	for _, b := range probers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				_ = b.Do(context.Background(), fail)
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
			start := time.Now()
			if err := payments.Do(context.Background(), succeed); err != nil {
				failed.Add(1)
			}
			calls.Add(1)
			if d := int64(time.Since(start)); d > slowest.Load() {
				slowest.Store(d)
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
	}()
	time.Sleep(200 * time.Millisecond)
	base := runtime.NumGoroutine()

	srv.Pause()
	paused := time.Now()
	peak := base
	for !store.Stats().Down {
		peak = max(peak, runtime.NumGoroutine())
		if time.Since(paused) > 10*time.Second {
			srv.Resume()
			t.Fatalf("a hung Redis not taken for unreachable within 10s; %d goroutines (%d before); stats %+v",
				runtime.NumGoroutine(), base, store.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	detected := time.Since(paused)
	// Alone, process 0's "orders" trips on its own failures.
	_ = orders[0].Do(context.Background(), fail)
	_ = orders[0].Do(context.Background(), fail)
	for range 100 { // a second of hang after detection
		peak = max(peak, runtime.NumGoroutine())
		time.Sleep(10 * time.Millisecond)
	}
	atResume := calls.Load()
	st := store.Stats()
	srv.Resume()
	resumed := time.Now()
	t.Logf("hung Redis taken for unreachable after %v; goroutines %d before, at most %d during the hang; "+
		"%d calls, slowest success %v; stats %+v", detected.Round(time.Millisecond), base, peak, atResume,
		time.Duration(slowest.Load()).Round(time.Microsecond), st)
	if detected > 3*time.Second {
		t.Errorf("a hung Redis took %v to be taken for unreachable, want about Resync (1s)", detected)
	}
	if peak > base+20 {
		t.Errorf("goroutines grew from %d to %d during the hang", base, peak)
	}
	if st.Errors == 0 || st.Local == 0 {
		t.Errorf("stats %+v: want the hang counted and leases decided locally", st)
	}
	if orders[0].State() != breaker.Open {
		t.Errorf("orders in process 0: %v, want a local trip", orders[0].State())
	}
	if n := logs.count("Redis unreachable"); n != 1 {
		t.Errorf("logged %d outages, want 1: %v", n, logs.msgs)
	}

	eventually(t, 10*time.Second, "store up after SIGCONT", func() bool { return !store.Stats().Down })
	eventually(t, 10*time.Second, "the trip during the hang reaches process 1", func() bool { return o.all(2) })
	t.Logf("up again %v after SIGCONT", time.Since(resumed).Round(time.Millisecond))
	if n, total := failed.Load(), calls.Load(); n != 0 || total <= atResume/2 {
		t.Errorf("%d of %d calls failed", n, total)
	}
	if d := time.Duration(slowest.Load()); d > 100*time.Millisecond {
		t.Errorf("a success took %v while Redis hung", d)
	}
}
