package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

var errBoom = errors.New("boom")

func fail(context.Context) error    { return errBoom }
func succeed(context.Context) error { return nil }

// counter is a function for Do that counts its calls and returns err.
type counter struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (c *counter) fn(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return c.err
}

func (c *counter) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// do calls b.Do n times with fn and returns the last error.
func do(b *breaker.Breaker, n int, fn func(context.Context) error) error {
	var err error
	for range n {
		err = b.Do(context.Background(), fn)
	}
	return err
}

func wantState(t *testing.T, b *breaker.Breaker, want breaker.State) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("State() = %v, want %v", got, want)
	}
}

// openError asserts that err is a rejection and returns its details.
func openError(t *testing.T, err error) *breaker.OpenError {
	t.Helper()
	if !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("err = %v, want one matching ErrOpen", err)
	}
	var oe *breaker.OpenError
	if !errors.As(err, &oe) {
		t.Fatalf("err = %T, want *OpenError", err)
	}
	return oe
}

// changes records OnStateChange calls.
type changes struct {
	mu  sync.Mutex
	log []string
}

func (c *changes) hook(name string, from, to breaker.State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf("%s:%v->%v", name, from, to))
}

func (c *changes) want(t *testing.T, want ...string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.log, want) {
		t.Fatalf("state changes = %q, want %q", c.log, want)
	}
}

func TestConsecutiveFailuresOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		b := breaker.New(breaker.Name("db"), breaker.FailureThreshold(3), breaker.OnStateChange(ch.hook))
		do(b, 2, fail)
		do(b, 1, succeed) // resets the count
		do(b, 2, fail)
		wantState(t, b, breaker.Closed)
		if err := do(b, 1, fail); !errors.Is(err, errBoom) {
			t.Fatalf("the failing call returned %v, want its own error", err)
		}
		wantState(t, b, breaker.Open)
		ch.want(t, "db:closed->open")
	})
}

func TestOpenRejectsWithoutCalling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Name("db"), breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Minute))
		do(b, 1, fail)
		c := &counter{}
		oe := openError(t, b.Do(context.Background(), c.fn))
		if c.n() != 0 {
			t.Fatalf("an open breaker called the function %d times", c.n())
		}
		if oe.Name != "db" || oe.State != breaker.Open || oe.RetryAfter() != time.Minute || oe.Retryable() {
			t.Fatalf("OpenError = %+v, RetryAfter %v, Retryable %v", *oe, oe.RetryAfter(), oe.Retryable())
		}
		if want := `breaker "db" is open: next probe in 1m0s`; oe.Error() != want {
			t.Fatalf("Error() = %q, want %q", oe.Error(), want)
		}
		time.Sleep(20 * time.Second)
		oe = openError(t, b.Do(context.Background(), c.fn))
		if oe.RetryAfter() != 40*time.Second {
			t.Fatalf("RetryAfter after 20s = %v, want 40s", oe.RetryAfter())
		}
		_, err := breaker.Call(context.Background(), b, func(context.Context) (int, error) { return 1, nil })
		openError(t, err)
		_, err = b.Allow()
		openError(t, err)
	})
}

func TestHalfOpenAfterRecoveryTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		b := breaker.New(breaker.FailureThreshold(1), breaker.RecoveryTimeout(10*time.Second),
			breaker.OnStateChange(ch.hook))
		do(b, 1, fail)
		time.Sleep(10*time.Second - time.Nanosecond)
		wantState(t, b, breaker.Open)
		time.Sleep(time.Nanosecond)
		wantState(t, b, breaker.HalfOpen) // lazily, when read
		ch.want(t, ":closed->open", ":open->half-open")
	})
}

func TestProbeSuccessCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		b := breaker.New(breaker.FailureThreshold(1), breaker.OnStateChange(ch.hook))
		do(b, 1, fail)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		if err := do(b, 1, succeed); err != nil {
			t.Fatal(err)
		}
		wantState(t, b, breaker.Closed)
		ch.want(t, ":closed->open", ":open->half-open", ":half-open->closed")
	})
}

func TestProbeFailureReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		b := breaker.New(breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Minute), breaker.OnStateChange(ch.hook))
		do(b, 1, fail)
		time.Sleep(time.Minute)
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
		if oe := openError(t, do(b, 1, succeed)); oe.RetryAfter() != time.Minute {
			t.Fatalf("RetryAfter after a failed probe = %v, want a full 1m", oe.RetryAfter())
		}
		ch.want(t, ":closed->open", ":open->half-open", ":half-open->open")
	})
}

// gate is a function for Do that blocks until released and then returns err.
type gate struct {
	entered chan struct{}
	release chan error
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 100), release: make(chan error)} }

func (g *gate) fn(context.Context) error {
	g.entered <- struct{}{}
	return <-g.release
}

func TestMaxProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(1), breaker.MaxProbes(2), breaker.SuccessThreshold(2))
		do(b, 1, fail)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		g := newGate()
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- b.Do(context.Background(), g.fn) }()
		}
		synctest.Wait()
		if len(g.entered) != 2 {
			t.Fatalf("%d probes running, want 2", len(g.entered))
		}
		c := &counter{}
		oe := openError(t, b.Do(context.Background(), c.fn))
		if c.n() != 0 || oe.State != breaker.HalfOpen || oe.RetryAfter() != 0 {
			t.Fatalf("third call: %d calls, %+v", c.n(), *oe)
		}
		if !strings.Contains(oe.Error(), "half-open") {
			t.Fatalf("Error() = %q, want it to say half-open", oe.Error())
		}
		g.release <- nil
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		wantState(t, b, breaker.HalfOpen) // one success of two
		go func() { errs <- b.Do(context.Background(), g.fn) }()
		synctest.Wait()
		if len(g.entered) != 3 {
			t.Fatalf("a freed slot did not admit a new probe")
		}
		g.release <- nil
		g.release <- nil
		<-errs
		<-errs
		wantState(t, b, breaker.Closed)
	})
}

func TestSuccessThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(1), breaker.SuccessThreshold(3))
		do(b, 1, fail)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		do(b, 2, succeed)
		wantState(t, b, breaker.HalfOpen)
		do(b, 1, succeed)
		wantState(t, b, breaker.Closed)
	})
}

func TestLostProbeIsReplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(1), breaker.RecoveryTimeout(10*time.Second))
		do(b, 1, fail)
		time.Sleep(10 * time.Second)
		g := newGate()
		done := make(chan error)
		go func() { done <- b.Do(context.Background(), g.fn) }() // hangs
		synctest.Wait()
		openError(t, do(b, 1, succeed))
		time.Sleep(10 * time.Second) // the hung probe is presumed lost
		do(b, 1, fail)               // a fresh probe fails
		wantState(t, b, breaker.Open)
		g.release <- nil // the lost probe's late success is ignored
		<-done
		wantState(t, b, breaker.Open)
	})
}

func TestLateResultIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2))
		g := newGate()
		done := make(chan error)
		go func() { done <- b.Do(context.Background(), g.fn) }() // admitted while closed
		synctest.Wait()
		do(b, 2, fail)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		do(b, 1, succeed) // closes, in a new generation
		g.release <- errBoom
		<-done
		do(b, 1, fail)
		wantState(t, b, breaker.Closed) // the late failure did not count
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
	})
}

var errNotFound = errors.New("not found")

func TestIsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2),
			breaker.IsFailure(func(err error) bool { return !errors.Is(err, errNotFound) }))
		notFound := func(context.Context) error { return fmt.Errorf("user 7: %w", errNotFound) }
		do(b, 10, notFound)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		do(b, 1, notFound) // the dependency answered: a success
		do(b, 1, fail)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
	})
}

func TestCallerCancelNotCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(1))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ctxErr := func(ctx context.Context) error { return ctx.Err() }
		for range 5 {
			if err := b.Do(ctx, ctxErr); !errors.Is(err, context.Canceled) {
				t.Fatalf("Do = %v, want context.Canceled", err)
			}
		}
		wantState(t, b, breaker.Closed)

		// In half-open, a cancelled probe frees its slot and decides nothing.
		do(b, 1, fail)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		_ = b.Do(ctx, ctxErr)
		wantState(t, b, breaker.HalfOpen)
		do(b, 1, succeed)
		wantState(t, b, breaker.Closed)

		// The caller's deadline passing is the dependency's slowness: a failure.
		dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
		defer dcancel()
		_ = b.Do(dctx, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		wantState(t, b, breaker.Open)
	})
}

func TestPanicCountsAndPropagates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2))
		boom := func(context.Context) error { panic("kaboom") }
		for i := range 2 {
			func() {
				defer func() {
					if r := recover(); r != "kaboom" {
						t.Fatalf("panic %d: recovered %v, want kaboom", i, r)
					}
				}()
				_ = b.Do(context.Background(), boom)
				t.Fatal("Do returned after a panic")
			}()
		}
		wantState(t, b, breaker.Open)

		// A panicking probe reopens the breaker.
		time.Sleep(breaker.DefaultRecoveryTimeout)
		func() {
			defer func() { _ = recover() }()
			_, _ = breaker.Call(context.Background(), b, func(context.Context) (int, error) { panic("kaboom") })
		}()
		wantState(t, b, breaker.Open)
	})
}

func TestCallPanics(t *testing.T) {
	b := breaker.New(breaker.FailureThreshold(1))
	func() {
		defer func() { _ = recover() }()
		_, _ = breaker.Call(context.Background(), b, func(context.Context) (string, error) { panic("x") })
	}()
	wantState(t, b, breaker.Open)
}

func TestCall(t *testing.T) {
	b := breaker.New(breaker.FailureThreshold(1))
	v, err := breaker.Call(context.Background(), b, func(context.Context) (string, error) { return "ok", nil })
	if v != "ok" || err != nil {
		t.Fatalf("Call = %q, %v", v, err)
	}
	v, err = breaker.Call(context.Background(), b, func(context.Context) (string, error) { return "partial", errBoom })
	if v != "partial" || !errors.Is(err, errBoom) {
		t.Fatalf("failing Call = %q, %v; want fn's own results", v, err)
	}
	v, err = breaker.Call(context.Background(), b, func(context.Context) (string, error) { return "ok", nil })
	if v != "" {
		t.Fatalf("rejected Call returned %q, want the zero value", v)
	}
	openError(t, err)
}

func TestSlowCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureThreshold(2), breaker.SlowCall(time.Second))
		slow := func(context.Context) error { time.Sleep(time.Second); return nil }
		do(b, 1, slow)
		do(b, 1, func(context.Context) error { time.Sleep(time.Second - 1); return nil }) // fast enough
		do(b, 1, slow)
		wantState(t, b, breaker.Closed)
		do(b, 1, slow)
		wantState(t, b, breaker.Open)
		time.Sleep(breaker.DefaultRecoveryTimeout)
		do(b, 1, slow) // a slow probe fails
		wantState(t, b, breaker.Open)
	})
}

func TestZeroBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b breaker.Breaker
		do(&b, breaker.DefaultFailureThreshold-1, fail)
		wantState(t, &b, breaker.Closed)
		do(&b, 1, fail)
		oe := openError(t, do(&b, 1, succeed))
		if oe.RetryAfter() != breaker.DefaultRecoveryTimeout || b.Name() != "" {
			t.Fatalf("RetryAfter = %v, Name = %q", oe.RetryAfter(), b.Name())
		}
		time.Sleep(breaker.DefaultRecoveryTimeout)
		do(&b, 1, succeed)
		wantState(t, &b, breaker.Closed)
	})
}

func TestOnStateChangeMayUseBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ch changes
		var b *breaker.Breaker
		b = breaker.New(breaker.FailureThreshold(1), breaker.RecoveryTimeout(0),
			breaker.OnStateChange(func(name string, from, to breaker.State) {
				ch.hook(name, from, to)
				if to == breaker.Open {
					// Recovery timeout 0: reading the state moves it to
					// half-open, and this call is a probe that closes it.
					_ = b.State()
					_ = b.Do(context.Background(), succeed)
				}
			}))
		do(b, 1, fail)
		// The changes made inside the hook were announced after it, in order.
		ch.want(t, ":closed->open", ":open->half-open", ":half-open->closed")
		wantState(t, b, breaker.Closed)
	})
}

func TestStateString(t *testing.T) {
	tests := []struct {
		give breaker.State
		want string
	}{
		{breaker.Closed, "closed"},
		{breaker.Open, "open"},
		{breaker.HalfOpen, "half-open"},
		{breaker.State(9), "unknown"},
	}
	for _, tt := range tests {
		if got := tt.give.String(); got != tt.want {
			t.Errorf("State(%d).String() = %q, want %q", tt.give, got, tt.want)
		}
	}
}
