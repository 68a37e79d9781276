package budget_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

var _ retry.Budget = (*budget.Budget)(nil)

func mustNew(t *testing.T, opts ...budget.Option) *budget.Budget {
	t.Helper()
	b, err := budget.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noGate turns the failure gate off, to test the cap alone.
var noGate = budget.Tolerance(1e9)

// allowN asks for n retries at now, each failing, and returns how many
// were allowed.
func allowN(b *budget.Budget, now time.Time, n int) int {
	got := 0
	for range n {
		if b.AllowRetryAt(now) {
			got++
			b.OutcomeAt(now, true, false)
		}
	}
	return got
}

// requests records n calls whose first attempt fails.
func requests(b *budget.Budget, now time.Time, n int) {
	for range n {
		b.RequestAt(now)
		b.OutcomeAt(now, false, false)
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		give budget.Option
	}{
		{"zero Option", budget.Option{}},
		{"negative ratio", budget.Ratio(-0.1)},
		{"NaN ratio", budget.Ratio(math.NaN())},
		{"huge ratio", budget.Ratio(1001)},
		{"negative floor", budget.MinPerSecond(-1)},
		{"infinite floor", budget.MinPerSecond(math.Inf(1))},
		{"short window", budget.Window(time.Millisecond)},
		{"refund above 1", budget.Refund(1.5)},
		{"NaN refund", budget.Refund(math.NaN())},
		{"zero tolerance", budget.Tolerance(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := budget.New(tt.give)
			if !errors.Is(err, budget.ErrInvalidOption) || b != nil {
				t.Errorf("New = %v, %v; want nil and an error matching ErrInvalidOption", b, err)
			}
			g, err := budget.NewGroup(2, tt.give)
			if !errors.Is(err, budget.ErrInvalidOption) || g != nil {
				t.Errorf("NewGroup = %v, %v; want nil and an error matching ErrInvalidOption", g, err)
			}
		})
	}
	valid := []budget.Option{budget.Ratio(0), budget.Ratio(1000), budget.MinPerSecond(0),
		budget.Window(10 * time.Millisecond), budget.Refund(0), budget.Refund(1), budget.Tolerance(1)}
	if _, err := budget.New(valid...); err != nil {
		t.Errorf("New(valid options) = %v", err)
	}
	if _, err := budget.NewGroup(0); !errors.Is(err, budget.ErrInvalidOption) {
		t.Errorf("NewGroup(0) = %v, want ErrInvalidOption", err)
	}
}

// TestFloor: a Budget with no traffic allows MinPerSecond times the
// window's seconds, at once, then nothing until the window moves on.
func TestFloor(t *testing.T) {
	b := mustNew(t, noGate) // floor 1/s over 10s: 10
	t0 := time.Now()
	if got := allowN(b, t0, 20); got != 10 {
		t.Errorf("fresh budget allowed %d retries, want the floor, 10", got)
	}
	if got := allowN(b, t0.Add(5*time.Second), 5); got != 0 {
		t.Errorf("5s later: %d retries, want 0 (the window still holds the 10)", got)
	}
	if got := allowN(b, t0.Add(10*time.Second), 20); got != 10 {
		t.Errorf("a window later: %d retries, want 10 again", got)
	}
}

// TestRatio: each call deposits Ratio retries.
func TestRatio(t *testing.T) {
	tests := []struct {
		ratio    float64
		requests int
		want     int
	}{
		{0.25, 3, 0},
		{0.25, 4, 1},
		{0.25, 100, 25},
		{0.1, 100, 10},
		{2, 3, 6},
		{0, 1000, 0},
	}
	for _, tt := range tests {
		b := mustNew(t, noGate, budget.MinPerSecond(0), budget.Ratio(tt.ratio))
		t0 := time.Now()
		requests(b, t0, tt.requests)
		if got := allowN(b, t0, tt.want+10); got != tt.want {
			t.Errorf("Ratio(%v), %d requests: %d retries, want %d", tt.ratio, tt.requests, got, tt.want)
		}
	}
}

// TestRefund: a retry that succeeds costs 1-Refund.
func TestRefund(t *testing.T) {
	b := mustNew(t, noGate, budget.MinPerSecond(0)) // ratio 0.25, refund 0.9
	t0 := time.Now()
	requests(b, t0, 4) // credit 1
	if !b.AllowRetryAt(t0) {
		t.Fatal("retry refused with credit 1")
	}
	b.OutcomeAt(t0, true, false) // a failed retry costs 1: credit 0
	if b.AllowRetryAt(t0) {
		t.Fatal("retry allowed with credit 0")
	}
	requests(b, t0, 4) // credit 1
	if !b.AllowRetryAt(t0) {
		t.Fatal("retry refused with credit 1")
	}
	b.OutcomeAt(t0, true, true) // a successful retry costs 0.1: credit 0.9
	if b.AllowRetryAt(t0) {
		t.Fatal("retry allowed with credit 0.9")
	}
	requests(b, t0, 1) // credit 1.15
	if got := b.StatsAt(t0).Credit; math.Abs(got-1.15) > 1e-9 {
		t.Errorf("credit %v, want 1.15", got)
	}

	// Successful retries cost a tenth each: with credit 10 from the floor,
	// they pass while credit is at least 1: 91 of them.
	b = mustNew(t, noGate)
	n := 0
	for b.AllowRetryAt(t0) && n < 1000 {
		n++
		b.OutcomeAt(t0, true, true)
	}
	if n != 91 {
		t.Errorf("%d successful retries allowed, want 91", n)
	}
}

// TestRefundNoCredit: a refund never creates credit, even when the retry it
// belongs to was charged to a slot that has left the window.
func TestRefundNoCredit(t *testing.T) {
	b := mustNew(t, noGate, budget.MinPerSecond(0), budget.Ratio(1))
	t0 := time.Now()
	requests(b, t0, 5)
	for range 5 {
		if !b.AllowRetryAt(t0) {
			t.Fatal("retry refused")
		}
	}
	// The retries' outcomes come in 10s later, when their charges and the
	// deposits have left the window.
	t1 := t0.Add(10 * time.Second)
	for range 5 {
		b.OutcomeAt(t1, true, true)
	}
	if st := b.StatsAt(t1); st.Credit != 0 || st.Available != 0 {
		t.Errorf("refunds alone made credit: %+v", st)
	}
}

// TestWindow: deposits last a window, in tenths.
func TestWindow(t *testing.T) {
	b := mustNew(t, noGate, budget.MinPerSecond(0), budget.Ratio(1))
	t0 := time.Now()
	requests(b, t0, 5)
	if got := b.StatsAt(t0.Add(8900 * time.Millisecond)).Available; got != 5 {
		t.Errorf("8.9s later: %d retries available, want 5", got)
	}
	if got := b.StatsAt(t0.Add(10 * time.Second)).Available; got != 0 {
		t.Errorf("10s later: %d retries available, want 0", got)
	}
	// A retry charged at 5s leaves with its tenth, and so frees its credit
	// for the deposits made after it.
	b = mustNew(t, noGate, budget.MinPerSecond(0), budget.Ratio(1))
	requests(b, t0, 1)
	requests(b, t0.Add(5*time.Second), 1)
	if allowN(b, t0.Add(5*time.Second), 3) != 2 {
		t.Fatal("want 2 retries at 5s")
	}
	if got := allowN(b, t0.Add(12*time.Second), 3); got != 0 {
		t.Errorf("12s: %d retries, want 0 (the second deposit is spent)", got)
	}
	if got := b.StatsAt(t0.Add(16 * time.Second)).Available; got != 0 {
		t.Errorf("16s: %d retries available, want 0", got)
	}
}

// TestGate: three failed retries in a row stop retries; a success brings
// them back.
func TestGate(t *testing.T) {
	b := mustNew(t)
	t0 := time.Now()
	for i := range 3 {
		if !b.AllowRetryAt(t0) {
			t.Fatalf("retry %d refused", i+1)
		}
		b.OutcomeAt(t0, true, false)
	}
	if b.AllowRetryAt(t0) {
		t.Fatal("retry allowed after 3 failed retries")
	}
	if st := b.StatsAt(t0); st.Gate != 0 || st.Available != 0 || st.Denied != 1 || st.Retries != 3 {
		t.Errorf("stats %+v, want gate 0, nothing available, 1 denied, 3 retries", st)
	}
	b.OutcomeAt(t0, false, true) // a first attempt succeeds
	if !b.AllowRetryAt(t0) {
		t.Fatal("retry refused after a success")
	}
	b.OutcomeAt(t0, true, false)
	if b.AllowRetryAt(t0) {
		t.Fatal("retry allowed after another failure")
	}
}

// TestGateProbe: a closed gate forgives one failure per window; the retry
// that lets through is a probe, and the next must wait for its outcome.
func TestGateProbe(t *testing.T) {
	b := mustNew(t)
	t0 := time.Now()
	allowN(b, t0, 3)
	if got := allowN(b, t0.Add(9*time.Second), 1); got != 0 {
		t.Fatalf("9s later: %d retries, want 0", got)
	}
	t1 := t0.Add(10 * time.Second)
	if !b.AllowRetryAt(t1) {
		t.Fatal("10s later: probe refused")
	}
	if b.AllowRetryAt(t1) {
		t.Fatal("second retry allowed while the probe is out")
	}
	b.OutcomeAt(t1, true, false) // the probe fails
	if b.AllowRetryAt(t1.Add(5 * time.Second)) {
		t.Fatal("retry allowed 5s after a failed probe")
	}
	t2 := t1.Add(10 * time.Second)
	if !b.AllowRetryAt(t2) {
		t.Fatal("next probe refused")
	}
	b.OutcomeAt(t2, true, true) // it succeeds: the dependency is back
	for i := range 3 {
		if !b.AllowRetryAt(t2) {
			t.Fatalf("retry %d refused after a successful probe", i+1)
		}
	}
}

// TestGateSlack: successes bank one more failure, or two when they come
// while retries are in flight.
func TestGateSlack(t *testing.T) {
	t0 := time.Now()
	b := mustNew(t)
	b.OutcomeAt(t0, false, true)
	b.OutcomeAt(t0, false, true)
	if got := allowN(b, t0, 10); got != 4 {
		t.Errorf("after successes with nothing in flight: %d failed retries allowed, want 4", got)
	}

	b = mustNew(t)
	if !b.AllowRetryAt(t0) { // a retry in flight
		t.Fatal("retry refused")
	}
	b.OutcomeAt(t0, false, true)
	b.OutcomeAt(t0, false, true)
	b.OutcomeAt(t0, false, true)
	b.OutcomeAt(t0, true, false) // the retry in flight fails
	if got := allowN(b, t0, 10); got != 4 {
		t.Errorf("after successes with a retry in flight: %d more failed retries allowed, want 4 (5 in all)", got)
	}
}

// TestTimeBackwards: explicit times that go backwards are taken as the
// latest time seen; nothing panics and the cap holds.
func TestTimeBackwards(t *testing.T) {
	b := mustNew(t, noGate, budget.MinPerSecond(0), budget.Ratio(1))
	t0 := time.Now()
	requests(b, t0.Add(time.Hour), 2)
	requests(b, t0, 3) // stale: counted, in the newest slot
	if got := allowN(b, t0.Add(-time.Hour), 10); got != 5 {
		t.Errorf("%d retries, want 5", got)
	}
	b.OutcomeAt(time.Time{}, true, true)
	_ = b.StatsAt(time.Time{})
}

// TestPublicClock drives a Budget through the methods that read the clock.
func TestPublicClock(t *testing.T) {
	b := mustNew(t, budget.MinPerSecond(0), budget.Ratio(0.5))
	for range 4 {
		b.Request()
		b.Outcome(false, true)
	}
	// Credit 2, and the gate, warmed by successes, lets 4 failures by.
	n := 0
	for b.AllowRetry() {
		n++
		b.Outcome(true, false)
		if n > 100 {
			t.Fatal("no limit")
		}
	}
	if n != 2 {
		t.Errorf("%d failed retries, want 2", n)
	}
	if st := b.Stats(); st.Requests != 4 || st.Retries != 2 || st.Succeeded != 0 || st.Denied != 1 || st.Credit != 0 {
		t.Errorf("stats %+v", st)
	}
}
