package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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

// tally is a Budget that counts what it is told.
type tally struct{ requests, grants, outcomes, cancels int }

func (b *tally) Request() { b.requests++ }
func (b *tally) AllowRetry(Outcome) (Ticket, bool) {
	b.grants++
	return Ticket(b.grants), true
}
func (b *tally) Outcome(Ticket, Outcome) { b.outcomes++ }
func (b *tally) CancelRetry(Ticket)      { b.cancels++ }

// recorder collects events.
func recorder(events *[]Event) func(any, Event) {
	return func(_ any, e Event) { *events = append(*events, e) }
}

// Between End and Wait, Abandon and Limited stop the loop before the retry
// is announced (no OnRetry, no KindRetry, no log line) and give the grant
// back; Limited reports KindLimited for the attempt that is not made.
func TestStopBeforeWait(t *testing.T) {
	for _, limited := range []bool{false, true} {
		var b tally
		var events []Event
		var retried int
		var log strings.Builder
		errFull := errors.New("full")
		l := Loop{MaxAttempts: 3, Budget: &b, Notify: recorder(&events), Name: "op",
			Logger:   slog.New(slog.NewTextHandler(&log, nil)),
			OnRetry:  func(int, error) { retried++ },
			NewError: func(n int, errs []error, cause error) error { return cause }}
		l.Begin(context.Background())
		if s := l.End(Result{Err: errFail, Retryable: true}); s != Wait {
			t.Fatalf("End = %v, want Wait", s)
		}
		var s Step
		if limited {
			s = l.Limited(errFull)
		} else {
			s = l.Abandon(errFull)
		}
		if s != Stop || l.Cause() != errFull || l.Attempt() != 1 {
			t.Fatalf("limited %v: %v, cause %v, attempt %d; want Stop, full, 1", limited, s, l.Cause(), l.Attempt())
		}
		if retried != 0 || log.Len() != 0 || b.grants != 1 || b.cancels != 1 {
			t.Errorf("limited %v: OnRetry %d times, log %q, %d grants, %d cancels; want 0, none, 1, 1",
				limited, retried, log.String(), b.grants, b.cancels)
		}
		var got []Kind
		for _, e := range events {
			got = append(got, e.Kind)
		}
		want := []Kind{KindAttempt, KindGiveUp}
		if limited {
			want = []Kind{KindAttempt, KindLimited, KindGiveUp}
			if events[1].Attempt != 2 {
				t.Errorf("KindLimited for attempt %d, want 2", events[1].Attempt)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("limited %v: events %v, want %v", limited, got, want)
		}
	}
	// Without a stop, Wait announces the retry once.
	var events []Event
	var retried int
	l := Loop{MaxAttempts: 3, Notify: recorder(&events), OnRetry: func(int, error) { retried++ }}
	l.Begin(context.Background())
	l.End(Result{Err: errFail, Retryable: true})
	if len(events) != 1 || retried != 0 {
		t.Fatalf("after End: %d events, OnRetry %d times; want 1 and 0 (announced by Wait)", len(events), retried)
	}
	l.Wait()
	if len(events) != 2 || events[1].Kind != KindRetry || events[1].Attempt != 1 || retried != 1 {
		t.Errorf("after Wait: events %+v, OnRetry %d times; want KindRetry for attempt 1, once", events, retried)
	}
}

// Limited: a refused first attempt is Done; a refused retry stops with the
// attempts made and gives back its grant.
func TestLimited(t *testing.T) {
	errLimited := errors.New("limited")
	var b tally
	var events []Event
	newErr := func(n int, errs []error, cause error) error {
		return fmt.Errorf("%d attempts, %d failures: %w", n, len(errs), cause)
	}
	l := Loop{MaxAttempts: 3, Budget: &b, Notify: recorder(&events), NewError: newErr}
	l.Begin(context.Background())
	if s := l.Limited(errLimited); s != Done || b.cancels != 0 {
		t.Fatalf("first attempt: Limited = %v, %d cancels; want Done, 0", s, b.cancels)
	}
	events = nil
	l = Loop{MaxAttempts: 3, Budget: &b, Notify: recorder(&events), NewError: newErr}
	l.Begin(context.Background())
	if l.End(Result{Err: errFail, Retryable: true}) != Wait || l.Wait() != Wait {
		t.Fatal("no retry")
	}
	if s := l.Limited(errLimited); s != Stop || !errors.Is(l.Err(), errLimited) || l.Attempt() != 1 {
		t.Fatalf("retry: Limited = %v, err %v, attempt %d; want Stop, limited, 1", s, l.Err(), l.Attempt())
	}
	if got := l.Err().Error(); got != "1 attempts, 1 failures: limited" {
		t.Errorf("Err = %q, want the one attempt made", got)
	}
	if b.cancels != 1 {
		t.Errorf("%d cancels, want 1", b.cancels)
	}
	if len(events) < 3 || events[2].Kind != KindLimited || events[2].Attempt != 2 {
		t.Errorf("events %+v, want the third KindLimited for attempt 2", events)
	}
}
