package limit

import (
	"math"
	"testing"
	"time"
)

// A limit at math.MaxInt (Min and Max both, "no limit") stays there after an
// overload signal: float64(math.MaxInt) is 2^63, which does not convert back
// to an int64.
func TestMaxIntLimitSurvivesCut(t *testing.T) {
	l, err := New(Min(math.MaxInt), Max(math.MaxInt))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	p, err := l.AcquireAt(t0)
	if err != nil {
		t.Fatal(err)
	}
	p.DoneAt(t0.Add(time.Millisecond), Overloaded)
	if got := l.Limit(); got != math.MaxInt {
		t.Errorf("Limit = %d after a cut, want math.MaxInt (Min)", got)
	}
	p, err = l.AcquireAt(t0.Add(2 * time.Millisecond))
	if err != nil {
		t.Errorf("Acquire after the cut: %v", err)
	}
	p.Done(OK)
}

// A window whose latencies add up to more than the accumulator's 40 bits of
// µs (12.7 days: 300 long polls of 72 minutes that end together) must not
// carry into its count of calls: the no-load latency learnt stays that of
// the calls.
func TestWindowSumDoesNotCarry(t *testing.T) {
	l, err := New(Initial(500), Max(1000))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	ps := make([]Permit, 300)
	for i := range ps {
		if ps[i], err = l.AcquireAt(t0); err != nil {
			t.Fatal(err)
		}
	}
	end := t0.Add(72 * time.Minute)
	for _, p := range ps { // the first ends the window begun at New
		p.DoneAt(end, OK)
	}
	later := end.Add(2 * DefaultMaxWindow) // ends the window of the other 299
	p, err := l.AcquireAt(later)
	if err != nil {
		t.Fatal(err)
	}
	p.DoneAt(later, OK)
	if got := l.Stats().Baseline; got < 60*time.Minute {
		t.Errorf("Baseline = %v after calls of 72 minutes (capped at %v), want at least 1h",
			got, time.Duration(maxSample)*time.Microsecond)
	}
}
