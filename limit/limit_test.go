package limit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestNewOptions(t *testing.T) {
	tests := []struct {
		give []Option
		ok   bool
	}{
		{nil, true},
		{[]Option{Initial(5), Min(5), Max(5)}, true},
		{[]Option{Min(30)}, true}, // Initial follows Min when not set
		{[]Option{Max(10)}, true}, // and Max
		{[]Option{Min(0)}, false},
		{[]Option{Max(0)}, false},
		{[]Option{Min(5), Max(4)}, false},
		{[]Option{Initial(0)}, false},
		{[]Option{Initial(2000)}, false},
		{[]Option{Tolerance(0.9)}, false},
		{[]Option{Tolerance(11)}, false},
		{[]Option{Backoff(0)}, false},
		{[]Option{Backoff(1.1)}, false},
		{[]Option{Backoff(1)}, true},
		{[]Option{Window(0)}, false},
		{[]Option{Window(2 * time.Second)}, false},
		{[]Option{{}}, false},
	}
	for _, tt := range tests {
		l, err := New(tt.give...)
		if (err == nil) != tt.ok {
			t.Errorf("New(%v) = %v; want ok=%v", tt.give, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidOption) {
			t.Errorf("New(%v) = %v; does not match ErrInvalidOption", tt.give, err)
		}
		if l != nil && (l.Limit() < l.c.min || l.Limit() > l.c.max) {
			t.Errorf("New(%v): limit %d outside [%d, %d]", tt.give, l.Limit(), l.c.min, l.c.max)
		}
	}
}

func TestRejectsAtOnce(t *testing.T) {
	l, err := New(Initial(2), Min(2), Max(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p1, err1 := l.Acquire(ctx)
	p2, err2 := l.Acquire(ctx)
	if err1 != nil || err2 != nil {
		t.Fatalf("Acquire under the limit: %v, %v", err1, err2)
	}
	p3, err := l.Acquire(ctx)
	if !errors.Is(err, ErrLimited) {
		t.Fatalf("third Acquire = %v, want ErrLimited", err)
	}
	var r interface{ Retryable() bool }
	if !errors.As(err, &r) || r.Retryable() {
		t.Errorf("ErrLimited must declare itself not retryable")
	}
	p3.Done(OK) // the zero Permit: no effect
	if got := l.InFlight(); got != 2 {
		t.Errorf("InFlight = %d, want 2", got)
	}
	if !l.Full() {
		t.Error("Full = false with 2 of 2 in flight")
	}
	p1.Done(OK)
	p2.Done(Failed)
	if st := l.Stats(); st.InFlight != 0 || st.Rejected != 1 || st.Limit != 2 {
		t.Errorf("Stats = %+v, want 0 in flight, 1 rejected, limit 2", st)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire with a done context = %v, want context.Canceled", err)
	}
}

// An overload signal cuts the limit once for all the calls admitted before
// the cut, and again for a call admitted after it.
func TestOverloadCutsOncePerGeneration(t *testing.T) {
	t0 := time.Now()
	l := newLimiter(defaults(), t0)
	var ps []Permit
	for range 10 {
		p, err := l.AcquireAt(t0)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for i, p := range ps {
		p.DoneAt(t0.Add(time.Duration(30+i)*time.Millisecond), Overloaded)
	}
	if got, want := l.Limit(), int(DefaultInitial*DefaultBackoff); got != want {
		t.Fatalf("after 10 timeouts of calls admitted together: limit %d, want %d (one cut)", got, want)
	}
	p, _ := l.AcquireAt(t0.Add(50 * time.Millisecond))
	p.DoneAt(t0.Add(80*time.Millisecond), Overloaded)
	if got, want := l.Limit(), 16; got != want { // 20 × 0.9 × 0.9, rounded down
		t.Errorf("after a timeout of a call admitted after the cut: limit %d, want %d", got, want)
	}
	for range 100 {
		p, _ := l.AcquireAt(t0.Add(time.Second))
		p.DoneAt(t0.Add(time.Second), Overloaded)
	}
	if got := l.Limit(); got != DefaultMin {
		t.Errorf("after 100 cuts: limit %d, want Min %d", got, DefaultMin)
	}
	if l.InFlight() != 0 {
		t.Errorf("InFlight = %d after every permit was reported", l.InFlight())
	}
}

// drive runs inflight calls at a time, each taking rtt(inflight), for d,
// in explicit time, and returns the time it reached.
func drive(l *Limiter, t0 time.Time, from time.Duration, d time.Duration, inflight int, rtt func(n int) time.Duration) time.Duration {
	at := from
	for at < from+d {
		ps := make([]Permit, 0, inflight)
		for range inflight {
			if p, err := l.AcquireAt(t0.Add(at)); err == nil {
				ps = append(ps, p)
			}
		}
		r := rtt(len(ps))
		at += r
		for _, p := range ps {
			p.DoneAt(t0.Add(at), OK)
		}
	}
	return at
}

func TestLatencyMovesTheLimit(t *testing.T) {
	t0 := time.Now()
	l := newLimiter(defaults(), t0)
	flat := func(int) time.Duration { return 10 * time.Millisecond }
	// Light use: 3 of 20 in flight, however slow, teaches nothing.
	drive(l, t0, 0, time.Second, 3, func(int) time.Duration { return 80 * time.Millisecond })
	if l.Limit() != DefaultInitial {
		t.Fatalf("limit %d after light use, want %d unchanged", l.Limit(), DefaultInitial)
	}
	// Full use at a flat latency: the limit grows.
	l = newLimiter(defaults(), t0)
	at := drive(l, t0, 0, time.Second, 20, flat)
	grown := l.Limit()
	if grown <= DefaultInitial {
		t.Fatalf("limit %d after full use at a flat latency, want above %d", grown, DefaultInitial)
	}
	// Queueing: latency proportional to the calls in flight beyond 4.
	queueing := func(n int) time.Duration { return time.Duration(max(n, 4)) * 10 * time.Millisecond / 4 }
	drive(l, t0, at, 5*time.Second, 200, queueing)
	if got := l.Limit(); got < 4 || got > 12 {
		t.Errorf("limit %d under queueing beyond 4 in flight, want from 4 to 12 (latency under 3x)", got)
	}
	if st := l.Stats(); st.Baseline < 9*time.Millisecond || st.Baseline > 11*time.Millisecond {
		t.Errorf("Baseline = %v, want about 10ms", st.Baseline)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{OK: "ok", Failed: "failed", Overloaded: "overloaded", 9: "unknown"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q, want %q", o, o.String(), want)
		}
	}
}
