package otelretry_test

import (
	"net/http"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// A budget that refuses the retry: the refusal and the give-up with cause
// "budget" are events of the caller's span, counted in the metrics, and the
// budget's state is a gauge.
func TestBudgetRefusal(t *testing.T) {
	r := newRig(t)
	b, err := budget.New(budget.Burst(0), budget.Ratio(0.1))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.tel.Budget("inventory", b); err != nil {
		t.Fatal(err)
	}
	if err := r.tel.Budget("inventory", new(budget.Budget)); err == nil {
		t.Error("a second budget of the same name was accepted")
	}
	srv := retrytest.NewServer(retrytest.Status(503))
	t.Cleanup(srv.Close)
	c := r.client(t, retryhttp.Budget(func(string) retry.Budget { return b }))
	ctx, parent := r.caller(t.Context(), "caller")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	if got := retryhttp.ResultOf(resp); got.Attempts != 1 {
		t.Fatalf("%d attempts, want 1: the budget refuses the first retry", got.Attempts)
	}
	spans := r.ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	check(t, spans[:1], []want{{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset, events: []string{
		"retry.budget_rejected: error.type=503 retry.attempt=1 retry.error=retryhttp: 503 Service Unavailable",
		"retry.give_up: retry.attempts=1 retry.cause=budget retry.max_attempts=4",
	}}})
	checkMetrics(t, r, []string{
		"retry.attempts{operation=http outcome=error} 1",
		"retry.budget.available{budget=inventory} 0",
		"retry.budget.credit{budget=inventory} 0",
		"retry.budget.rejected{operation=http} 1",
		"retry.exhausted{cause=budget operation=http} 1",
		"retry.http.requests{code=5xx route=http} 1",
	})
}
