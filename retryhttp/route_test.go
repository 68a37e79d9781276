package retryhttp_test

import (
	"strings"
	"testing"

	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

func TestRoutePrecedence(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(503)),
		retryhttp.MaxRetries(0),
		retryhttp.Route("/api/", retryhttp.MaxRetries(1)),
		retryhttp.Route("GET /api/v1/assets/{id}", retryhttp.MaxRetries(2)),
		retryhttp.Route("GET /api/v1/assets/{id}", retryhttp.BaseDelay(0)), // merges with the line above
		retryhttp.Route("127.0.0.1/api/v1/scans/", retryhttp.MaxRetries(4)),
		retryhttp.Route("POST /api/v1/scans/", retryhttp.MaxRetries(5), retryhttp.Idempotent(true)),
	)
	tests := []struct {
		method, path string
		with         []retryhttp.Option
		want         int // attempts
	}{
		{"GET", "/other", nil, 1},                                                    // client
		{"GET", "/api/x", nil, 2},                                                    // /api/
		{"GET", "/api/v1/assets/42", nil, 3},                                         // most specific
		{"HEAD", "/api/v1/assets/42", nil, 3},                                        // GET patterns match HEAD
		{"PUT", "/api/v1/assets/42", nil, 2},                                         // method differs: /api/
		{"GET", "/api/v1/assets/42", []retryhttp.Option{retryhttp.MaxRetries(0)}, 1}, // request wins
		{"GET", "/api/v1/scans/7", nil, 5},                                           // host pattern
		{"POST", "/api/v1/scans/7", nil, 1},                                          // host beats method, as in ServeMux; POST not idempotent there
		{"GET", "/api/v1/assets/../assets/9", nil, 3},                                // cleaned as ServeMux does
		{"GET", "/api", nil, 2},                                                      // redirected to /api/ by ServeMux
		{"GET", "/other", []retryhttp.Option{retryhttp.Statuses(500)}, 1},            // condition from the request
		{"GET", "/api/x", []retryhttp.Option{retryhttp.BaseDelay(0), retryhttp.MaxRetries(3)}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			before := len(srv.Requests())
			req := newRequest(t, tt.method, srv.URL, "")
			req.URL.Path = tt.path
			if tt.with != nil {
				req = retryhttp.WithRetry(req, tt.with...)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if n := len(srv.Requests()) - before; n != tt.want {
				t.Errorf("%d attempts, want %d", n, tt.want)
			}
		})
	}
}

// A request's Host header, when set, is what host patterns see, as the
// server's ServeMux would.
func TestRouteHostHeader(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(503)), retryhttp.MaxRetries(0),
		retryhttp.Route("api.example.com/", retryhttp.MaxRetries(2)))
	req := newRequest(t, "GET", srv.URL, "")
	req.Host = "API.example.com:8443"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestRouteConfigFile(t *testing.T) {
	const config = `{
	  "max_retries": 0,
	  "routes": [
	    {"pattern": "GET /slow/", "max_retries": 2, "base_delay": 0.001, "max_delay": "5ms"},
	    {"pattern": "POST /jobs", "statuses": [502], "idempotent": true, "max_retries": 1}
	  ]
	}`
	opt, err := retryhttp.ParseConfig(strings.NewReader(config), "routes.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, _, c := setup(t, steps(retrytest.Status(502)), opt)
	for _, tt := range []struct {
		method, path string
		want         int
	}{{"GET", "/slow/a", 3}, {"POST", "/jobs", 2}, {"GET", "/", 1}} {
		before := len(srv.Requests())
		req := newRequest(t, tt.method, srv.URL+tt.path, "")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if n := len(srv.Requests()) - before; n != tt.want {
			t.Errorf("%s %s: %d attempts, want %d", tt.method, tt.path, n, tt.want)
		}
	}
}
