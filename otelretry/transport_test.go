package otelretry_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// quick are the retry options of the tests: 1ms, 2ms, 4ms delays without
// jitter, no logs, no budget.
var quick = []retryhttp.Option{retryhttp.BaseDelay(time.Millisecond), retryhttp.Jitter(0),
	retryhttp.Logger(nil), retryhttp.Budget(nil)}

// flaky starts a server that answers 503 (closing its connection), then
// drops the next connection without a response, then answers 200.
func flaky(t *testing.T) *retrytest.Server {
	srv := retrytest.NewServer(retrytest.Status(503, "Connection", "close"), retrytest.Hangup(), retrytest.Respond(200, "ok"))
	t.Cleanup(srv.Close)
	return srv
}

// client returns a client of retryhttp over the rig's Transport.
func (r *rig) client(t *testing.T, opts ...retryhttp.Option) *http.Client {
	base := retrytest.NewTransport()
	t.Cleanup(base.CloseIdleConnections)
	opts = append(append(append([]retryhttp.Option(nil), quick...), retryhttp.Notify(r.tel.Notify)), opts...)
	rt, err := retryhttp.New(r.tel.Transport(base), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: r.tel.Requests(rt)}
}

type want struct {
	name   string
	kind   trace.SpanKind
	parent int // index of the parent span in the list; -1 for the caller's parent
	status codes.Code
	desc   bool // the status has a description
	attrs  string
	events []string
}

// check compares spans with ws exactly: names, kinds, parents, status,
// attributes and events (name: attributes).
func check(t *testing.T, spans tracetest.SpanStubs, ws []want) {
	t.Helper()
	if len(spans) != len(ws) {
		t.Fatalf("%d spans, want %d", len(spans), len(ws))
	}
	for i, w := range ws {
		s := spans[i]
		if s.Name != w.name || s.SpanKind != w.kind {
			t.Errorf("span %d: %q (%v), want %q (%v)", i, s.Name, s.SpanKind, w.name, w.kind)
		}
		if w.parent >= 0 && s.Parent.SpanID() != spans[w.parent].SpanContext.SpanID() {
			t.Errorf("span %d (%s): parent is not span %d", i, s.Name, w.parent)
		}
		if s.SpanContext.TraceID() != spans[0].SpanContext.TraceID() {
			t.Errorf("span %d (%s): another trace", i, s.Name)
		}
		if s.Status.Code != w.status || (s.Status.Description != "") != w.desc {
			t.Errorf("span %d (%s): status %v %q, want %v (description: %v)", i, s.Name, s.Status.Code, s.Status.Description, w.status, w.desc)
		}
		if got := attrs(s.Attributes); got != w.attrs {
			t.Errorf("span %d (%s) attributes:\n got %s\nwant %s", i, s.Name, got, w.attrs)
		}
		var evs []string
		for _, e := range s.Events {
			evs = append(evs, e.Name+": "+attrs(e.Attributes))
		}
		if got, want := strings.Join(evs, "\n"), strings.Join(w.events, "\n"); got != want {
			t.Errorf("span %d (%s) events:\n got %s\nwant %s", i, s.Name, got, want)
		}
	}
}

// The request that fails twice (503, then a dropped connection) and then
// succeeds: one client span per attempt under the caller's span, with the
// resend count on retries, and the waits on the caller's span.
func TestTransportFailTwiceThenSucceed(t *testing.T) {
	r := newRig(t)
	srv := flaky(t)
	c := r.client(t)
	ctx, parent := r.caller(t.Context(), "caller")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/assets/42?sig=secret&x=1", nil)
	req.Header.Set("X-Mine", "1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if len(req.Header) != 1 {
		t.Errorf("the caller's header was modified: %v", req.Header)
	}

	u, _ := url.Parse(srv.URL)
	host, port := u.Hostname(), u.Port()
	full := srv.URL + "/api/v1/assets/42?sig=REDACTED&x=1"
	common := "http.request.method=GET"
	tail := " server.address=" + host + " server.port=" + port + " url.full=" + full
	spans := r.ended()
	check(t, spans, []want{
		{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset, events: []string{
			"retry.wait: error.type=503 retry.attempt=1 retry.delay=0.001 retry.error=retryhttp: 503 Service Unavailable",
			"retry.wait: error.type=connection_closed retry.attempt=2 retry.delay=0.002 retry.error=EOF",
		}},
		{name: "GET", kind: trace.SpanKindClient, parent: 0, status: codes.Error,
			attrs: "error.type=503 " + common + " http.response.status_code=503 network.protocol.version=1.1" + tail},
		{name: "GET", kind: trace.SpanKindClient, parent: 0, status: codes.Error, desc: true,
			attrs: "error.type=connection_closed " + common + " http.request.resend_count=1" + tail},
		{name: "GET", kind: trace.SpanKindClient, parent: 0, status: codes.Unset,
			attrs: common + " http.request.resend_count=2 http.response.status_code=200 network.protocol.version=1.1" + tail},
	})

	// Each attempt carried its own span's trace context to the server.
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	for i, sr := range reqs {
		sc := spans[i+1].SpanContext
		if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; sr.Header.Get("Traceparent") != want {
			t.Errorf("attempt %d: traceparent %q, want %q", i+1, sr.Header.Get("Traceparent"), want)
		}
	}

	var tree bytes.Buffer
	printTree(&tree, spans, strings.NewReplacer(host+":"+port, "127.0.0.1:PORT", "server.port="+port, "server.port=PORT").Replace)
	t.Logf("span tree of the request that fails twice, then succeeds:\n%s", tree.String())

	wantMetrics := []string{
		"retry.attempts{operation=http outcome=error} 2",
		"retry.attempts{operation=http outcome=success} 1",
		"retry.delay{operation=http} count=2 sum=0.003",
		"retry.http.requests{code=2xx route=http} 1",
		"retry.retries{operation=http} 2",
	}
	if got := r.metrics(t); strings.Join(got, "\n") != strings.Join(wantMetrics, "\n") {
		t.Errorf("metrics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantMetrics, "\n"))
	}
}

// A request that gives up: three attempts of 503, the waits and the
// give-up on the caller's span; the caller gets the last 503.
func TestTransportGivesUp(t *testing.T) {
	r := newRig(t)
	srv := retrytest.NewServer(retrytest.Status(503))
	t.Cleanup(srv.Close)
	c := r.client(t, retryhttp.MaxRetries(2), retryhttp.Name("inventory"))
	ctx, parent := r.caller(t.Context(), "caller")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/scan", strings.NewReader("{}"))
	req.Header.Set("Idempotency-Key", "k1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	if resp.StatusCode != 503 {
		t.Fatalf("status %d, want the last 503", resp.StatusCode)
	}
	u, _ := url.Parse(srv.URL)
	tail := " http.request.method=POST"
	attempt := func(n int) want {
		a := "error.type=503" + tail
		if n > 1 {
			a += " http.request.resend_count=" + strconv.Itoa(n-1)
		}
		a += " http.response.status_code=503 network.protocol.version=1.1 server.address=" + u.Hostname() +
			" server.port=" + u.Port() + " url.full=" + srv.URL + "/scan"
		return want{name: "POST", kind: trace.SpanKindClient, parent: 0, status: codes.Error, attrs: a}
	}
	wait := "retry.wait: error.type=503 retry.attempt=%d retry.delay=%s retry.error=retryhttp: 503 Service Unavailable"
	check(t, r.ended(), []want{
		{name: "caller", kind: trace.SpanKindInternal, parent: -1, status: codes.Unset, events: []string{
			sprintf(wait, 1, "0.001"), sprintf(wait, 2, "0.002"),
			"retry.give_up: retry.attempts=3 retry.cause=attempts retry.max_attempts=3",
		}},
		attempt(1), attempt(2), attempt(3),
	})
	wantMetrics := []string{
		"retry.attempts{operation=inventory outcome=error} 3",
		"retry.delay{operation=inventory} count=2 sum=0.003",
		"retry.exhausted{cause=attempts operation=inventory} 1",
		"retry.http.requests{code=5xx route=inventory} 1",
		"retry.retries{operation=inventory} 2",
	}
	if got := r.metrics(t); strings.Join(got, "\n") != strings.Join(wantMetrics, "\n") {
		t.Errorf("metrics:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantMetrics, "\n"))
	}
}
