package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nop-platform/retry/backoff"
)

// The delay: the specification's formula, Retry-After as a floor capped by
// Max, and no wait at all when Max is 0 (retryhttp's MaxDelay(0)).
func TestPick(t *testing.T) {
	tests := []struct {
		name string
		n    int
		u    float64
		ra   time.Duration
		max  time.Duration
		want time.Duration
	}{
		{"first, no jitter", 1, 0, 0, 10 * time.Second, time.Second},
		{"first, half jitter", 1, 0.5, 0, 10 * time.Second, 1150 * time.Millisecond},
		{"third", 3, 0.5, 0, 10 * time.Second, 4600 * time.Millisecond},
		{"capped", 5, 0, 0, 10 * time.Second, 10 * time.Second},
		{"overflow", 10000, 0.5, 0, 10 * time.Second, 10 * time.Second},
		{"retry-after above backoff", 1, 0, 5 * time.Second, 10 * time.Second, 5 * time.Second},
		{"retry-after below backoff", 3, 0, 2 * time.Second, 10 * time.Second, 4 * time.Second},
		{"retry-after capped", 1, 0, time.Hour, 10 * time.Second, 10 * time.Second},
		{"max 0: at once", 3, 0.5, time.Hour, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Loop{Base: time.Second, Max: tt.max, Jitter: 0.3}
			if got := l.pick(tt.n, tt.u, tt.ra); got != tt.want {
				t.Errorf("pick(%d, %v, %v) = %v, want %v", tt.n, tt.u, tt.ra, got, tt.want)
			}
		})
	}
	l := Loop{Base: time.Second, Max: 3 * time.Second, Linear: true}
	if got := l.pick(5, 0, 0); got != time.Second {
		t.Errorf("linear: pick(5) = %v, want 1s", got)
	}
	l = Loop{Strategy: backoff.Constant{Delay: 7 * time.Millisecond}, Max: time.Second}
	if got := l.pick(2, 0, 50*time.Millisecond); got != 50*time.Millisecond {
		t.Errorf("strategy with Retry-After: pick = %v, want 50ms", got)
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		subject, reason, want string
	}{
		{"GET /api/v1/assets/", "Network Error", "[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)"},
		{"GET /a\n2026/01/01 WARN [Retry 9/9] FORGED", "x", `[Retry 1/3] GET /a\n2026/01/01 WARN [Retry 9/9] FORGED (delay: 1234ms, reason: x)`},
		{"call", "bad\r\x00\x7f\ttab", `[Retry 1/3] call (delay: 1234ms, reason: bad\r\x00\x7f\ttab)`},
	}
	for _, tt := range tests {
		if got := Line(1, 3, tt.subject, 1234567890*time.Nanosecond, tt.reason); got != tt.want {
			t.Errorf("Line(%q, %q) = %q, want %q", tt.subject, tt.reason, got, tt.want)
		}
	}
}

var errFail = errors.New("fail")

// A Loop with no budget and no observers: the steps an adapter sees.
func TestSteps(t *testing.T) {
	l := Loop{MaxAttempts: 3, NewError: func(n int, errs []error, cause error) error {
		return errors.Join(append(errs, cause)...)
	}}
	l.Begin(context.Background())
	for want := 1; want <= 2; want++ {
		if l.Attempt() != want {
			t.Fatalf("Attempt() = %d, want %d", l.Attempt(), want)
		}
		if s := l.End(Result{Err: errFail, Retryable: true}); s != Wait {
			t.Fatalf("attempt %d: End = %v, want Wait", want, s)
		}
		if s := l.Wait(); s != Wait {
			t.Fatalf("Wait = %v", s)
		}
	}
	if s := l.End(Result{Err: errFail, Retryable: true}); s != Stop || l.Cause() != nil {
		t.Fatalf("third failure: End = %v, cause %v; want Stop, nil", s, l.Cause())
	}
	if got := l.failures(); len(got) != 3 {
		t.Errorf("failures = %v, want 3", got)
	}
	l = Loop{MaxAttempts: 3}
	l.Begin(context.Background())
	if s := l.End(Result{Err: errFail}); s != Done {
		t.Errorf("not retryable: End = %v, want Done", s)
	}
}

// More failures than the inline buffer holds keep their order.
func TestFailuresOrder(t *testing.T) {
	l := Loop{MaxAttempts: 10}
	l.Begin(context.Background())
	var want []error
	for i := range 9 {
		e := errors.New(string(rune('a' + i)))
		want = append(want, e)
		if l.End(Result{Err: e, Retryable: true}) != Wait || l.Wait() != Wait {
			t.Fatal("stopped early")
		}
	}
	got := l.failures()
	if len(got) != len(want) {
		t.Fatalf("%d failures, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failure %d = %v, want %v", i, got[i], want[i])
		}
	}
}
