package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
)

var errBoom = errors.New("boom")

func fail(context.Context) error    { return errBoom }
func succeed(context.Context) error { return nil }

// opened records when each breaker of a fleet turned Open.
type opened struct {
	mu sync.Mutex
	at map[int]time.Time
}

func (o *opened) hook(i int) breaker.Option {
	return breaker.OnStateChange(func(_ string, _, to breaker.State) {
		if to != breaker.Open {
			return
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.at == nil {
			o.at = make(map[int]time.Time)
		}
		if _, ok := o.at[i]; !ok {
			o.at[i] = time.Now()
		}
	})
}

func (o *opened) all(n int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.at) == n
}

// spread returns the time from the first breaker's trip to the last's.
func (o *opened) spread() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	var first, last time.Time
	for _, t := range o.at {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return last.Sub(first)
}

// breakers makes one breaker named name in each process.
func breakers(ps []*process, name string, opts func(i int) []breaker.Option) []*breaker.Breaker {
	bs := make([]*breaker.Breaker, len(ps))
	for i, p := range ps {
		all := []breaker.Option{breaker.Name(name), breaker.Shared(p.store)}
		if opts != nil {
			all = append(all, opts(i)...)
		}
		bs[i] = breaker.New(all...)
	}
	return bs
}

// shared reads a field of a breaker's hash, with the default prefix.
func shared(t testing.TB, rdb redis.UniversalClient, name, field string) string {
	v, err := rdb.HGet(context.Background(), "nop:retry:breaker:{"+name+"}", field).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return v
}

// Failures spread over three processes add up to the trip, which every
// process sees within 100ms: the figure is logged.
func TestTripSeenByAll(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 3)
	admin := srv.client(t)
	const rounds = 10
	var spreads, fromCall []time.Duration
	for r := range rounds {
		name := fmt.Sprintf("payments-%d", r)
		var o opened
		bs := breakers(ps, name, func(i int) []breaker.Option {
			return []breaker.Option{breaker.FailureThreshold(6), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
		})
		for k := range 5 { // two failures or fewer each: no local rule trips
			_ = bs[k%3].Do(context.Background(), fail)
		}
		eventually(t, 2*time.Second, "5 shared failures", func() bool {
			return shared(t, admin, name, "consec") == "5"
		})
		for i, b := range bs {
			if b.State() != breaker.Closed {
				t.Fatalf("round %d: breaker %d is %v before the sixth failure", r, i, b.State())
			}
		}
		_ = bs[2].Do(context.Background(), fail) // the sixth, fleet-wide
		called := time.Now()
		eventually(t, 2*time.Second, "all three open", func() bool { return o.all(3) })
		last := o.spread()
		spreads = append(spreads, last)
		o.mu.Lock()
		var end time.Time
		for _, at := range o.at {
			if at.After(end) {
				end = at
			}
		}
		o.mu.Unlock()
		fromCall = append(fromCall, end.Sub(called))
		for i, b := range bs {
			if err := b.Do(context.Background(), succeed); !errors.Is(err, breaker.ErrOpen) {
				t.Fatalf("round %d: breaker %d let a call through: %v", r, i, err)
			}
		}
	}
	slices.Sort(spreads)
	slices.Sort(fromCall)
	t.Logf("trip propagation (first process Open -> all Open), %d rounds: median %v, max %v",
		rounds, spreads[rounds/2], spreads[rounds-1])
	t.Logf("sixth failure returned -> all Open: median %v, max %v", fromCall[rounds/2], fromCall[rounds-1])
	if spreads[rounds-1] >= 100*time.Millisecond {
		t.Fatalf("trip propagation took %v, want < 100ms", spreads[rounds-1])
	}
}

// A breaker that trips on its own failures trips the fleet, and a success
// anywhere resets the shared count.
func TestLocalTripAndSharedReset(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 2)
	admin := srv.client(t)
	var o opened
	bs := breakers(ps, "orders", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(3), breaker.RecoveryTimeout(time.Minute), o.hook(i)}
	})
	_ = bs[0].Do(context.Background(), fail)
	_ = bs[1].Do(context.Background(), fail)
	eventually(t, 2*time.Second, "2 shared failures", func() bool { return shared(t, admin, "orders", "consec") == "2" })
	_ = bs[1].Do(context.Background(), succeed) // sent because the shared count is above 0
	eventually(t, 2*time.Second, "shared count reset", func() bool { return shared(t, admin, "orders", "consec") == "0" })
	_ = bs[1].Do(context.Background(), fail) // without the reset, 3 in a row fleet-wide
	eventually(t, 2*time.Second, "1 shared failure", func() bool { return shared(t, admin, "orders", "consec") == "1" })
	time.Sleep(50 * time.Millisecond)
	if bs[0].State() != breaker.Closed || bs[1].State() != breaker.Closed {
		t.Fatal("tripped though a success came between the failures")
	}
	_ = bs[0].Do(context.Background(), fail) // its own second in a row, the fleet's second
	_ = bs[0].Do(context.Background(), fail) // its own third
	eventually(t, time.Second, "both open", func() bool { return o.all(2) })
}

// The failure rate rule on a window adds up the fleet's calls.
func TestSharedFailureRate(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 2)
	var o opened
	bs := breakers(ps, "search", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureRate(0.5, 10*time.Second, 20), o.hook(i)}
	})
	for range 10 {
		_ = bs[0].Do(context.Background(), succeed)
	}
	for range 9 {
		_ = bs[1].Do(context.Background(), fail)
	}
	// 9 of 19: neither the minimum of calls nor, locally, the rate of 0 (9 of 9 but 9 < 20).
	admin := srv.client(t)
	eventually(t, 3*time.Second, "19 calls in the shared window", func() bool {
		calls := 0
		for j := range 10 {
			var g, x, n, f int
			if v := shared(t, admin, "search", fmt.Sprintf("w%d", j)); v != "" {
				_, _ = fmt.Sscanf(v, "%d %d %d %d", &g, &x, &n, &f)
				calls += n
			}
		}
		return calls == 19
	})
	if o.all(1) {
		t.Fatal("opened before the minimum number of calls")
	}
	_ = bs[1].Do(context.Background(), fail) // 10 of 20
	eventually(t, time.Second, "both open", func() bool { return o.all(2) })
}

// In half-open, one process of the fleet probes; the others are refused
// until its outcome closes every breaker.
func TestOneProbeFleetWide(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 3)
	var o opened
	bs := breakers(ps, "payments", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(150 * time.Millisecond), o.hook(i)}
	})
	_ = bs[0].Do(context.Background(), fail)
	eventually(t, time.Second, "all open", func() bool { return o.all(3) })
	time.Sleep(200 * time.Millisecond)

	var calls atomic.Int32
	release := make(chan struct{})
	probe := func(context.Context) error {
		calls.Add(1)
		<-release
		return nil
	}
	errs := make([]error, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() { errs[i] = b.Do(context.Background(), probe) })
	}
	eventually(t, time.Second, "a probe", func() bool { return calls.Load() == 1 })
	time.Sleep(50 * time.Millisecond) // let the others ask for the lease
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d processes probed, want 1", n)
	}
	close(release)
	wg.Wait()
	refused := 0
	for _, err := range errs {
		var oe *breaker.OpenError
		if errors.As(err, &oe) {
			refused++
			if oe.State != breaker.HalfOpen {
				t.Fatalf("refused in state %v, want half-open", oe.State)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if refused != 2 {
		t.Fatalf("%d calls refused, want 2", refused)
	}
	eventually(t, time.Second, "all closed", func() bool {
		for _, b := range bs {
			if b.State() != breaker.Closed {
				return false
			}
		}
		return true
	})
}

// Keys carry the prefix and the name as a hash tag, and expire.
func TestKeysHavePrefixAndTTL(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 1, redisstore.Prefix("test:app:"), redisstore.TTL(time.Minute))
	b := breaker.New(breaker.Name("payments"), breaker.Shared(ps[0].store), breaker.FailureThreshold(1))
	_ = b.Do(context.Background(), fail)
	rb, err := ps[0].store.Budget("payments")
	if err != nil {
		t.Fatal(err)
	}
	rb.Request()
	admin := srv.client(t)
	ctx := context.Background()
	want := []string{"test:app:breaker:{payments}", "test:app:budget:{payments}"}
	eventually(t, 2*time.Second, "both keys written", func() bool {
		keys, err := admin.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		return slices.Equal(keys, want)
	})
	for _, k := range want {
		ttl, err := admin.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > time.Minute {
			t.Fatalf("%s: TTL %v, want in (0, 1m]", k, ttl)
		}
	}
	if n, err := admin.PubSubNumSub(ctx, "test:app:breaker").Result(); err != nil || n["test:app:breaker"] != 1 {
		t.Fatalf("subscribers of test:app:breaker: %v, %v", n, err)
	}
}

// The success path stays off Redis: INFO stats counts the commands of every
// kind (scripts and the commands within them, pings, resyncs) while a fleet
// of three makes 10,000 successful calls over about a second.
func TestCommandsPerSuccess(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []breaker.Option
	}{
		{"consecutive", nil},
		{"failure-rate", []breaker.Option{breaker.FailureRate(0.5, 10*time.Second, 20)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRedis(t)
			ps := fleet(t, srv, 3, redisstore.Flush(redisstore.DefaultFlush), redisstore.Resync(redisstore.DefaultResync))
			admin := srv.client(t)
			bs := breakers(ps, "payments", func(int) []breaker.Option { return tt.opts })
			eventually(t, 2*time.Second, "joined", func() bool {
				for _, p := range ps {
					if p.store.Stats().Syncs == 0 {
						return false
					}
				}
				return true
			})
			// A failure and a success first, so that each process has sent
			// something: connections are warm and the shared count is 0.
			_ = bs[0].Do(context.Background(), fail)
			_ = bs[1].Do(context.Background(), succeed)
			time.Sleep(300 * time.Millisecond)

			before := commandsProcessed(t, admin)
			start := time.Now()
			const calls = 10_000
			for batch := range 10 {
				for k := range calls / 10 {
					if err := bs[(batch+k)%3].Do(context.Background(), succeed); err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			elapsed := time.Since(start)
			n := commandsProcessed(t, admin) - before - 1 // less the first INFO
			per := float64(n) / calls
			t.Logf("%s: %d Redis commands (INFO total_commands_processed) for %d successful calls in %v: %.4f per call",
				tt.name, n, calls, elapsed.Round(time.Millisecond), per)
			if per > 0.01 {
				t.Fatalf("%.4f commands per successful call, want at most 0.01", per)
			}
		})
	}
}

// Close waits for the store's goroutines: none are left behind.
func TestNoGoroutineLeak(t *testing.T) {
	srv := startRedis(t)
	before := runtime.NumGoroutine()
	func() {
		ps := make([]*process, 3)
		for i := range ps {
			rdb := redis.NewClient(&redis.Options{Addr: srv.addr()})
			ps[i] = &process{rdb: rdb, store: redisstore.New(rdb, redisstore.Flush(10*time.Millisecond),
				redisstore.Resync(50*time.Millisecond))}
		}
		bs := breakers(ps, "payments", func(int) []breaker.Option {
			return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(10 * time.Millisecond)}
		})
		_ = bs[0].Do(context.Background(), fail)
		time.Sleep(50 * time.Millisecond)
		for _, b := range bs {
			_ = b.Do(context.Background(), succeed) // probes take leases
		}
		rb, _ := ps[1].store.Budget("payments")
		rb.Request()
		time.Sleep(100 * time.Millisecond)
		for _, p := range ps {
			if err := p.store.Close(); err != nil {
				t.Fatal(err)
			}
			_ = p.rdb.Close()
		}
	}()
	settleGoroutines(t, before)
}

// A prober that hangs holds the lease only until it expires (the breaker's
// RecoveryTimeout, at least 1s); then another process probes.
func TestLostProber(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 2)
	var o opened
	bs := breakers(ps, "payments", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(1), breaker.RecoveryTimeout(100 * time.Millisecond), o.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = bs[0].Do(context.Background(), fail)
	eventually(t, time.Second, "both open", func() bool { return o.all(2) })
	time.Sleep(150 * time.Millisecond)

	hang := make(chan struct{})
	defer close(hang)
	var probing atomic.Bool
	go func() {
		_ = bs[0].Do(context.Background(), func(context.Context) error { probing.Store(true); <-hang; return nil })
	}()
	eventually(t, time.Second, "process 0 probes", probing.Load)
	leased := time.Now()
	if err := bs[1].Do(context.Background(), succeed); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("process 1 probed while process 0 held the lease: %v", err)
	}
	eventually(t, 3*time.Second, "process 1 probes after the lease expired", func() bool {
		return bs[1].Do(context.Background(), succeed) == nil
	})
	if d := time.Since(leased); d < 900*time.Millisecond {
		t.Fatalf("process 1 probed %v after process 0 took the 1s lease", d)
	}
	eventually(t, time.Second, "process 0 closes too", func() bool { return bs[0].State() == breaker.Closed })
}

// A process that starts while the fleet's breaker is open starts open, with
// the rest of the fleet's recovery timeout.
func TestLateJoiner(t *testing.T) {
	srv := startRedis(t)
	ps := fleet(t, srv, 2)
	opts := []breaker.Option{breaker.Name("payments"), breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Minute)}
	a := breaker.New(append(opts, breaker.Shared(ps[0].store))...)
	_ = a.Do(context.Background(), fail)
	admin := srv.client(t)
	eventually(t, time.Second, "shared open", func() bool { return shared(t, admin, "payments", "state") == "1" })
	time.Sleep(100 * time.Millisecond)
	b := breaker.New(append(opts, breaker.Shared(ps[1].store))...)
	eventually(t, time.Second, "the late joiner opens", func() bool { return b.State() == breaker.Open })
	var oe *breaker.OpenError
	if err := b.Do(context.Background(), succeed); !errors.As(err, &oe) {
		t.Fatalf("late joiner let a call through: %v", err)
	}
	if d := oe.RetryAfter(); d > time.Minute-90*time.Millisecond || d < 50*time.Second {
		t.Fatalf("late joiner: next probe in %v, want the rest of the fleet's minute", d)
	}
}
