package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDemoFinishesWithTable(t *testing.T) {
	r := retryCLI(t, "demo", "--duration", "0.8")
	r.wantCode(t, 0)
	if r.took > 10*time.Second {
		t.Errorf("took %v for an 800ms demo", r.took)
	}
	for _, want := range []string{
		"phase 1/4 healthy", "phase 2/4 transient", "phase 3/4 outage", "phase 4/4 recovery",
		"ours: breaker closed → open",
		"phase      client   reqs  att/req      ok      avg fast-fail  breaker  denied\n",
		"\nhealthy    ours ", "\n           naive ", "\ntotal      ours ",
		"In the outage the naive loop sent the down server",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout, `"SpanContext"`) {
		t.Error("spans written without --otel-stdout")
	}
}

func TestDemoBadInput(t *testing.T) {
	for _, args := range [][]string{{"--duration", "10ms"}, {"--duration", "soon"}, {"--metrics-addr", "9090"}, {"extra"},
		{"--redis", "6379"}, {"--redis", "localhost:http"}, {"--redis", "127.0.0.1:0"}, {"--redis", ""}} {
		r := retryCLI(t, append([]string{"demo"}, args...)...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, args[0]) || !strings.Contains(r.stderr, "Usage: retry demo") {
			t.Errorf("%v: stderr:\n%s", args, r.stderr)
		}
	}
}

func TestDemoTiming(t *testing.T) {
	for _, d := range []time.Duration{minDemoDuration, defaultDemoDuration, time.Hour} {
		tm := timingFor(d)
		if tm.phase*4 != d || tm.base < time.Millisecond || tm.max < tm.base || tm.interval <= 0 ||
			tm.recovery < 10*time.Millisecond || tm.window < 10*time.Millisecond || tm.budgetWindow < 10*time.Millisecond {
			t.Errorf("timingFor(%v) = %+v", d, tm)
		}
		if _, err := newDemoBreaker(tm, nil, nil); err != nil {
			t.Errorf("timingFor(%v): breaker: %v", d, err)
		}
	}
}

// The demo serves its metrics while it runs, at the address it prints.
func TestDemoServesMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd, stdout, _ := cli{args: []string{"demo", "--duration", "2", "--metrics-addr", "127.0.0.1:0"}}.command(ctx)
	cmd.Stderr = nil
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	if !sc.Scan() {
		t.Fatalf("no line on stderr: %v", sc.Err())
	}
	line := sc.Text()
	url, ok := strings.CutPrefix(line, "retry demo: metrics at ")
	if !ok || !strings.HasSuffix(url, "/metrics") {
		t.Fatalf("stderr: %q, want the metrics URL", line)
	}
	var rest strings.Builder
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		for sc.Scan() {
			rest.WriteString(sc.Text() + "\n")
		}
	}()

	// Scrape until our client has had successes and retries; the demo's
	// first phases give both within its first second.
	want := []string{
		`retry_attempts_total{operation="inventory",outcome="success"} `,
		`retry_retries_total{operation="inventory"} `,
		`retry_http_requests_total{code="2xx",route="inventory"} `,
		`circuit_breaker_state{name="inventory"} `,
		`retry_budget_available{budget="inventory"} `,
	}
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; {
		body = scrape(t, url)
		if nonzero(body, want[0]) && nonzero(body, want[1]) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q:\n%s", w, body)
		}
	}
	for _, w := range want[:3] {
		if !nonzero(body, w) {
			t.Errorf("metrics: %q is 0", w)
		}
	}

	<-copied
	if err := cmd.Wait(); err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s", err, rest.String())
	}
	if rest.Len() > 0 {
		t.Errorf("more on stderr:\n%s", rest.String())
	}
	if !strings.Contains(stdout.String(), "In the outage") {
		t.Errorf("stdout lacks the table:\n%s", stdout)
	}
	// The endpoint ends with the demo.
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("metrics still served after the demo ended")
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %s, %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// nonzero reports whether body has the series whose line starts with
// prefix, with a value other than 0.
func nonzero(body, prefix string) bool {
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return strings.TrimSpace(v) != "0"
		}
	}
	return false
}

func TestDemoMetricsAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := retryCLI(t, "demo", "--duration", "0.2", "--metrics-addr", ln.Addr().String())
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "retry demo: --metrics-addr: listen tcp") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// --otel-stdout writes spans, one JSON object a line: a few demo requests,
// each with one client span per attempt as its children, retries marked
// with http.request.resend_count, and the waits as events of the request's
// span. (Which decisions the outage's traced requests meet, a give-up or
// the open breaker, depends on timing.)
func TestDemoOtelStdout(t *testing.T) {
	r := retryCLI(t, "demo", "--duration", "0.8", "--otel-stdout")
	r.wantCode(t, 0)
	type span struct {
		Name        string
		SpanContext struct{ SpanID string }
		Parent      struct{ SpanID string }
		Attributes  []struct {
			Key   string
			Value struct{ Value any }
		}
		Events []struct{ Name string }
	}
	var spans []span
	var text []string
	for line := range strings.SplitSeq(r.stdout, "\n") {
		if !strings.HasPrefix(line, "{") {
			text = append(text, line)
			continue
		}
		var s span
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("a span line is not JSON: %v\n%s", err, line)
		}
		spans = append(spans, s)
	}
	if !strings.Contains(strings.Join(text, "\n"), "\ntotal      ours ") {
		t.Errorf("the demo's table is missing:\n%s", r.stdout)
	}
	roots := map[string]bool{}
	for _, s := range spans {
		if s.Name == "retry demo request" && s.Parent.SpanID == "0000000000000000" {
			roots[s.SpanContext.SpanID] = true
		}
	}
	if len(roots) == 0 || len(roots) > 8 {
		t.Fatalf("%d demo request spans, want 1 to 8", len(roots))
	}
	resent, waited := false, false
	for _, s := range spans {
		for _, e := range s.Events {
			waited = waited || e.Name == "retry.wait"
		}
		if s.Name != "GET" {
			continue
		}
		if !roots[s.Parent.SpanID] {
			t.Errorf("attempt span %s has parent %s, not a demo request", s.SpanContext.SpanID, s.Parent.SpanID)
		}
		for _, a := range s.Attributes {
			resent = resent || a.Key == "http.request.resend_count"
		}
	}
	if !resent || !waited {
		t.Errorf("no retried attempt (%v) or no retry.wait event (%v) among the traced requests:\n%s", resent, waited, r.stdout)
	}
}
