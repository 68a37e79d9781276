package budget_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nop-platform/retry/budget"
)

// TestRefundLeavesWithCharge: a refund is credited to the tenth where its
// retry was charged. Retries granted at t0 that succeed 11s later, when
// their charges have left the window, make no credit for the retries of the
// window then: only the floor.
func TestRefundLeavesWithCharge(t *testing.T) {
	b := mustNew(t, noGate) // floor 10, ratio 0.25, refund 0.9
	t0 := time.Now()
	requests(b, t0, 100)
	n := 0
	for b.AllowRetryAt(t0) && n < 100 {
		n++
	}
	if n != 35 {
		t.Fatalf("%d retries granted at t0, want 35", n)
	}
	t1 := t0.Add(11 * time.Second)
	for range n {
		b.OutcomeAt(t1, true, true)
	}
	if got := allowN(b, t1, 100); got != 10 {
		t.Errorf("%d failed retries allowed in a window with no calls, want the floor, 10", got)
	}
	if st := b.StatsAt(t1); st.Retries != 10 || st.Succeeded != 0 || st.Credit != 0 {
		t.Errorf("stats %+v, want 10 retries, none succeeded, credit 0", st)
	}

	// The same when a retry granted at t0+11s, before the outcomes, has
	// moved the window on: the successes are taken as the t0 retries'.
	b = mustNew(t, noGate)
	requests(b, t0, 100)
	for range 35 {
		if !b.AllowRetryAt(t0) {
			t.Fatal("retry refused at t0")
		}
	}
	if !b.AllowRetryAt(t1) {
		t.Fatal("retry refused at t0+11s")
	}
	for range 35 {
		b.OutcomeAt(t1, true, true)
	}
	if st := b.StatsAt(t1); st.Retries != 1 || st.Succeeded != 0 || st.Credit != 9 {
		t.Errorf("stats %+v, want 1 retry, in flight, and credit 9", st)
	}
	if got := allowN(b, t1, 100); got != 9 {
		t.Errorf("%d more failed retries allowed with one in flight, want 9", got)
	}

	// Outcomes within the window are credited: 35 successes at t0+5s cost
	// 3.5, leaving 31.5 of 35.
	b = mustNew(t, noGate)
	requests(b, t0, 100)
	for range 35 {
		if !b.AllowRetryAt(t0) {
			t.Fatal("retry refused")
		}
	}
	t5 := t0.Add(5 * time.Second)
	for range 35 {
		b.OutcomeAt(t5, true, true)
	}
	if got := allowN(b, t5, 100); got != 31 {
		t.Errorf("%d failed retries allowed after 35 successful ones, want 31", got)
	}
	// At t0+10s the deposits and the successes have left the window; the
	// 31 failed retries charged at t0+5s have not.
	if got := allowN(b, t0.Add(10*time.Second), 100); got != 0 {
		t.Errorf("%d failed retries allowed at t0+10s, want 0", got)
	}
}

// TestCapInOrder drives a Budget with random calls, retries, outcomes and
// cancels at explicit times, against a model that knows which retry each
// outcome belongs to, with outcomes coming in the order the retries were
// granted, tenth by tenth (within a tenth, in any order). The Budget's
// credit is the model's at every step: in the window, the floor, plus
// Ratio per call, less 1 for each failed or pending retry, 1-Refund for
// each successful one, nothing for a cancelled one; and it grants a retry
// only when that credit is at least 1.
func TestCapInOrder(t *testing.T) {
	for _, refund := range []float64{0.9, 0.5, 0} {
		for seed := range uint64(100) {
			t.Run(fmt.Sprintf("refund=%v/seed=%d", refund, seed), func(t *testing.T) {
				capInOrder(t, refund, seed)
			})
		}
	}
}

func capInOrder(t *testing.T, refund float64, seed uint64) {
	const (
		pending = iota
		failed
		succeeded
		cancelled
	)
	type retry struct {
		sec   int
		state int
	}
	b := mustNew(t, noGate, budget.MinPerSecond(0.2), budget.Refund(refund)) // floor 2
	t0 := time.Now()                                                         // tenths are whole seconds from t0
	r := rand.New(rand.NewPCG(seed, 7))
	sec := 0
	calls := map[int]int{}
	var retries []retry
	var out []int // pending retries, oldest first
	credit := func() float64 {
		c := 2.0
		for s, n := range calls {
			if s > sec-10 {
				c += 0.25 * float64(n)
			}
		}
		for _, rt := range retries {
			if rt.sec <= sec-10 {
				continue
			}
			switch rt.state {
			case pending, failed:
				c--
			case succeeded:
				c -= 1 - refund
			}
		}
		return c
	}
	for step := range 600 {
		now := t0.Add(time.Duration(sec) * time.Second)
		switch x := r.IntN(100); {
		case x < 8:
			sec += 1 + r.IntN(3)
		case x < 40:
			b.RequestAt(now)
			calls[sec]++
		case x < 70 || len(out) == 0:
			c := credit()
			if got := b.AllowRetryAt(now); got != (c >= 1-1e-9) {
				t.Fatalf("step %d: AllowRetry = %v with credit %.2f", step, got, c)
			} else if got {
				retries = append(retries, retry{sec, pending})
				out = append(out, len(retries)-1)
			}
		default:
			// Any pending retry of the oldest tenth with one.
			n := 1
			for n < len(out) && retries[out[n]].sec == retries[out[0]].sec {
				n++
			}
			k := r.IntN(n)
			i := out[k]
			out = append(out[:k], out[k+1:]...)
			switch y := r.IntN(3); y {
			case 0:
				b.CancelRetryAt(now)
				retries[i].state = cancelled
			default:
				ok := y == 1
				b.OutcomeAt(now, true, ok)
				retries[i].state = failed
				if ok {
					retries[i].state = succeeded
				}
			}
		}
		now = t0.Add(time.Duration(sec) * time.Second)
		if got, want := b.StatsAt(now).Credit, credit(); math.Abs(got-want) > 1e-9 {
			t.Fatalf("step %d: credit %.2f, want %.2f", step, got, want)
		}
	}
}

// twins returns two Budgets with the same options.
func twins(t *testing.T, opts ...budget.Option) (a, b *budget.Budget) {
	return mustNew(t, opts...), mustNew(t, opts...)
}

// same fails unless a and b are alike at now: the same Stats, and the
// same number of failed retries allowed.
func same(t *testing.T, what string, a, b *budget.Budget, now time.Time) {
	t.Helper()
	if sa, sb := a.StatsAt(now), b.StatsAt(now); sa != sb {
		t.Errorf("%s: stats %+v, want %+v", what, sb, sa)
	}
	if na, nb := allowN(a, now, 200), allowN(b, now, 200); na != nb {
		t.Errorf("%s: %d failed retries allowed, want %d", what, nb, na)
	}
}

// TestCancelRetry: a granted retry given back with CancelRetry leaves the
// Budget as if it had never been granted.
func TestCancelRetry(t *testing.T) {
	t0 := time.Now()

	// A warm gate: after 100 successes, 4 failed retries pass, however
	// many retries were granted and given back.
	a, b := twins(t)
	for _, x := range []*budget.Budget{a, b} {
		for range 100 {
			x.RequestAt(t0)
			x.OutcomeAt(t0, false, true)
		}
	}
	for range 3 {
		if !b.AllowRetryAt(t0) {
			t.Fatal("retry refused")
		}
		b.CancelRetryAt(t0)
	}
	if st := b.StatsAt(t0); st.Retries != 0 || st.Available != 35 {
		t.Errorf("stats %+v, want no retries and 35 available", st)
	}
	same(t, "warm gate", a, b, t0)
	if got := allowN(b, t0, 10); got != 0 {
		t.Errorf("%d more retries after the gate closed", got)
	}

	// The cap alone, with retries pending and settled around the cancel,
	// in several tenths.
	a, b = twins(t, noGate, budget.MinPerSecond(0))
	t1, t2 := t0.Add(time.Second), t0.Add(2*time.Second)
	for _, x := range []*budget.Budget{a, b} {
		requests(x, t0, 40) // credit 10
		x.AllowRetryAt(t0)
		x.AllowRetryAt(t0)
		x.OutcomeAt(t1, true, true) // one succeeds, one pending
		x.AllowRetryAt(t1)
		x.OutcomeAt(t1, true, false)
	}
	b.AllowRetryAt(t2)
	b.AllowRetryAt(t2)
	b.CancelRetryAt(t2)
	b.CancelRetryAt(t2)
	for _, x := range []*budget.Budget{a, b} {
		x.AllowRetryAt(t2)
		x.OutcomeAt(t2, true, true)
	}
	same(t, "cap", a, b, t2)

	// A closed gate's probe given back: the next retry is the probe.
	a, b = twins(t)
	for _, x := range []*budget.Budget{a, b} {
		allowN(x, t0, 3)
	}
	t10 := t0.Add(10 * time.Second)
	if !b.AllowRetryAt(t10) {
		t.Fatal("probe refused")
	}
	b.CancelRetryAt(t10)
	if sa, sb := a.StatsAt(t10), b.StatsAt(t10); sa != sb {
		t.Errorf("probe: stats %+v, want %+v", sb, sa)
	}
	for _, x := range []*budget.Budget{a, b} {
		if !x.AllowRetryAt(t10) {
			t.Fatal("probe refused after a probe given back")
		}
		if x.AllowRetryAt(t10) {
			t.Fatal("second retry allowed while the probe is out")
		}
		x.OutcomeAt(t10, true, false)
	}
	same(t, "probe", a, b, t0.Add(20*time.Second))

	// Given back with the clock: the methods that read it.
	a, b = twins(t, budget.MinPerSecond(0), budget.Ratio(1))
	for _, x := range []*budget.Budget{a, b} {
		x.Request()
		x.Request()
	}
	if !b.AllowRetry() {
		t.Fatal("retry refused")
	}
	b.CancelRetry()
	if sa, sb := a.Stats(), b.Stats(); sa.Retries != sb.Retries || sa.Credit != sb.Credit {
		t.Errorf("clock: stats %+v, want %+v", sb, sa)
	}
}
