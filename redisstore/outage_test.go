package redisstore_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
)

// Redis is killed and restarted, empty, on the same port while three
// processes make calls: no call fails, each store says once that Redis is
// unreachable and once that it is back, a breaker that tripped alone during
// the outage trips the fleet when Redis is back, and trips propagate again.
func TestRedisRestart(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 3, redisstore.Timeout(20*time.Millisecond))
	admin := srv.client(t)
	payments := breakers(ps, "payments", func(int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(3), breaker.RecoveryTimeout(time.Minute)}
	})
	var o opened
	orders := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(2), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})

	// Calls flow all along.
	var calls, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, b := range payments {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := b.Do(context.Background(), succeed); err != nil {
					failed.Add(1)
				}
				calls.Add(1)
				time.Sleep(200 * time.Microsecond)
			}
		})
	}

	allDown := func(want bool) func() bool {
		return func() bool {
			for _, p := range ps {
				if p.store.Stats().Down != want {
					return false
				}
			}
			return true
		}
	}
	time.Sleep(100 * time.Millisecond)
	srv.kill()
	killed := time.Now()
	eventually(t, 3*time.Second, "every store notices", allDown(true))
	atKill := calls.Load()

	// Alone, process 0's "orders" trips on its own failures.
	_ = orders[0].Do(context.Background(), fail)
	_ = orders[0].Do(context.Background(), fail)
	if orders[0].State() != breaker.Open || orders[1].State() != breaker.Closed {
		t.Fatalf("during the outage: %v and %v, want open and closed", orders[0].State(), orders[1].State())
	}
	time.Sleep(300 * time.Millisecond)
	during := calls.Load() - atKill

	srv.restart()
	back := time.Now()
	eventually(t, 3*time.Second, "every store reconnects", allDown(false))
	eventually(t, 3*time.Second, "the outage's trip reaches the fleet", func() bool { return o.all(3) })
	t.Logf("outage %v, %d calls during it; fleet re-synced %v after the restart",
		back.Sub(killed).Round(time.Millisecond), during, time.Since(back).Round(time.Millisecond))

	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d calls failed", n, calls.Load())
	}
	if during == 0 {
		t.Fatal("no calls were made while Redis was down")
	}
	for i, p := range ps {
		if n := p.logs.count("Redis unreachable"); n != 1 {
			t.Errorf("process %d logged %d outages, want 1: %v", i, n, p.logs.msgs)
		}
		if n := p.logs.count("Redis reachable again"); n != 1 {
			t.Errorf("process %d logged %d recoveries, want 1: %v", i, n, p.logs.msgs)
		}
		if st := p.store.Stats(); st.Errors == 0 {
			t.Errorf("process %d counted no errors: %+v", i, st)
		}
	}

	// Pub/sub is back: a new trip reaches every process within 100ms.
	eventually(t, 3*time.Second, "three subscribers again", func() bool {
		n, err := admin.PubSubNumSub(context.Background(), "nop:retry:breaker").Result()
		return err == nil && n["nop:retry:breaker"] == 3
	})
	var o2 opened
	carts := breakers(ps, "carts", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), o2.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = carts[1].Do(context.Background(), fail)
	eventually(t, time.Second, "all open", func() bool { return o2.all(3) })
	if d := o2.spread(); d >= 100*time.Millisecond {
		t.Fatalf("trip after the restart took %v to spread", d)
	}
}

// Without Redis at all (nothing listens), breakers and budgets work as local
// ones, the probe lease is granted locally (or refused under FailClosed), and
// the outage is logged once.
func TestUnreachable(t *testing.T) {
	for _, failClosed := range []bool{false, true} {
		name := "fail-open"
		if failClosed {
			name = "fail-closed"
		}
		t.Run(name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + itoa(freePort(t)), MaxRetries: -1})
			defer rdb.Close()
			logs := &logBuffer{}
			opts := []redisstore.Option{redisstore.Flush(5 * time.Millisecond), redisstore.Resync(20 * time.Millisecond),
				redisstore.Logger(slog.New(logs))}
			if failClosed {
				opts = append(opts, redisstore.FailClosed())
			}
			store := redisstore.New(rdb, opts...)
			defer store.Close()
			b := breaker.New(breaker.Name("payments"), breaker.Shared(store), breaker.FailureThreshold(2),
				breaker.RecoveryTimeout(30*time.Millisecond))
			start := time.Now()
			for range 100 {
				if err := b.Do(context.Background(), succeed); err != nil {
					t.Fatal(err)
				}
			}
			_ = b.Do(context.Background(), fail)
			_ = b.Do(context.Background(), fail)
			if b.State() != breaker.Open {
				t.Fatalf("state %v, want open", b.State())
			}
			eventually(t, 2*time.Second, "store down", func() bool { return store.Stats().Down })
			time.Sleep(40 * time.Millisecond)
			err := b.Do(context.Background(), succeed)
			if failClosed {
				if !errors.Is(err, breaker.ErrOpen) {
					t.Fatalf("probe under FailClosed: %v, want a rejection", err)
				}
			} else if err != nil || b.State() != breaker.Closed {
				t.Fatalf("probe: %v, state %v; want a local probe that closes the breaker", err, b.State())
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("calls took %v", d)
			}
			time.Sleep(100 * time.Millisecond) // several failed retries
			if n := logs.count("Redis unreachable"); n != 1 {
				t.Fatalf("logged %d times, want once: %v", n, logs.msgs)
			}
			st := store.Stats()
			if st.Errors < 2 || st.Local == 0 {
				t.Fatalf("stats %+v: want errors counted and a local lease", st)
			}

			// The budget is the local one.
			rb, err := store.Budget("payments", budget.Burst(11))
			if err != nil {
				t.Fatal(err)
			}
			for range 10 {
				rb.Request()
			}
			granted := 0
			for {
				if _, ok := rb.AllowRetry(retry.OutcomeTransient); !ok {
					break
				}
				granted++
			}
			if granted != 11 || rb.Stats().Shared {
				t.Fatalf("granted %d (shared %v), want the local budget's 11", granted, rb.Stats().Shared)
			}
		})
	}
}

// Redis that is slow (DEBUG SLEEP blocks it for half a second) delays no call:
// successes never wait for it, and a half-open probe waits for its lease at
// most Timeout before taking it locally.
func TestRedisSlow(t *testing.T) {
	srv := startRedis(t)
	const timeout = 30 * time.Millisecond
	ps := fleet(t, srv, 2, redisstore.Timeout(timeout))
	var o opened
	bs := breakers(ps, "payments", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(100 * time.Millisecond), o.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = bs[0].Do(context.Background(), fail)
	eventually(t, time.Second, "both open", func() bool { return o.all(2) })

	admin := srv.client(t)
	slept := make(chan error, 1)
	go func() { slept <- admin.Do(context.Background(), "DEBUG", "SLEEP", "0.5").Err() }()
	time.Sleep(150 * time.Millisecond) // Redis is asleep; the breakers' recovery timeout has passed

	start := time.Now()
	if err := bs[0].Do(context.Background(), succeed); err != nil { // the probe: its lease times out
		t.Fatalf("probe: %v", err)
	}
	probe := time.Since(start)
	var slowest time.Duration
	for range 1000 {
		start := time.Now()
		if err := bs[0].Do(context.Background(), succeed); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
	}
	t.Logf("with Redis asleep: the probe took %v (Timeout %v), the slowest of 1000 successes %v", probe, timeout, slowest)
	if probe > timeout+100*time.Millisecond {
		t.Fatalf("the probe waited %v for a slow Redis, want about Timeout (%v)", probe, timeout)
	}
	if slowest > 100*time.Millisecond {
		t.Fatalf("a success took %v while Redis was slow", slowest)
	}
	if err := <-slept; err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "process 1 learns the probe closed the breaker", func() bool {
		return bs[1].State() == breaker.Closed
	})
	eventually(t, 3*time.Second, "stores up again", func() bool {
		return !ps[0].store.Stats().Down && !ps[1].store.Stats().Down
	})
}

// A network partition between the processes and Redis (a proxy that stops
// forwarding, closing nothing): calls flow, the stores notice within the
// client's read timeout, a breaker that trips alone meanwhile trips the
// fleet once the partition heals.
func TestPartition(t *testing.T) {
	srv := startRedis(t)
	px := newProxy(t, srv.addr())
	ps := make([]*process, 2)
	for i := range ps {
		rdb := redis.NewClient(&redis.Options{Addr: px.addr(), MaxRetries: -1, DialTimeout: 300 * time.Millisecond,
			ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
		t.Cleanup(func() { _ = rdb.Close() })
		logs := &logBuffer{}
		store := redisstore.New(rdb, redisstore.Flush(20*time.Millisecond), redisstore.Resync(100*time.Millisecond),
			redisstore.Timeout(20*time.Millisecond), redisstore.Logger(slog.New(logs)))
		t.Cleanup(func() { _ = store.Close() })
		ps[i] = &process{rdb: rdb, store: store, logs: logs}
	}
	var o opened
	orders := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(2), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})
	payments := breakers(ps, "payments", nil)
	time.Sleep(100 * time.Millisecond) // joined and subscribed

	px.partition()
	cut := time.Now()
	var slowest time.Duration
	for time.Since(cut) < 600*time.Millisecond {
		for _, b := range payments {
			start := time.Now()
			if err := b.Do(context.Background(), succeed); err != nil {
				t.Fatalf("a call failed during the partition: %v", err)
			}
			slowest = max(slowest, time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
	_ = orders[0].Do(context.Background(), fail)
	_ = orders[0].Do(context.Background(), fail)
	eventually(t, 2*time.Second, "both stores notice", func() bool {
		return ps[0].store.Stats().Down && ps[1].store.Stats().Down
	})
	if orders[1].State() != breaker.Closed {
		t.Fatal("process 1 learnt of the trip through a partition")
	}
	px.heal()
	healed := time.Now()
	eventually(t, 3*time.Second, "the trip reaches process 1", func() bool { return o.all(2) })
	t.Logf("partition: slowest success %v; after healing, the fleet re-synced in %v", slowest,
		time.Since(healed).Round(time.Millisecond))
	eventually(t, 3*time.Second, "stores up", func() bool {
		return !ps[0].store.Stats().Down && !ps[1].store.Stats().Down
	})
	if slowest > 100*time.Millisecond {
		t.Fatalf("a success took %v during the partition", slowest)
	}
}
