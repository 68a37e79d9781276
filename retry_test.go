package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/backoff"
)

var (
	errConn    = errors.New("connection error")
	errTimeout = errors.New("timeout error")
	errOther   = errors.New("validation error")
)

// The specification's backend test: three calls, then a RetryError.
func TestRetryExhaustion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		err := Do(t.Context(), func(context.Context) error {
			calls++
			return errConn
		}, MaxAttempts(3), BaseDelay(100*time.Millisecond))
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want *Error", err)
		}
		if calls != 3 || re.Attempts != 3 || len(re.Errors) != 3 {
			t.Fatalf("calls %d, Attempts %d, len(Errors) %d; want 3, 3, 3", calls, re.Attempts, len(re.Errors))
		}
		if re.Cause != nil {
			t.Fatalf("Cause = %v, want nil after using every attempt", re.Cause)
		}
		if !errors.Is(err, errConn) {
			t.Fatalf("errors.Is(err, errConn) = false for %v", err)
		}
		if want := "retry: gave up after 3 attempts: connection error"; err.Error() != want {
			t.Fatalf("message %q, want %q", err.Error(), want)
		}
	})
}

// The time between calls follows the specification's table.
func TestDelaysFollowSpecTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Time
		_ = Do(t.Context(), func(context.Context) error {
			at = append(at, time.Now())
			return errConn
		}, MaxAttempts(5))
		want := [][2]time.Duration{{1000, 1300}, {2000, 2600}, {4000, 5200}, {8000, 10400}}
		if len(at) != 5 {
			t.Fatalf("%d calls, want 5", len(at))
		}
		for i, w := range want {
			got := at[i+1].Sub(at[i])
			if got < w[0]*time.Millisecond || got > w[1]*time.Millisecond {
				t.Errorf("wait before retry %d = %v, want %vms to %vms", i+1, got, w[0], w[1])
			}
		}
	})
}

func TestSucceedsAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		v, err := DoValue(t.Context(), func(context.Context) (string, error) {
			calls++
			if calls < 3 {
				return "partial", errConn
			}
			return "ok", nil
		})
		if err != nil || v != "ok" || calls != 3 {
			t.Fatalf("got %q, %v after %d calls; want ok, nil, 3", v, err, calls)
		}
	})
}

func TestDoValueZeroOnFailure(t *testing.T) {
	v, err := DoValue(t.Context(), func(context.Context) (int, error) { return 42, errOther },
		If(func(error) bool { return false }))
	if v != 0 || !errors.Is(err, errOther) {
		t.Fatalf("got %d, %v; want 0 and errOther", v, err)
	}
}

func TestCancelStopsWaitAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(500*time.Millisecond, cancel)
		start := time.Now()
		calls := 0
		err := Do(ctx, func(context.Context) error { calls++; return errConn }, MaxAttempts(10))
		if got := time.Since(start); got != 500*time.Millisecond {
			t.Fatalf("Do returned after %v, want exactly 500ms (the cancel)", got)
		}
		if calls != 1 {
			t.Fatalf("%d calls, want 1", calls)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errConn) {
			t.Fatalf("err %v must match both context.Canceled and the last error", err)
		}
		var re *Error
		if !errors.As(err, &re) || re.Attempts != 1 || !errors.Is(re.Cause, context.Canceled) {
			t.Fatalf("err %#v: want *Error with 1 attempt and Cause Canceled", err)
		}
	})
}

func TestNoWaitPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
		defer cancel()
		start := time.Now()
		calls := 0
		// Retry 1 waits 1.0-1.3s (fits); retry 2 waits 2.0-2.6s (would pass the deadline).
		err := Do(ctx, func(context.Context) error { calls++; return errConn }, MaxAttempts(5))
		elapsed := time.Since(start)
		if calls != 2 {
			t.Fatalf("%d calls, want 2", calls)
		}
		if elapsed > 1300*time.Millisecond {
			t.Fatalf("Do slept into the deadline: returned after %v", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errConn) {
			t.Fatalf("err %v must match DeadlineExceeded and errConn", err)
		}
		if ctx.Err() != nil {
			t.Fatalf("the context expired before Do returned; it should give up at once")
		}
	})
}

func TestCallersContextErrorNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := Do(ctx, func(ctx context.Context) error {
		calls++
		cancel()
		return ctx.Err()
	}, BaseDelay(0))
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("%d calls, err %v; want 1 call and Canceled", calls, err)
	}
}

func TestCancelledBeforeFirstAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	err := Do(ctx, func(context.Context) error { calls++; return nil })
	var re *Error
	if calls != 0 || !errors.As(err, &re) || re.Attempts != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("calls %d err %v; want no call and a Canceled *Error", calls, err)
	}
	if want := "retry: context canceled before the first attempt"; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		err := Do(t.Context(), func(ctx context.Context) error {
			calls++
			if calls < 3 {
				<-ctx.Done() // hang until the attempt's own timeout
				return ctx.Err()
			}
			return nil
		}, AttemptTimeout(time.Second), BaseDelay(time.Millisecond))
		if err != nil || calls != 3 {
			t.Fatalf("err %v after %d calls; want success on call 3", err, calls)
		}
	})
}

func TestMaxTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		calls := 0
		err := Do(t.Context(), func(context.Context) error { calls++; return errConn },
			MaxAttempts(100), BaseDelay(time.Second), Exponential(false), Jitter(0), MaxTime(3500*time.Millisecond))
		if calls != 4 || time.Since(start) != 3*time.Second {
			t.Fatalf("%d calls in %v; want 4 calls in 3s (the 4th wait would pass 3.5s)", calls, time.Since(start))
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want DeadlineExceeded", err)
		}
	})
}

func TestPermanent(t *testing.T) {
	calls := 0
	err := Do(t.Context(), func(context.Context) error {
		calls++
		return Permanent(fmt.Errorf("bad input: %w", errOther))
	})
	if calls != 1 || !errors.Is(err, errOther) || IsPermanent(err) {
		t.Fatalf("calls %d err %v; want 1 call, the inner error returned unwrapped", calls, err)
	}
	var re *Error
	if errors.As(err, &re) {
		t.Fatalf("a permanent error must not be reported as a give-up: %v", err)
	}
	if Permanent(nil) != nil {
		t.Fatal("Permanent(nil) != nil")
	}
	if !IsPermanent(fmt.Errorf("wrapped: %w", Permanent(errOther))) {
		t.Fatal("IsPermanent does not see through wrapping")
	}
}

func TestOnAndIf(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		give  error
		calls int
	}{
		{"default retries all", nil, errOther, 3},
		{"On matches", []Option{On(errConn, errTimeout)}, fmt.Errorf("dial: %w", errTimeout), 3},
		{"On does not match", []Option{On(errConn, errTimeout)}, errOther, 1},
		{"If true", []Option{If(func(err error) bool { return errors.Is(err, errOther) })}, errOther, 3},
		{"If false", []Option{If(func(err error) bool { return false })}, errConn, 1},
		{"On and If both needed", []Option{On(errConn), If(func(error) bool { return false })}, errConn, 1},
		{"declared not retryable", nil, notRetryable{}, 1},
		{"If cannot override the declaration", []Option{If(func(error) bool { return true })}, notRetryable{}, 1},
		{"On cannot override the declaration", []Option{On(notRetryable{})}, notRetryable{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := Do(t.Context(), func(context.Context) error { calls++; return tt.give },
				append([]Option{BaseDelay(0)}, tt.opts...)...)
			if calls != tt.calls {
				t.Fatalf("%d calls, want %d", calls, tt.calls)
			}
			var re *Error
			if gaveUp := errors.As(err, &re); gaveUp != (tt.calls == 3) {
				t.Fatalf("err %v: *Error = %v, want %v", err, gaveUp, tt.calls == 3)
			}
			if !errors.Is(err, tt.give) {
				t.Fatalf("err %v does not match %v", err, tt.give)
			}
		})
	}
}

type notRetryable struct{}

func (notRetryable) Error() string   { return "circuit open" }
func (notRetryable) Retryable() bool { return false }

type slowDown struct{ after time.Duration }

func (s slowDown) Error() string             { return "slow down" }
func (s slowDown) RetryAfter() time.Duration { return s.after }

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Time
		_ = Do(t.Context(), func(context.Context) error {
			at = append(at, time.Now())
			if len(at) == 1 {
				return slowDown{5 * time.Second}
			}
			return slowDown{time.Hour}
		}, BaseDelay(time.Second), MaxDelay(10*time.Second), Jitter(0))
		if got := at[1].Sub(at[0]); got != 5*time.Second {
			t.Errorf("first wait %v, want the 5s the error asked for", got)
		}
		if got := at[2].Sub(at[1]); got != 10*time.Second {
			t.Errorf("second wait %v, want 10s (an hour capped by MaxDelay)", got)
		}
	})
}

func TestPanicPropagatesNotRetried(t *testing.T) {
	calls := 0
	defer func() {
		if r := recover(); r != "boom" || calls != 1 {
			t.Fatalf("recovered %v after %d calls; want boom after 1", r, calls)
		}
	}()
	_ = Do(t.Context(), func(context.Context) error { calls++; panic("boom") })
	t.Fatal("Do returned instead of panicking")
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		give Option
		want string
	}{
		{MaxAttempts(0), "MaxAttempts(0): must be at least 1"},
		{BaseDelay(-time.Second), "BaseDelay(-1s): must not be negative"},
		{MaxDelay(-1), "MaxDelay(-1ns): must not be negative"},
		{Jitter(-0.1), "Jitter(-0.1): must be from 0 to 10"},
		{Jitter(11), "Jitter(11): must be from 0 to 10"},
		{BaseDelay(2 * time.Minute), "base delay 2m0s is above max delay 1m0s"},
		{On(), "On() with no errors"},
		{If(nil), "If(nil)"},
		{Backoff(nil), "Backoff(nil)"},
		{WithBudget(nil), "WithBudget(nil)"},
		{Option{}, "the zero Option"},
		{MaxTime(-1), "MaxTime(-1ns): must not be negative"},
	}
	for _, tt := range tests {
		called := false
		err := Do(t.Context(), func(context.Context) error { called = true; return nil }, tt.give)
		if called || !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Do with %s: called %v, err %v", tt.want, called, err)
		}
	}
	// A base above the default max is fine when the max is raised too.
	if err := Do(t.Context(), func(context.Context) error { return nil }, BaseDelay(2*time.Minute), MaxDelay(time.Hour)); err != nil {
		t.Fatalf("BaseDelay(2m) with MaxDelay(1h): %v", err)
	}
}

func TestLinearAndCustomBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var gaps []time.Duration
		last := time.Now()
		record := func(context.Context) error {
			gaps = append(gaps, time.Since(last))
			last = time.Now()
			return errConn
		}
		_ = Do(t.Context(), record, MaxAttempts(4), Exponential(false), Jitter(0), BaseDelay(300*time.Millisecond))
		if fmt.Sprint(gaps) != "[0s 300ms 300ms 300ms]" {
			t.Errorf("constant backoff gaps %v", gaps)
		}
		gaps, last = nil, time.Now()
		var prevs []time.Duration
		s := backoff.Func(func(n int, prev time.Duration) time.Duration {
			prevs = append(prevs, prev)
			return time.Duration(n) * time.Second
		})
		_ = Do(t.Context(), record, MaxAttempts(4), Backoff(s))
		if fmt.Sprint(gaps) != "[0s 1s 2s 3s]" || fmt.Sprint(prevs) != "[0s 1s 2s]" {
			t.Errorf("custom backoff gaps %v, prevs %v", gaps, prevs)
		}
	})
}

func TestOnRetryNotifyAndLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var onRetry []string
		var events []string
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
		err := Do(t.Context(), func(context.Context) error { return errConn },
			Name("fetch-assets"), MaxAttempts(3), BaseDelay(time.Second), Jitter(0), Logger(logger),
			OnRetry(func(attempt int, err error) { onRetry = append(onRetry, fmt.Sprint(attempt, err)) }),
			Notify(func(e Event) {
				events = append(events, fmt.Sprint(e.Kind, e.Attempt, e.MaxAttempts, e.Delay, e.Elapsed))
			}))
		if err == nil {
			t.Fatal("want an error")
		}
		if got := strings.Join(onRetry, ";"); got != "1 connection error;2 connection error" {
			t.Errorf("OnRetry got %q", got)
		}
		want := "attempt 1 3 0s 0s;retry 1 3 1s 0s;attempt 2 3 0s 1s;retry 2 3 2s 1s;attempt 3 3 0s 3s;give_up 3 3 0s 3s"
		if got := strings.Join(events, ";"); got != want {
			t.Errorf("events\n got %s\nwant %s", got, want)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		wantLines := []string{
			`level=WARN msg="[Retry 1/2] fetch-assets (delay: 1000ms, reason: connection error)" op=fetch-assets retry=1 max_retries=2 delay=1s error="connection error"`,
			`level=WARN msg="[Retry 2/2] fetch-assets (delay: 2000ms, reason: connection error)" op=fetch-assets retry=2 max_retries=2 delay=2s error="connection error"`,
			`level=ERROR msg="[Retry] fetch-assets: retry: gave up after 3 attempts: connection error" op=fetch-assets attempts=3 error="connection error"`,
		}
		if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
			t.Errorf("log\n got %s\nwant %s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
		}
	})
}

// countingBudget allows a fixed number of retries; it is a real Budget, not
// a mock: retry only sees the interface.
type countingBudget struct {
	left                            int
	requests, retries, oks, cancels int
	kinds                           []Outcome // AllowRetry's outcomes, in order
	next                            Ticket
}

func (b *countingBudget) CancelRetry(t Ticket) {
	if t != 0 {
		b.cancels++
		b.left++
	}
}

func (b *countingBudget) Request() { b.requests++ }
func (b *countingBudget) AllowRetry(o Outcome) (Ticket, bool) {
	b.kinds = append(b.kinds, o)
	if b.left == 0 {
		return 0, false
	}
	b.left--
	b.next++
	return b.next, true
}
func (b *countingBudget) Outcome(t Ticket, o Outcome) {
	if t != 0 {
		b.retries++
	}
	if o == OutcomeOK {
		b.oks++
	}
}

// TestBudgetOutcomes: Do tells the budget why an attempt failed.
func TestBudgetOutcomes(t *testing.T) {
	b := &countingBudget{left: 10}
	errs := []error{errConn, retryAfterError{}, context.DeadlineExceeded}
	n := 0
	_ = Do(t.Context(), func(ctx context.Context) error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		<-ctx.Done() // the attempt timeout
		return ctx.Err()
	}, BaseDelay(0), MaxAttempts(5), AttemptTimeout(time.Millisecond), WithBudget(b))
	want := []Outcome{OutcomeTransient, OutcomeOverloaded, OutcomeTimedOut, OutcomeTimedOut}
	if !slices.Equal(b.kinds, want) {
		t.Fatalf("outcomes %v, want %v", b.kinds, want)
	}
}

type retryAfterError struct{}

func (retryAfterError) Error() string             { return "slow down" }
func (retryAfterError) RetryAfter() time.Duration { return 0 }

func TestBudget(t *testing.T) {
	b := &countingBudget{left: 1}
	var rejected int
	calls := 0
	err := Do(t.Context(), func(context.Context) error { calls++; return errConn },
		BaseDelay(0), MaxAttempts(5), WithBudget(b),
		Notify(func(e Event) {
			if e.Kind == EventBudgetRejected {
				rejected++
			}
		}))
	if calls != 2 || !errors.Is(err, ErrBudgetExhausted) || !errors.Is(err, errConn) || rejected != 1 {
		t.Fatalf("calls %d rejected %d err %v; want 2 calls, then a budget rejection carrying errConn", calls, rejected, err)
	}
	if b.requests != 1 || b.retries != 1 {
		t.Fatalf("budget saw %d requests, %d retries; want 1, 1", b.requests, b.retries)
	}
	_ = Do(t.Context(), func(context.Context) error { return nil }, WithBudget(b))
	if b.requests != 2 || b.oks != 1 {
		t.Fatalf("budget saw %d requests, %d successes; want 2, 1", b.requests, b.oks)
	}
}

func TestErrorUnwrapOrder(t *testing.T) {
	e1, e2 := errors.New("first"), errors.New("second")
	e := &Error{Attempts: 2, Errors: []error{e1, e2}, Cause: context.Canceled}
	got := e.Unwrap()
	if len(got) != 3 || got[0] != context.Canceled || got[1] != e2 || got[2] != e1 {
		t.Fatalf("Unwrap = %v; want Cause, then the last attempt's error first", got)
	}
	if e.Last() != e2 || (&Error{}).Last() != nil {
		t.Fatal("Last")
	}
	if want := "retry: stopped after 2 attempts: context canceled: second"; e.Error() != want {
		t.Fatalf("Error() = %q, want %q", e.Error(), want)
	}
}

// A retry the budget granted but that was never made goes back to it, when
// the context ends during the wait and when the function panics.
func TestBudgetCancelRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &countingBudget{left: 5}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(500*time.Millisecond, cancel)
		_ = Do(ctx, func(context.Context) error { return errConn }, WithBudget(b))
		if b.cancels != 1 || b.left != 5 {
			t.Fatalf("after a cancelled wait: %d cancels, %d left; want 1 and 5", b.cancels, b.left)
		}
		calls := 0
		func() {
			defer func() { _ = recover() }()
			_ = Do(t.Context(), func(context.Context) error {
				if calls++; calls == 2 {
					panic("boom")
				}
				return errConn
			}, WithBudget(b), BaseDelay(0))
		}()
		if b.cancels != 2 || b.left != 5 {
			t.Fatalf("after a panic in the retry: %d cancels, %d left; want 2 and 5", b.cancels, b.left)
		}
		_ = Do(t.Context(), func(context.Context) error { return errConn }, WithBudget(b), BaseDelay(0))
		if b.cancels != 2 {
			t.Fatalf("retries that were made must not be cancelled: %d cancels", b.cancels)
		}
	})
}

// An error that is not retried ends the call's need to retry: the budget
// hears ok, so permanent errors of a healthy dependency do not close it.
func TestBudgetOutcomeOfNonRetryable(t *testing.T) {
	b := &countingBudget{left: 5}
	_ = Do(t.Context(), func(context.Context) error { return Permanent(errOther) }, WithBudget(b))
	_ = Do(t.Context(), func(context.Context) error { return errOther }, WithBudget(b), On(errConn))
	if b.oks != 2 {
		t.Fatalf("budget heard %d ok outcomes, want 2", b.oks)
	}
	_ = Do(t.Context(), func(context.Context) error { return errConn }, WithBudget(b), MaxAttempts(1))
	if b.oks != 2 {
		t.Fatalf("a retryable failure counted as ok (%d)", b.oks)
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(MaxAttempts(2), BaseDelay(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := Validate(MaxAttempts(2), Options(BaseDelay(2*time.Minute))); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("Validate(base 2m over max 60s) = %v", err)
	}
	if err := Validate(Jitter(-1)); err == nil || !strings.Contains(err.Error(), "Jitter(-1)") {
		t.Fatalf("Validate(Jitter(-1)) = %v", err)
	}
}

// preflight and check agree: whatever preflight lets through for the fast
// path, check accepts.
func TestPreflightAgreesWithCheck(t *testing.T) {
	all := []Option{MaxAttempts(0), MaxAttempts(2), BaseDelay(-1), BaseDelay(2 * time.Minute), BaseDelay(0),
		MaxDelay(time.Second), MaxDelay(time.Hour), Jitter(11), Jitter(0.1), Exponential(false), On(), On(errConn),
		If(nil), Backoff(backoff.Constant{}), Name("x"), Option{}, Options(MaxDelay(time.Millisecond))}
	for i, a := range all {
		for j, b := range all {
			opts := []Option{a, b}
			if preflight(opts) && Validate(opts...) != nil {
				t.Errorf("options %d, %d: preflight allows the fast path but Validate says %v", i, j, Validate(opts...))
			}
		}
	}
}

// The success path allocates nothing, with and without shared options.
func TestSuccessPathAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	opts := []Option{MaxAttempts(5), BaseDelay(10 * time.Millisecond), On(errConn), Name("x")}
	if n := testing.AllocsPerRun(1000, func() { _ = Do(ctx, fn) }); n != 0 {
		t.Errorf("Do: %v allocations per call, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = Do(ctx, fn, opts...) }); n != 0 {
		t.Errorf("Do with options: %v allocations per call, want 0", n)
	}
	b := &countingBudget{}
	if n := testing.AllocsPerRun(1000, func() { _ = Do(ctx, fn, WithBudget(b)) }); n != 0 {
		t.Errorf("Do with a budget: %v allocations per call, want 0", n)
	}
	vfn := func(context.Context) (int, error) { return 1, nil }
	if n := testing.AllocsPerRun(1000, func() { _, _ = DoValue(ctx, vfn, opts...) }); n != 0 {
		t.Errorf("DoValue: %v allocations per call, want 0", n)
	}
}

// Many goroutines share one option slice and one budget-free policy.
func TestConcurrentUse(t *testing.T) {
	opts := []Option{MaxAttempts(3), BaseDelay(0), On(errConn)}
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				n := 0
				err := Do(context.Background(), func(context.Context) error {
					total.Add(1)
					n++
					if n < 2 && (g+i)%2 == 0 {
						return errConn
					}
					return nil
				}, opts...)
				if err != nil {
					t.Errorf("Do: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := total.Load(); got != 16*200+16*100 {
		t.Fatalf("%d calls, want %d", got, 16*200+16*100)
	}
}

func BenchmarkBareCall(b *testing.B) {
	fn := func(context.Context) error { return nil }
	ctx := context.Background()
	for b.Loop() {
		_ = fn(ctx)
	}
}

func BenchmarkDoSuccess(b *testing.B) {
	fn := func(context.Context) error { return nil }
	ctx := context.Background()
	b.Run("defaults", func(b *testing.B) {
		for b.Loop() {
			_ = Do(ctx, fn)
		}
	})
	opts := []Option{MaxAttempts(3), BaseDelay(time.Second), On(errConn)}
	b.Run("options", func(b *testing.B) {
		for b.Loop() {
			_ = Do(ctx, fn, opts...)
		}
	})
}

func BenchmarkDoFailTwice(b *testing.B) {
	ctx := context.Background()
	opts := []Option{MaxAttempts(3), BaseDelay(0)}
	for b.Loop() {
		n := 0
		_ = Do(ctx, func(context.Context) error {
			n++
			if n < 3 {
				return errConn
			}
			return nil
		}, opts...)
	}
}
