package promretry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/promretry"
)

var errFlaky = errors.New("flaky")

// failing returns a function that fails n times, then succeeds.
func failing(n int) func(context.Context) error {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= n {
			return errFlaky
		}
		return nil
	}
}

// quick are retry options with 1ms, 2ms, 4ms... delays.
func quick(m *promretry.Metrics, name string) []retry.Option {
	return []retry.Option{retry.Name(name), retry.BaseDelay(time.Millisecond), retry.Jitter(0), retry.Notify(m.Notify)}
}

func TestDoSucceedsAfterRetries(t *testing.T) {
	m, reg := setup(t)
	if err := retry.Do(t.Context(), failing(2), quick(m, "fetch")...); err != nil {
		t.Fatal(err)
	}
	if err := retry.Do(t.Context(), failing(0), quick(m, "fetch")...); err != nil {
		t.Fatal(err)
	}
	wantSeries(t, reg, []string{
		`retry_attempts_total{operation="fetch",outcome="error"} 2`,
		`retry_attempts_total{operation="fetch",outcome="success"} 2`,
		`retry_retries_total{operation="fetch"} 2`,
		`retry_delay_seconds_count{operation="fetch"} 2`,
		`retry_delay_seconds_sum{operation="fetch"} 0.003`, // 1ms + 2ms
	})
	// Every series of the operation exists, most at 0: attempts 2, retries
	// 1, delay 1, exhausted 6 causes, budget rejected 1.
	for name, want := range map[string]int{"retry_attempts_total": 2, "retry_retries_total": 1,
		"retry_delay_seconds": 1, "retry_exhausted_total": 6, "retry_budget_rejected_total": 1} {
		if n := count(t, reg, name); n != want {
			t.Errorf("%s: %d series, want %d", name, n, want)
		}
	}
}

func TestExhaustedCauses(t *testing.T) {
	m, reg := setup(t)
	ctx := t.Context()

	// attempts: every attempt fails.
	err := retry.Do(ctx, failing(10), append(quick(m, "a"), retry.MaxAttempts(3))...)
	if !errors.Is(err, errFlaky) {
		t.Fatal(err)
	}

	// deadline: the next delay would pass the deadline.
	dctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	err = retry.Do(dctx, failing(10), append(quick(m, "b"), retry.BaseDelay(2*time.Hour), retry.MaxDelay(2*time.Hour))...)
	if !errors.Is(err, retry.ErrDeadline) {
		t.Fatal(err)
	}

	// canceled: the context is canceled during the wait.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(10*time.Millisecond, cancel)
	err = retry.Do(cctx, failing(10), append(quick(m, "c"), retry.BaseDelay(time.Hour), retry.MaxDelay(time.Hour))...)
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}

	// budget: a budget with nothing to spend refuses the first retry.
	b, err := budget.New(budget.Ratio(0), budget.Burst(0))
	if err != nil {
		t.Fatal(err)
	}
	err = retry.Do(ctx, failing(10), append(quick(m, "d"), retry.WithBudget(b))...)
	if !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Fatal(err)
	}

	// A Permanent error ends the call without a give-up.
	_ = retry.Do(ctx, func(context.Context) error { return retry.Permanent(errFlaky) }, quick(m, "e")...)

	wantSeries(t, reg, []string{
		`retry_exhausted_total{cause="attempts",operation="a"} 1`,
		`retry_exhausted_total{cause="deadline",operation="b"} 1`,
		`retry_exhausted_total{cause="canceled",operation="c"} 1`,
		`retry_exhausted_total{cause="budget",operation="d"} 1`,
		`retry_budget_rejected_total{operation="d"} 1`,
	}, "retry_exhausted_total", "retry_budget_rejected_total")
	wantSeries(t, reg, []string{
		`retry_attempts_total{operation="a",outcome="error"} 3`,
		`retry_attempts_total{operation="b",outcome="error"} 1`,
		`retry_attempts_total{operation="c",outcome="error"} 1`,
		`retry_attempts_total{operation="d",outcome="error"} 1`,
		`retry_attempts_total{operation="e",outcome="error"} 1`,
	}, "retry_attempts_total")
}

// Events straight from a hand-made source: unknown kinds are ignored and an
// EventGiveUp without a *retry.Error counts as cause "other"; a concurrency
// limit's, as "limited".
func TestNotifyOddEvents(t *testing.T) {
	m, reg := setup(t)
	m.Notify(retry.Event{Kind: 200, Name: "x"})
	m.Notify(retry.Event{Kind: retry.EventGiveUp, Name: "x", Err: errFlaky})
	m.Notify(retry.Event{Kind: retry.EventGiveUp, Name: "x", Err: fmt.Errorf("wrapped: %w", &retry.Error{Attempts: 2})})
	m.Notify(retry.Event{Kind: retry.EventGiveUp, Name: "x", Err: &retry.Error{Attempts: 1, Cause: errFlaky}})
	m.Notify(retry.Event{Kind: retry.EventGiveUp, Name: "x", Err: &retry.Error{Attempts: 1, Cause: fmt.Errorf("host: %w", limit.ErrLimited)}})
	m.Notify(retry.Event{Kind: retry.EventLimited, Name: "x", Err: limit.ErrLimited})
	wantSeries(t, reg, []string{
		`retry_exhausted_total{cause="attempts",operation="x"} 1`,
		`retry_exhausted_total{cause="limited",operation="x"} 1`,
		`retry_exhausted_total{cause="other",operation="x"} 2`,
	})
}

func TestMaxNames(t *testing.T) {
	m, reg := setup(t, promretry.MaxNames(2))
	for _, name := range []string{"a", "b", "c", "d", "a"} {
		m.Notify(retry.Event{Kind: retry.EventRetry, Name: name, Delay: time.Second})
	}
	wantSeries(t, reg, []string{
		`retry_retries_total{operation="a"} 2`,
		`retry_retries_total{operation="b"} 1`,
		`retry_retries_total{operation="_other"} 2`,
	}, "retry_retries_total")
}

func TestNotifyAllocatesNothing(t *testing.T) {
	m, _ := setup(t)
	events := []retry.Event{
		{Kind: retry.EventAttempt, Name: "fetch"},
		{Kind: retry.EventAttempt, Name: "fetch", Err: errFlaky},
		{Kind: retry.EventRetry, Name: "fetch", Delay: 3 * time.Millisecond, Err: errFlaky},
		{Kind: retry.EventBudgetRejected, Name: "fetch", Err: errFlaky},
		{Kind: retry.EventGiveUp, Name: "fetch", Err: &retry.Error{Attempts: 3, Errors: []error{errFlaky}}},
		{Kind: retry.EventGiveUp, Name: "fetch", Err: &retry.Error{Attempts: 1, Cause: retry.ErrDeadline}},
		{Kind: retry.EventGiveUp, Name: "fetch", Err: &retry.Error{Attempts: 1, Cause: context.Canceled}},
	}
	for _, e := range events {
		m.Notify(e) // first sight of the name
		if n := testing.AllocsPerRun(100, func() { m.Notify(e) }); n != 0 {
			t.Errorf("Notify(%v, %v): %v allocations, want 0", e.Kind, e.Err, n)
		}
	}
}

func TestNewInvalidOptions(t *testing.T) {
	for _, opt := range []promretry.Option{{}, promretry.MaxNames(0), promretry.Buckets(), promretry.Buckets(1, 1)} {
		if _, err := promretry.New(nil, opt); !errors.Is(err, promretry.ErrInvalidOption) {
			t.Errorf("New: %v, want ErrInvalidOption", err)
		}
	}
	m, reg := setup(t, promretry.Buckets(0.5, 1))
	m.Notify(retry.Event{Kind: retry.EventRetry, Name: "x", Delay: 700 * time.Millisecond})
	wantSeries(t, reg, []string{
		`retry_delay_seconds_count{operation="x"} 1`,
		`retry_delay_seconds_sum{operation="x"} 0.7`,
	}, "retry_delay_seconds")
	// Registering twice with the same registry fails.
	if _, err := promretry.New(reg); err == nil {
		t.Error("New: registered twice")
	}
}
