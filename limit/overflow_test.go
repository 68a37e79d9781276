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
