package otelretry_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// A concurrency limit that is full when a retry is due: the refusal
// (retry.limited, for attempt 2) and the give-up with cause "limited" are
// events of the caller's span, and counted.
func TestLimitRefusal(t *testing.T) {
	r := newRig(t)
	l, err := limit.New(limit.Initial(1), limit.Min(1), limit.Max(1))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	var held limit.Permit
	c := r.client(t, retryhttp.Limit(func(string) *limit.Limiter { return l }),
		retryhttp.Notify(func(e retry.Event) {
			if e.Kind == retry.EventAttempt && e.Attempt == 1 {
				held, _ = l.AcquireAt(time.Now()) // another caller takes the room the attempt freed
			}
			r.tel.Notify(e)
		}))
	ctx, parent := r.caller(t.Context(), "caller")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	held.Done(limit.OK)
	parent.End()
	if got := retryhttp.ResultOf(resp); got.Attempts != 1 {
		t.Fatalf("%d attempts, want 1: the limit is full when the retry is due", got.Attempts)
	}
	spans := r.ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	check(t, spans[:1], []want{{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset, events: []string{
		"retry.limited: error.type=limited retry.attempt=2 retry.error=retryhttp: " + req.URL.Host + ": limit: concurrency limit reached",
		"retry.give_up: retry.attempts=1 retry.cause=limited retry.max_attempts=4",
	}}})
	checkMetrics(t, r, []string{
		"retry.attempts{operation=http outcome=error} 1",
		"retry.exhausted{cause=limited operation=http} 1",
		"retry.http.requests{code=5xx route=http} 1",
	})
}
