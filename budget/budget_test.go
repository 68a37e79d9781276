package budget_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

var _ retry.Budget = (*budget.Budget)(nil)

func mustNew(t testing.TB, opts ...budget.Option) *budget.Budget {
	t.Helper()
	b, err := budget.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drain asks for retries after o, each failing, until one is refused, and
// returns how many were granted (at most max).
func drain(b *budget.Budget, o retry.Outcome, limit int) int {
	n := 0
	for ; n < limit; n++ {
		tk, ok := b.AllowRetry(o)
		if !ok {
			return n
		}
		b.Outcome(tk, max(o, retry.OutcomeTransient)) // it failed
	}
	return n
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  budget.Option
		ok   bool
	}{
		{"burst", budget.Burst(10), true},
		{"burst 0", budget.Burst(0), true},
		{"burst negative", budget.Burst(-1), false},
		{"burst huge", budget.Burst(2e6), false},
		{"ratio", budget.Ratio(0.1), true},
		{"ratio NaN", budget.Ratio(nanF()), false},
		{"cost", budget.Cost(retry.OutcomeOverloaded, 5), true},
		{"cost of ok", budget.Cost(retry.OutcomeOK, 1), false},
		{"cost negative", budget.Cost(retry.OutcomeTransient, -1), false},
		{"window", budget.Window(time.Second), true},
		{"window short", budget.Window(time.Millisecond), false},
		{"zero option", budget.Option{}, false},
	}
	for _, tt := range tests {
		_, err := budget.New(tt.opt)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, budget.ErrInvalidOption) {
			t.Errorf("%s: err %v does not match ErrInvalidOption", tt.name, err)
		}
		if _, gerr := budget.NewGroup(4, tt.opt); (gerr == nil) != tt.ok {
			t.Errorf("%s: NewGroup err %v, want ok %v", tt.name, gerr, tt.ok)
		}
	}
}

func nanF() float64 { var z float64; return z / z }

// TestColdStart: a new Budget grants the Burst: 50 transient retries, or
// 25 after overload or timeouts, then refuses.
func TestColdStart(t *testing.T) {
	for _, tt := range []struct {
		o    retry.Outcome
		want int
	}{{retry.OutcomeTransient, 50}, {retry.OutcomeOverloaded, 25}, {retry.OutcomeTimedOut, 25}, {retry.OutcomeOK, 50}} {
		b := mustNew(t)
		if got := drain(b, tt.o, 1000); got != tt.want {
			t.Errorf("after %v: %d retries granted, want %d", tt.o, got, tt.want)
		}
		st := b.Stats()
		if st.Credit >= 1 || st.Available != 0 || st.Denied != 1 || st.Retries != int64(tt.want) {
			t.Errorf("after %v: stats %+v", tt.o, st)
		}
	}
}

// TestEarn: once the bucket is empty, each success earns Ratio: two
// successes pay for a transient retry, four for an overloaded one; first
// attempts that fail earn nothing, and time refills nothing.
func TestEarn(t *testing.T) {
	b := mustNew(t)
	drain(b, retry.OutcomeTransient, 1000)
	t0 := time.Now()
	for range 100 {
		b.RequestAt(t0)
		b.OutcomeAt(t0, 0, retry.OutcomeTransient)
	}
	if _, ok := b.AllowRetryAt(t0.Add(time.Hour), retry.OutcomeTransient); ok {
		t.Fatal("a retry granted with an empty bucket, after failures and an hour")
	}
	b.Outcome(0, retry.OutcomeOK)
	if _, ok := b.AllowRetry(retry.OutcomeTransient); ok {
		t.Fatal("one success paid for a whole retry")
	}
	b.Outcome(0, retry.OutcomeOK)
	tk, ok := b.AllowRetry(retry.OutcomeTransient)
	if !ok || tk == 0 {
		t.Fatalf("two successes did not pay for a transient retry (%v, %v)", tk, ok)
	}
	b.Outcome(tk, retry.OutcomeTransient)
	for range 3 {
		b.Outcome(0, retry.OutcomeOK)
	}
	if _, ok := b.AllowRetry(retry.OutcomeOverloaded); ok {
		t.Fatal("three successes paid for an overloaded retry")
	}
	b.Outcome(0, retry.OutcomeOK)
	if _, ok := b.AllowRetry(retry.OutcomeOverloaded); !ok {
		t.Fatal("four successes did not pay for an overloaded retry")
	}
}

// TestRefund: a successful retry gets its cost back and earns Ratio; a
// cancelled one gets its cost back; the bucket never holds more than Burst.
func TestRefund(t *testing.T) {
	b := mustNew(t, budget.Burst(4))
	a, _ := b.AllowRetry(retry.OutcomeOverloaded) // 2 left
	c, _ := b.AllowRetry(retry.OutcomeTransient)  // 1 left
	if got := b.Stats().Credit; got != 1 {
		t.Fatalf("credit %v, want 1", got)
	}
	b.CancelRetry(c) // 2
	b.Outcome(a, retry.OutcomeOK)
	if got := b.Stats().Credit; got != 4 {
		t.Fatalf("credit %v after a cancel and a success, want 4 (the Burst)", got)
	}
	b.Outcome(0, retry.OutcomeOK)
	if got := b.Stats().Credit; got != 4 {
		t.Fatalf("credit %v, want at most the Burst", got)
	}
	b.CancelRetry(0) // ignored
	st := b.Stats()
	if st.Retries != 2 || st.Succeeded != 1 || st.Canceled != 1 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestTicketsOutOfOrder: the cap is exact whatever order outcomes come in:
// after any interleaving of grants and settlements, the bucket holds the
// Burst less the cost of the failed retries and of those in flight, plus
// what successes earned.
func TestTicketsOutOfOrder(t *testing.T) {
	b := mustNew(t, budget.Ratio(0), budget.Burst(20))
	var tks []retry.Ticket
	kinds := []retry.Outcome{retry.OutcomeTransient, retry.OutcomeOverloaded, retry.OutcomeTimedOut}
	for i := range 9 {
		tk, ok := b.AllowRetry(kinds[i%3])
		if !ok {
			t.Fatalf("retry %d refused", i)
		}
		tks = append(tks, tk)
	} // charged 3 x (1+2+2) = 15; 5 left
	// Settle in reverse: the overloaded and timed-out ones succeed (refund
	// 2 each), the transient ones fail; the last one is cancelled.
	for i := len(tks) - 1; i >= 1; i-- {
		if kinds[i%3] == retry.OutcomeTransient {
			b.Outcome(tks[i], retry.OutcomeTransient)
		} else {
			b.Outcome(tks[i], retry.OutcomeOK)
		}
	}
	b.CancelRetry(tks[0])
	// Failed: transient ones at 3 and 6 (cost 1 each); the one at 0 cancelled.
	if got, want := b.Stats().Credit, 18.0; got != want {
		t.Errorf("credit %v, want %v", got, want)
	}
}

// TestNoOvershoot: 64 goroutines ask for retries after overload and fail
// them, while others succeed; the failed retries never cost more than the
// Burst plus Ratio per success, and once all is settled the bucket holds
// exactly what the sums say.
func TestNoOvershoot(t *testing.T) {
	b := mustNew(t)
	var granted, successes atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 500 {
				b.Request()
				if (g+i)%4 == 0 {
					successes.Add(1)
					b.Outcome(0, retry.OutcomeOK)
					continue
				}
				b.Outcome(0, retry.OutcomeOverloaded)
				tk, ok := b.AllowRetry(retry.OutcomeOverloaded)
				if !ok {
					continue
				}
				if g := granted.Add(1); 2*float64(g) > 50+0.5*float64(successes.Load())+1e-9 {
					t.Errorf("overshoot: %d overloaded retries granted for %d successes", g, successes.Load())
				}
				b.Outcome(tk, retry.OutcomeOverloaded)
			}
		})
	}
	wg.Wait()
	// The bucket holds at most what the sums say (less when a success
	// came while it was full and earned nothing); spending what is left
	// empties it to below one retry's cost.
	sums := func() float64 { return 50 + 0.5*float64(successes.Load()) - 2*float64(granted.Load()) }
	if c := b.Stats().Credit; c > sums()+1e-6 {
		t.Errorf("credit %v, sums say at most %v", c, sums())
	}
	granted.Add(int64(drain(b, retry.OutcomeOverloaded, 1e6)))
	st := b.Stats()
	if st.Credit >= 2 || st.Credit > sums()+1e-6 {
		t.Errorf("credit %v after spending it, sums say at most %v", st.Credit, sums())
	}
	if st.Retries != granted.Load() || st.Requests != 64*500 || st.FailedOverloaded != granted.Load() {
		t.Errorf("stats %+v, granted %d", st, granted.Load())
	}
}

// TestRefusal: the first refusal is reported at once with figures, later
// ones not until a Window has passed, and only while refusals go on.
func TestRefusal(t *testing.T) {
	b := mustNew(t, budget.Burst(4), budget.Window(time.Second))
	t0 := time.Now()
	if _, report := b.RefusalAt(t0); report {
		t.Fatal("a report before any refusal")
	}
	for range 3 {
		b.RequestAt(t0)
		b.OutcomeAt(t0, 0, retry.OutcomeOverloaded)
		if tk, ok := b.AllowRetryAt(t0, retry.OutcomeOverloaded); ok {
			b.OutcomeAt(t0, tk, retry.OutcomeOverloaded)
		}
	}
	reason, report := b.RefusalAt(t0)
	t.Logf("reason: %s", reason)
	want := "2 of the last 2 retries failed (2 overloaded), 1 refused, 3 of 3 first attempts failed; 0 of 4 tokens, a retry costs 1 (2 overloaded, 2 timed out)"
	if !report || reason != want {
		t.Fatalf("Refusal() = %q, %v; want %q, true", reason, report, want)
	}
	b.AllowRetryAt(t0, retry.OutcomeOverloaded)
	if r, report := b.RefusalAt(t0.Add(999 * time.Millisecond)); report || r != want {
		t.Fatalf("reported again within the Window: %q, %v", r, report)
	}
	if _, report := b.RefusalAt(t0.Add(time.Second)); !report {
		t.Fatal("not reported after a Window with refusals")
	}
	if _, report := b.RefusalAt(t0.Add(5 * time.Second)); report {
		t.Fatal("reported with no refusal since the last report")
	}
	if !strings.Contains(want, "overloaded") {
		t.Fatal("unreachable")
	}
}

// TestNoAlloc: no method allocates, Refusal included when it has nothing
// to report.
func TestNoAlloc(t *testing.T) {
	b := mustNew(t, budget.Burst(2))
	b.AllowRetry(retry.OutcomeTransient)
	b.AllowRetry(retry.OutcomeTransient)
	b.AllowRetry(retry.OutcomeTransient)
	b.Refusal()
	n := testing.AllocsPerRun(100, func() {
		b.Request()
		b.Outcome(0, retry.OutcomeOK)
		b.Outcome(0, retry.OutcomeTransient)
		tk, _ := b.AllowRetry(retry.OutcomeTransient)
		b.Outcome(tk, retry.OutcomeTransient)
		tk, _ = b.AllowRetry(retry.OutcomeTransient)
		b.CancelRetry(tk)
		b.Refusal()
		b.Stats()
	})
	if n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

// TestRefusalLogged: retry.Do with a Logger writes one record when the
// budget starts refusing, not one per call.
func TestRefusalLogged(t *testing.T) {
	b := mustNew(t, budget.Burst(3))
	var logs strings.Builder
	l := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for range 10 {
		_ = retry.Do(t.Context(), func(context.Context) error { return errors.New("down") },
			retry.MaxAttempts(4), retry.BaseDelay(0), retry.WithBudget(b), retry.Logger(l), retry.Name("inventory"))
	}
	want := "retry budget for inventory is throttling retries: 3 of the last 3 retries failed, 1 refused, 2 of 2 first attempts failed"
	if n := strings.Count(logs.String(), "is throttling retries"); n != 1 || !strings.Contains(logs.String(), want) {
		t.Errorf("%d throttling records, want 1 containing %q:\n%s", n, want, logs.String())
	}
}
