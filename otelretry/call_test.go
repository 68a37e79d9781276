package otelretry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

var errFlaky = errors.New("flaky")

// retry.Do with Option: a span per call, a child of the caller's, with
// each attempt and wait as events; a span the attempt starts is a child of
// the call's span.
func TestOptionFailTwiceThenSucceed(t *testing.T) {
	r := newRig(t)
	ctx, parent := r.caller(t.Context(), "caller")
	n := 0
	err := retry.Do(ctx, func(ctx context.Context) error {
		n++
		_, s := r.tp.Tracer("test").Start(ctx, "work")
		s.End()
		if n < 3 {
			return errFlaky
		}
		return nil
	}, r.tel.Option("fetch-assets"), retry.BaseDelay(time.Millisecond), retry.Jitter(0))
	parent.End()
	if err != nil {
		t.Fatal(err)
	}
	et := "error.type=errors.errorString"
	check(t, r.ended(), []want{
		{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset},
		{name: "fetch-assets", kind: trace.SpanKindInternal, parent: 0, status: codes.Unset,
			attrs: "retry.attempts=3 retry.max_attempts=3", events: []string{
				"retry.attempt: " + et + " retry.attempt=1 retry.error=flaky",
				"retry.wait: " + et + " retry.attempt=1 retry.delay=0.001 retry.error=flaky",
				"retry.attempt: " + et + " retry.attempt=2 retry.error=flaky",
				"retry.wait: " + et + " retry.attempt=2 retry.delay=0.002 retry.error=flaky",
				"retry.attempt: retry.attempt=3",
			}},
		{name: "work", kind: trace.SpanKindInternal, parent: 1, status: codes.Unset},
		{name: "work", kind: trace.SpanKindInternal, parent: 1, status: codes.Unset},
		{name: "work", kind: trace.SpanKindInternal, parent: 1, status: codes.Unset},
	})
	want := []string{
		"retry.attempts{operation=fetch-assets outcome=error} 2",
		"retry.attempts{operation=fetch-assets outcome=success} 1",
		"retry.delay{operation=fetch-assets} count=2 sum=0.003",
		"retry.retries{operation=fetch-assets} 2",
	}
	checkMetrics(t, r, want)
}

// A call that gives up: the span's status is Error with the message, and
// the give-up is an event with its cause.
func TestOptionGivesUp(t *testing.T) {
	r := newRig(t)
	ctx, parent := r.caller(t.Context(), "caller")
	err := retry.Do(ctx, func(ctx context.Context) error { return errFlaky },
		r.tel.Option("fetch-assets"), retry.MaxAttempts(2), retry.BaseDelay(time.Millisecond), retry.Jitter(0))
	parent.End()
	if !errors.Is(err, errFlaky) {
		t.Fatalf("err %v, want the give-up", err)
	}
	et := "error.type=errors.errorString"
	check(t, r.ended(), []want{
		{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset},
		{name: "fetch-assets", kind: trace.SpanKindInternal, parent: 0, status: codes.Error, desc: true,
			attrs: et + " retry.attempts=2 retry.cause=attempts retry.max_attempts=2", events: []string{
				"retry.attempt: " + et + " retry.attempt=1 retry.error=flaky",
				"retry.wait: " + et + " retry.attempt=1 retry.delay=0.001 retry.error=flaky",
				"retry.attempt: " + et + " retry.attempt=2 retry.error=flaky",
				"retry.give_up: retry.attempts=2 retry.cause=attempts retry.max_attempts=2",
			}},
	})
	if d := r.ended()[1].Status.Description; d != err.Error() {
		t.Errorf("status description %q, want %q", d, err.Error())
	}
	checkMetrics(t, r, []string{
		"retry.attempts{operation=fetch-assets outcome=error} 2",
		"retry.delay{operation=fetch-assets} count=1 sum=0.001",
		"retry.exhausted{cause=attempts operation=fetch-assets} 1",
		"retry.retries{operation=fetch-assets} 1",
	})
}

// An open breaker's rejection is an event on the call's span, the
// breaker's transitions are counted, and its state is a gauge.
func TestBreakerRejection(t *testing.T) { synctest.Test(t, testBreakerRejection) }

func testBreakerRejection(t *testing.T) {
	r := newRig(t)
	cb := breaker.New(breaker.Name("payments"), breaker.FailureThreshold(1), breaker.RecoveryTimeout(time.Hour),
		breaker.OnStateChange(r.tel.OnStateChange))
	if err := r.tel.Breaker(cb); err != nil {
		t.Fatal(err)
	}
	if err := r.tel.Breaker(breaker.New(breaker.Name("payments"))); err == nil {
		t.Error("a second breaker of the same name was accepted")
	}
	opt := r.tel.Option("pay")
	call := func(ctx context.Context) error {
		return cb.Do(ctx, func(context.Context) error { return errFlaky })
	}
	_ = retry.Do(t.Context(), call, opt, retry.MaxAttempts(1)) // opens the breaker
	err := retry.Do(t.Context(), call, opt, retry.MaxAttempts(3))
	if !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("err %v, want ErrOpen", err)
	}
	spans := r.ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	var evs []string
	for _, e := range spans[1].Events {
		evs = append(evs, e.Name+": "+attrs(e.Attributes))
	}
	if len(evs) != 2 || evs[1] != "breaker.rejected: breaker.name=payments breaker.retry_after=3600 breaker.state=open retry.attempt=1" ||
		evs[0] != `retry.attempt: error.type=breaker_open retry.attempt=1 retry.error=breaker "payments" is open: next probe in 1h0m0s` {
		// The rejection follows the attempt, with the wait the breaker
		// asked for (exact: the test runs in a synctest bubble).
		t.Errorf("events of the rejected call:\n%v", evs)
	}
	checkMetrics(t, r, []string{
		"circuit_breaker.state{name=payments} 1",
		"circuit_breaker.transitions{from=closed name=payments to=open} 1",
		"retry.attempts{operation=pay outcome=error} 2",
		"retry.exhausted{cause=attempts operation=pay} 1", // the first call's one attempt
	})
}

func checkMetrics(t *testing.T, r *rig, want []string) {
	t.Helper()
	got := r.metrics(t)
	if len(got) != len(want) {
		t.Errorf("metrics:\n%q\nwant\n%q", got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("metric %d: %s, want %s", i, got[i], want[i])
		}
	}
}

// A call whose function panics still ends its span, with status Error and
// error.type panic, and the panic goes on up.
func TestOptionPanic(t *testing.T) {
	r := newRig(t)
	ctx, parent := r.caller(t.Context(), "caller")
	var got any
	func() {
		defer func() { got = recover() }()
		_ = retry.Do(ctx, func(context.Context) error { panic("boom") }, r.tel.Option("fetch-assets"))
	}()
	parent.End()
	if got != "boom" {
		t.Fatalf("recovered %v, want the panic", got)
	}
	spans := r.ended()
	if len(spans) != 2 || spans[1].Name != "fetch-assets" {
		t.Fatalf("%d spans ended, want the caller's and the call's", len(spans))
	}
	s := spans[1]
	if s.Status.Code != codes.Error || s.Status.Description != retry.ErrPanicked.Error() {
		t.Errorf("status %v %q, want Error %q", s.Status.Code, s.Status.Description, retry.ErrPanicked)
	}
	found := false
	for _, a := range s.Attributes {
		if a.Key == "error.type" && a.Value.AsString() == "panic" {
			found = true
		}
	}
	if !found {
		t.Errorf("attributes %v, want error.type=panic", s.Attributes)
	}
}
