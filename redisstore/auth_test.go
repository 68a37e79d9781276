package redisstore_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
	"github.com/nop-platform/retry/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// Issue 15, item 3: a Redis that refuses the client's credentials (a wrong
// password: WRONGPASS; none: NOAUTH) is a misconfiguration, and loud: one
// error record naming it, Stats.AuthFailed and Down, and the store fails
// open as when Redis is down: breakers trip on their own failures and take
// the probe lease locally. A store with the right password shares as usual.
func TestWrongPassword(t *testing.T) {
	srv := &server{redistest.Start(t, redistest.RequirePass("right"))}
	for _, tt := range []struct {
		name, password string
		want           []string // the error named, one of
	}{
		{"wrong", "wrong", []string{"WRONGPASS"}},
		{"none", "", []string{"NOAUTH", "unauthenticated"}}, // a long command before AUTH: a protocol error
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), Password: tt.password, MaxRetries: -1,
				ReadTimeout: time.Second, WriteTimeout: time.Second})
			defer rdb.Close()
			logs := &logBuffer{}
			store := redisstore.New(rdb, redisstore.Flush(5*time.Millisecond), redisstore.Resync(20*time.Millisecond),
				redisstore.Logger(slog.New(logs)))
			defer store.Close()
			b := breaker.New(breaker.Name("payments"), breaker.Shared(store), breaker.FailureThreshold(2),
				breaker.RecoveryTimeout(30*time.Millisecond))
			_ = b.Do(context.Background(), fail)
			eventually(t, 3*time.Second, "the store notices", func() bool {
				st := store.Stats()
				return st.Down && st.AuthFailed
			})
			_ = b.Do(context.Background(), fail)
			if b.State() != breaker.Open {
				t.Fatalf("state %v, want a local trip", b.State())
			}
			time.Sleep(40 * time.Millisecond)
			if err := b.Do(context.Background(), succeed); err != nil || b.State() != breaker.Closed {
				t.Fatalf("probe: %v, state %v; want a local probe that closes the breaker", err, b.State())
			}
			time.Sleep(200 * time.Millisecond) // several rounds of trying again
			st := store.Stats()
			if !st.Down || !st.AuthFailed || st.Errors == 0 || st.Local == 0 {
				t.Fatalf("stats %+v: want down, auth failed, errors and a local lease", st)
			}
			if n := logs.count("credentials"); n != 1 {
				t.Fatalf("%d records about the credentials, want 1: %v", n, logs.msgs)
			}
			if n := logs.count(tt.want[0]) + logs.count(tt.want[len(tt.want)-1]); n == 0 {
				t.Fatalf("no record naming %v: %v", tt.want, logs.msgs)
			}
			if len(logs.msgs) != 1 || logs.count("ERROR") != 1 {
				t.Fatalf("want exactly one record, an error: %v", logs.msgs)
			}
		})
	}

	// The right password: shared as usual, and up.
	ps := fleet(t, srv, 2)
	var o opened
	bs := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), o.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = bs[0].Do(context.Background(), fail)
	eventually(t, 2*time.Second, "the trip reaches process 1", func() bool { return o.all(2) })
	if st := ps[0].store.Stats(); st.Down || st.AuthFailed {
		t.Fatalf("stats %+v with the right password", st)
	}
	if !errors.Is(bs[1].Do(context.Background(), succeed), breaker.ErrOpen) {
		t.Fatal("process 1 is not open")
	}
}
