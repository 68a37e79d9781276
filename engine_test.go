package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/internal/engine"
)

// Around starts before the first attempt, hands its context to the
// attempts and to the events, and finishes with Do's error; several nest.
func TestAround(t *testing.T) {
	type key struct{}
	var trace []string
	hook := func(name string) Option {
		return Around(func(ctx context.Context) (context.Context, func(error)) {
			trace = append(trace, "start "+name)
			return context.WithValue(ctx, key{}, name), func(err error) {
				trace = append(trace, fmt.Sprintf("finish %s: %v", name, err))
			}
		})
	}
	var seen, events []any
	n := 0
	err := Do(context.Background(), func(ctx context.Context) error {
		seen = append(seen, ctx.Value(key{}))
		if n++; n < 2 {
			return errConn
		}
		return nil
	}, BaseDelay(0), hook("outer"), hook("inner"), Notify(func(e Event) {
		events = append(events, e.Context.Value(key{}))
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"start outer", "start inner", "finish inner: <nil>", "finish outer: <nil>"}
	if fmt.Sprint(trace) != fmt.Sprint(want) {
		t.Errorf("trace %q, want %q", trace, want)
	}
	if fmt.Sprint(seen) != "[inner inner]" {
		t.Errorf("attempts saw %v, want the inner hook's context twice", seen)
	}
	if len(events) != 3 || events[0] != "inner" || events[2] != "inner" {
		t.Errorf("events saw %v, want the inner hook's context", events)
	}

	trace = nil
	err = Do(context.Background(), func(context.Context) error { return errConn },
		MaxAttempts(2), BaseDelay(0), hook("only"))
	var re *Error
	if !errors.As(err, &re) || len(trace) != 2 || !strings.HasPrefix(trace[1], "finish only: retry: gave up after 2 attempts") {
		t.Errorf("give-up: err %v, trace %q", err, trace)
	}
	if err := Validate(Around(nil)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("Around(nil): %v, want ErrInvalidOption", err)
	}
}

// Regression (issue 13.5): one attempt is "1 attempt".
func TestErrorPlural(t *testing.T) {
	tests := []struct {
		give *Error
		want string
	}{
		{&Error{Attempts: 1, Errors: []error{errConn}}, "retry: gave up after 1 attempt: " + errConn.Error()},
		{&Error{Attempts: 2, Errors: []error{errConn, errConn}}, "retry: gave up after 2 attempts: " + errConn.Error()},
		{&Error{Attempts: 1, Errors: []error{errConn}, Cause: ErrBudgetExhausted}, "retry: stopped after 1 attempt: retry: retry budget exhausted: " + errConn.Error()},
	}
	for _, tt := range tests {
		if got := tt.give.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// Regression (issue 13.4): an env duration too large is out of range, and
// so is a count.
func TestEnvOutOfRange(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"RETRY_BASE_DELAY", "99999999999h", "out of range"},
		{"RETRY_MAX_DELAY", "1e300", "too large"},
		{"MAX_RETRY_ATTEMPTS", "99999999999999999999", "out of range"},
		{"RETRY_BASE_DELAY", "fast", "not a number of seconds"},
		{"RETRY_BASE_DELAY", "5 parsecs", "not a number of seconds"},
	}
	for _, tt := range tests {
		_, err := FromLookup(func(k string) (string, bool) {
			if k == tt.name {
				return tt.value, true
			}
			return "", false
		})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) ||
			!strings.Contains(err.Error(), tt.value) {
			t.Errorf("%s=%s: err = %v, want the variable, the value and %q", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestDurationSyntax(t *testing.T) {
	for give, want := range map[string]bool{
		"1h": true, "99999999999h": true, "1.5h30m": true, "-3s": true, "250ms": true, "2µs": true,
		"": false, "h": false, "1x": false, "fast": false, "1": false, ".h": false, "1hm": false,
	} {
		if got := durationSyntax(give); got != want {
			t.Errorf("durationSyntax(%q) = %v, want %v", give, got, want)
		}
	}
}

// The fail-twice path allocates nothing: errors live in the loop's buffer,
// and a delay under engine.MinTimer arms no timer.
func TestFailTwiceAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	for _, base := range []time.Duration{0, time.Nanosecond} {
		opts := []Option{MaxAttempts(3), BaseDelay(base)}
		n := 0
		fn := func(context.Context) error {
			if n++; n%3 != 0 {
				return errConn
			}
			return nil
		}
		if a := testing.AllocsPerRun(1000, func() { _ = Do(ctx, fn, opts...) }); a != 0 {
			t.Errorf("base %v: %v allocations, want 0", base, a)
		}
	}
}

// The engine's event kinds are retry's, value for value: adapters convert
// one to the other with a plain conversion.
func TestEventKindsMatchTheEngine(t *testing.T) {
	pairs := []struct {
		k    engine.Kind
		want EventKind
	}{
		{engine.KindAttempt, EventAttempt}, {engine.KindRetry, EventRetry}, {engine.KindGiveUp, EventGiveUp},
		{engine.KindBudgetRejected, EventBudgetRejected}, {engine.KindLimited, EventLimited},
	}
	for _, p := range pairs {
		if EventKind(p.k) != p.want {
			t.Errorf("engine kind %d is %v, want %v", p.k, EventKind(p.k), p.want)
		}
	}
	if got := EventLimited.String(); got != "limited" {
		t.Errorf("EventLimited.String() = %q", got)
	}
}

// asNotRetryable answers errors.As for a retryabler with one that says no,
// and wraps nothing else.
type asNotRetryable struct{ inner error }

func (e asNotRetryable) Error() string { return "as: " + e.inner.Error() }
func (e asNotRetryable) Unwrap() error { return e.inner }
func (e asNotRetryable) As(target any) bool {
	if p, ok := target.(*retryabler); ok {
		*p = Permanent(errors.New("declared")).(*permanentError)
		return true
	}
	return false
}

// asNothing has an As method that never matches, over a Permanent error.
type asNothing struct{ inner error }

func (e asNothing) Error() string      { return "nothing: " + e.inner.Error() }
func (e asNothing) Unwrap() error      { return e.inner }
func (e asNothing) As(target any) bool { return false }

// Errors with an As method keep their meaning in the error-tree walk: one
// that answers for Retryable stops the retries; one that answers nothing
// leaves what it wraps (Permanent) to be found below it.
func TestFindAsMethods(t *testing.T) {
	calls := 0
	err := Do(context.Background(), func(context.Context) error {
		calls++
		return asNotRetryable{errors.New("x")}
	}, MaxAttempts(3), BaseDelay(0))
	if calls != 1 || err == nil {
		t.Errorf("As-declared not retryable: %d calls, err %v; want 1 call", calls, err)
	}
	calls = 0
	perm := errors.New("perm")
	err = Do(context.Background(), func(context.Context) error {
		calls++
		return asNothing{fmt.Errorf("w: %w", Permanent(perm))}
	}, MaxAttempts(3), BaseDelay(0))
	if calls != 1 || !IsPermanent(asNothing{Permanent(perm)}) {
		t.Errorf("Permanent below an As method: %d calls, err %v; want 1 call", calls, err)
	}
}
