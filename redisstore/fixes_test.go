package redisstore_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/redisstore"
)

// Breakers of one name, the first without a window and the next with a
// FailureRate window, join while the flusher runs: no data race (run with
// -race).
func TestJoinMixedWindows(t *testing.T) {
	srv := startRedis(t)
	rdb := srv.client(t)
	store := redisstore.New(rdb, redisstore.Flush(time.Millisecond), redisstore.Resync(50*time.Millisecond),
		redisstore.Logger(slog.New(&logBuffer{})))
	defer store.Close()
	for i := range 200 {
		name := fmt.Sprintf("b%d", i)
		a := breaker.New(breaker.Name(name), breaker.Shared(store))
		_ = a.Do(context.Background(), fail)
		time.Sleep(50 * time.Microsecond)
		b := breaker.New(breaker.Name(name), breaker.Shared(store), breaker.FailureRate(0.5, time.Second, 10))
		_ = b.Do(context.Background(), fail)
	}
	eventually(t, 2*time.Second, "synced", func() bool { return store.Stats().Syncs > 0 })
}

// A key of the wrong type at one breaker's key makes its script fail with
// an error reply: counted and logged, but Redis is not taken for
// unreachable, and the other breakers of the store go on sharing.
func TestErrorReplyIsNotAnOutage(t *testing.T) {
	srv := startRedis(t)
	admin := srv.client(t)
	if err := admin.Set(context.Background(), "nop:retry:breaker:{bad}", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	ps := fleet(t, srv, 2)
	bad := breaker.New(breaker.Name("bad"), breaker.Shared(ps[0].store), breaker.FailureThreshold(1000))
	var o opened
	good := breakers(ps, "good", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})
	eventually(t, 2*time.Second, "error replies counted", func() bool {
		_ = bad.Do(context.Background(), fail)
		return ps[0].store.Stats().Errors >= 3
	})
	if st := ps[0].store.Stats(); st.Down {
		t.Fatalf("store down after an error reply: %+v", st)
	}
	_ = good[0].Do(context.Background(), fail)
	eventually(t, time.Second, "the trip reaches process 1", func() bool { return o.all(2) })
	if st := ps[0].store.Stats(); st.Down {
		t.Fatalf("store down after an error reply: %+v", st)
	}
	if n := ps[0].logs.count("Redis unreachable"); n != 0 {
		t.Fatalf("logged an outage: %v", ps[0].logs.msgs)
	}
	if n := ps[0].logs.count("replied with an error"); n != 1 {
		t.Fatalf("logged the error reply %d times, want once: %v", n, ps[0].logs.msgs)
	}
}

// A lease slower than Timeout (DEBUG SLEEP, shorter than the flusher's
// patience) is decided locally and counted, without taking Redis for
// unreachable: reports go on flowing.
func TestSlowLeaseIsNotAnOutage(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 2, redisstore.Timeout(20*time.Millisecond), redisstore.Resync(5*time.Second))
	b := breaker.New(breaker.Name("payments"), breaker.Shared(ps[0].store), breaker.FailureThreshold(1),
		breaker.RecoveryTimeout(50*time.Millisecond))
	var o opened
	orders := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = b.Do(context.Background(), fail)
	time.Sleep(80 * time.Millisecond) // half-open

	admin := srv.client(t)
	slept := make(chan error, 1)
	go func() { slept <- admin.Do(context.Background(), "DEBUG", "SLEEP", "0.2").Err() }()
	time.Sleep(30 * time.Millisecond)
	before := ps[0].store.Stats()
	if err := b.Do(context.Background(), succeed); err != nil { // the probe: its lease times out
		t.Fatalf("probe: %v", err)
	}
	st := ps[0].store.Stats()
	if st.Local != before.Local+1 || st.Errors <= before.Errors {
		t.Fatalf("stats %+v after %+v: want a local lease and a counted timeout", st, before)
	}
	if st.Down {
		t.Fatalf("store down after a slow lease: %+v", st)
	}
	if err := <-slept; err != nil {
		t.Fatal(err)
	}
	_ = orders[0].Do(context.Background(), fail)
	eventually(t, time.Second, "the trip reaches process 1", func() bool { return o.all(2) })
	if st := ps[0].store.Stats(); st.Down {
		t.Fatalf("store down: %+v", st)
	}
}

// A store with nothing left to send (a budget whose window emptied during
// an outage) still notices that Redis is back.
func TestUpWithNothingToSend(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 1, redisstore.Resync(30*time.Millisecond))
	rb, err := ps[0].store.Budget("payments", budget.Window(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rb.Request()
	_, _ = rb.AllowRetry(retry.OutcomeTransient)
	time.Sleep(50 * time.Millisecond) // written
	srv.kill()
	eventually(t, 2*time.Second, "store down", func() bool {
		rb.Request()
		return ps[0].store.Stats().Down
	})
	time.Sleep(100 * time.Millisecond) // the budget's window empties
	srv.restart()
	eventually(t, 2*time.Second, "store up", func() bool { return !ps[0].store.Stats().Down })
}
