package promretry_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/promretry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// client returns an *http.Client through retryhttp with 1ms, 2ms... delays
// and m's instrumentation, over a transport of its own.
func client(t *testing.T, m *promretry.Metrics, opts ...retryhttp.Option) *http.Client {
	t.Helper()
	base := retrytest.NewTransport()
	t.Cleanup(base.CloseIdleConnections)
	rt, err := retryhttp.New(base, append([]retryhttp.Option{retryhttp.BaseDelay(time.Millisecond),
		retryhttp.Jitter(0), retryhttp.Logger(nil), retryhttp.Notify(m.Notify)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: m.Transport(rt)}
}

func get(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func TestHTTPByRoute(t *testing.T) {
	m, reg := setup(t)
	srv := retrytest.NewServer(retrytest.Status(503).Times(2), retrytest.Status(200),
		retrytest.Status(404), retrytest.Status(503).Times(3))
	defer srv.Close()
	c := client(t, m, retryhttp.Name("inventory"), retryhttp.MaxRetries(1),
		retryhttp.Route("GET /api/v1/assets/{id}", retryhttp.MaxRetries(2)))

	get(t, c, srv.URL+"/api/v1/assets/42")        // 503, 503, 200
	get(t, c, srv.URL+"/missing?q=1")             // 404, not retried
	get(t, c, srv.URL+"/api/v1/assets/7")         // 503 three times: retries exhausted
	get(t, c, retrytest.RefusedURL()+"/whatever") // refused twice: an error

	const route = `"GET /api/v1/assets/{id}"`
	wantSeries(t, reg, []string{
		`retry_http_requests_total{code="2xx",route=` + route + `} 1`,
		`retry_http_requests_total{code="5xx",route=` + route + `} 1`,
		`retry_http_requests_total{code="4xx",route="inventory"} 1`,
		`retry_http_requests_total{code="error",route="inventory"} 1`,
		`retry_attempts_total{operation=` + route + `,outcome="error"} 5`,
		`retry_attempts_total{operation=` + route + `,outcome="success"} 1`,
		`retry_attempts_total{operation="inventory",outcome="error"} 2`,
		`retry_attempts_total{operation="inventory",outcome="success"} 1`,
		`retry_retries_total{operation=` + route + `} 4`,
		`retry_retries_total{operation="inventory"} 1`,
		`retry_delay_seconds_count{operation=` + route + `} 4`,
		`retry_delay_seconds_sum{operation=` + route + `} 0.006`, // 1ms, 2ms, then 1ms, 2ms
		`retry_delay_seconds_count{operation="inventory"} 1`,
		`retry_delay_seconds_sum{operation="inventory"} 0.001`,
		`retry_exhausted_total{cause="attempts",operation=` + route + `} 1`,
		`retry_exhausted_total{cause="attempts",operation="inventory"} 1`,
	})
	// Every code of a route seen exists, at 0 or more.
	if n := count(t, reg, "retry_http_requests_total"); n != 2*7 {
		t.Errorf("retry_http_requests_total: %d series, want 14", n)
	}
}

// A per-host budget group refuses the first retry; its budgets are
// exported by host.
func TestHTTPBudget(t *testing.T) {
	m, reg := setup(t)
	g, err := budget.NewGroup(8, budget.Ratio(0), budget.Burst(0))
	if err != nil {
		t.Fatal(err)
	}
	m.BudgetGroup(g)
	srv := retrytest.NewServer(retrytest.Status(503))
	defer srv.Close()
	c := client(t, m, retryhttp.Budget(g.For))
	get(t, c, srv.URL)

	host := srv.URL[len("http://"):]
	wantSeries(t, reg, []string{
		`retry_http_requests_total{code="5xx",route="http"} 1`,
		`retry_attempts_total{operation="http",outcome="error"} 1`,
		`retry_budget_rejected_total{operation="http"} 1`,
		`retry_exhausted_total{cause="budget",operation="http"} 1`,
	}, "retry_http_requests_total", "retry_attempts_total", "retry_budget_rejected_total", "retry_exhausted_total", "retry_retries_total")
	st := g.Get(host).Stats()
	if st.Denied != 1 || st.Available != 0 {
		t.Errorf("budget stats %+v, want 1 denied, 0 available", st)
	}
	if n := count(t, reg, "retry_budget_available"); n != 1 {
		t.Errorf("retry_budget_available: %d series, want 1 (for %s)", n, host)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

type closeIdle struct {
	roundTripFunc
	closed *int
}

func (c closeIdle) CloseIdleConnections() { *c.closed++ }

// Counting a request costs no allocation once its route has been seen,
// and CloseIdleConnections reaches the base transport.
func TestTransportCost(t *testing.T) {
	m, _ := setup(t)
	closed := 0
	base := closeIdle{func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	}, &closed}
	rt := retryhttp.NewTransport(base, retryhttp.Notify(m.Notify))
	wrapped := m.Transport(rt)
	req, _ := http.NewRequest("GET", "http://h/api/v1/assets/42", nil)
	wrapped.RoundTrip(req)
	bare := testing.AllocsPerRun(100, func() { rt.RoundTrip(req) })
	counted := testing.AllocsPerRun(100, func() { wrapped.RoundTrip(req) })
	if counted != bare {
		t.Errorf("%v allocations per request counted, %v bare", counted, bare)
	}
	(&http.Client{Transport: wrapped}).CloseIdleConnections()
	if closed != 1 {
		t.Errorf("CloseIdleConnections reached the base %d times, want 1", closed)
	}
}
