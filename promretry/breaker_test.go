package promretry_test

import (
	"context"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
)

func TestBreakerStateAndTransitions(t *testing.T) {
	m, reg := setup(t)
	const recovery = 20 * time.Millisecond
	cb := breaker.New(breaker.Name("payments"), breaker.FailureThreshold(2),
		breaker.RecoveryTimeout(recovery), breaker.OnStateChange(m.OnStateChange))
	if err := m.Breaker(cb); err != nil {
		t.Fatal(err)
	}
	// Registered: the state is there from the start, closed, and so are
	// the six transition counters, at 0.
	wantSeries(t, reg, nil, "circuit_breaker_state", "circuit_breaker_transitions_total")
	if n := count(t, reg, "circuit_breaker_state"); n != 1 {
		t.Errorf("circuit_breaker_state: %d series, want 1", n)
	}
	if n := count(t, reg, "circuit_breaker_transitions_total"); n != 6 {
		t.Errorf("circuit_breaker_transitions_total: %d series, want 6", n)
	}

	ctx := context.Background()
	fail := func(context.Context) error { return errFlaky }
	cb.Do(ctx, fail)
	cb.Do(ctx, fail) // opens
	wantSeries(t, reg, []string{
		`circuit_breaker_state{name="payments"} 1`,
		`circuit_breaker_transitions_total{from="closed",name="payments",to="open"} 1`,
	}, "circuit_breaker_state", "circuit_breaker_transitions_total")

	// After the recovery timeout the scrape itself finds it half-open, and
	// the change it causes is counted.
	time.Sleep(recovery + 10*time.Millisecond)
	// Gather runs collectors concurrently, so the counter may be read before
	// the state collector's read advances the breaker: advance it first.
	cb.State()
	wantSeries(t, reg, []string{
		`circuit_breaker_state{name="payments"} 2`,
		`circuit_breaker_transitions_total{from="closed",name="payments",to="open"} 1`,
		`circuit_breaker_transitions_total{from="open",name="payments",to="half-open"} 1`,
	}, "circuit_breaker_state", "circuit_breaker_transitions_total")

	if err := cb.Do(ctx, func(context.Context) error { return nil }); err != nil { // the probe succeeds
		t.Fatal(err)
	}
	wantSeries(t, reg, []string{
		`circuit_breaker_transitions_total{from="closed",name="payments",to="open"} 1`,
		`circuit_breaker_transitions_total{from="half-open",name="payments",to="closed"} 1`,
		`circuit_breaker_transitions_total{from="open",name="payments",to="half-open"} 1`,
	}, "circuit_breaker_state", "circuit_breaker_transitions_total")
}

// Without Breaker, the state gauge shows the last change announced.
func TestBreakerUnregistered(t *testing.T) {
	m, reg := setup(t)
	cb := breaker.New(breaker.Name("db"), breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Hour),
		breaker.OnStateChange(m.OnStateChange))
	if n := count(t, reg, "circuit_breaker_state"); n != 0 {
		t.Errorf("circuit_breaker_state: %d series before any change, want 0", n)
	}
	cb.Do(context.Background(), func(context.Context) error { return errFlaky })
	wantSeries(t, reg, []string{
		`circuit_breaker_state{name="db"} 1`,
		`circuit_breaker_transitions_total{from="closed",name="db",to="open"} 1`,
	}, "circuit_breaker_state", "circuit_breaker_transitions_total")
}

func TestBreakerRegistration(t *testing.T) {
	m, _ := setup(t)
	a, b := breaker.New(breaker.Name("x")), breaker.New(breaker.Name("x"))
	if err := m.Breaker(a); err != nil {
		t.Fatal(err)
	}
	if err := m.Breaker(a); err != nil {
		t.Errorf("registering the same breaker again: %v", err)
	}
	if err := m.Breaker(b); err == nil {
		t.Error("a second breaker named x was accepted")
	}
}

func TestBudgetStats(t *testing.T) {
	m, reg := setup(t)
	b, err := budget.New(budget.Burst(2), budget.Window(time.Second)) // a bucket of 2 retries
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Budget("inventory", b); err != nil {
		t.Fatal(err)
	}
	if err := m.Budget("inventory", b); err != nil {
		t.Errorf("registering the same budget again: %v", err)
	}
	other, _ := budget.New()
	if err := m.Budget("inventory", other); err == nil {
		t.Error("a second budget named inventory was accepted")
	}
	wantSeries(t, reg, []string{
		`retry_budget_available{budget="inventory"} 2`,
		`retry_budget_credit{budget="inventory"} 2`,
	}, "retry_budget_available", "retry_budget_credit")
	if _, ok := b.AllowRetry(retry.OutcomeTransient); !ok {
		t.Fatal("the budget refused its first retry")
	}
	wantSeries(t, reg, []string{
		`retry_budget_available{budget="inventory"} 1`,
		`retry_budget_credit{budget="inventory"} 1`,
	}, "retry_budget_available", "retry_budget_credit")
}
