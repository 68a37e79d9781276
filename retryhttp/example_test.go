package retryhttp_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/retryhttp"
)

// flaky returns a server that answers 503 to its first n requests, then 200.
func flaky(n int32) *httptest.Server {
	var count atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if count.Add(1) <= n {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "assets of %s", r.URL.Path)
	}))
}

// messageLogger logs the level and message only, for stable output.
func messageLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key != slog.MessageKey && a.Key != slog.LevelKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func ExampleNewClient() {
	srv := flaky(2)
	defer srv.Close()

	client := retryhttp.NewClient(
		retryhttp.BaseDelay(10*time.Millisecond), // default 1s
		retryhttp.Jitter(0),                      // default 0.3; off for stable output
		retryhttp.Logger(messageLogger()),        // default slog.Default()
	)
	resp, err := client.Get(srv.URL + "/api/v1/assets/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output:
	// level=WARN msg="[Retry 1/3] GET /api/v1/assets/ (delay: 10ms, reason: 503 Service Unavailable)"
	// level=WARN msg="[Retry 2/3] GET /api/v1/assets/ (delay: 20ms, reason: 503 Service Unavailable)"
	// 200 OK assets of /api/v1/assets/
}

func ExampleNewTransport() {
	srv := flaky(100)
	defer srv.Close()

	// Wrap any RoundTripper; here a transport of its own.
	base := &http.Transport{MaxIdleConnsPerHost: 4}
	defer base.CloseIdleConnections()
	rt := retryhttp.NewTransport(base, retryhttp.MaxRetries(2), retryhttp.BaseDelay(time.Millisecond), retryhttp.Logger(nil))
	client := &http.Client{Transport: rt, Timeout: 5 * time.Second}

	// When the retries run out on a status, the last response comes back
	// with a nil error and its body intact.
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s after %d attempts: %s", resp.Status, retryhttp.ResultOf(resp).Attempts, body)
	// Output:
	// 503 Service Unavailable after 3 attempts: busy
}

func ExampleWithRetry() {
	srv := flaky(4)
	defer srv.Close()
	// Budget(nil): show every retry whatever the host's state. By default a
	// host's retry budget gives a healthy host every retry, and stops
	// retrying once failed retries have spent it (see ExampleBudget).
	client := retryhttp.NewClient(retryhttp.Logger(nil), retryhttp.Budget(nil))

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/special-endpoint", nil)
	req = retryhttp.WithRetry(req,
		retryhttp.MaxRetries(5),                 // override max retries
		retryhttp.BaseDelay(time.Millisecond),   // override base delay
		retryhttp.MaxDelay(30*time.Millisecond), // override max delay
		retryhttp.Condition(func(resp *http.Response, err error) bool {
			return resp != nil && resp.StatusCode == http.StatusServiceUnavailable
		}),
	)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, "after", retryhttp.ResultOf(resp).Attempts, "attempts")
	// Output:
	// 200 OK after 5 attempts
}

func ExampleRoute() {
	srv := flaky(1000)
	defer srv.Close()
	var attempts []string
	client := retryhttp.NewClient(
		retryhttp.MaxRetries(1),
		retryhttp.BaseDelay(0),
		retryhttp.Logger(nil),
		retryhttp.Budget(nil), // show every retry against this always-failing server
		retryhttp.Route("GET /api/v1/assets/{id}", retryhttp.MaxRetries(3)),
		retryhttp.Route("/api/v1/login", retryhttp.MaxRetries(0)),
		retryhttp.Notify(func(e retry.Event) {
			if e.Kind == retry.EventGiveUp {
				attempts = append(attempts, fmt.Sprintf("%s: %d", e.Name, e.Attempt))
			}
		}),
	)
	for _, path := range []string{"/api/v1/assets/42", "/api/v1/login", "/api/v1/dashboard"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	fmt.Println(strings.Join(attempts, "\n"))
	// Output:
	// GET /api/v1/assets/{id}: 4
	// /api/v1/login: 1
	// http: 2
}

func ExampleParseConfig() {
	srv := flaky(1000)
	defer srv.Close()

	const config = `{
	  "max_retries": 1, "base_delay": "1ms", "max_delay": "10ms",
	  "routes": [
	    {"pattern": "GET /api/v1/assets/{id}", "max_retries": 3},
	    {"pattern": "POST /api/v1/scans", "idempotent": true, "statuses": [502, 503]},
	    {"pattern": "/api/v1/login", "max_retries": "none"}
	  ]
	}`
	_, err := retryhttp.ParseConfig(strings.NewReader(config), "routes.json")
	fmt.Println(err)

	fixed := strings.Replace(config, `"none"`, "0", 1)
	opt, err := retryhttp.ParseConfig(strings.NewReader(fixed), "routes.json") // or LoadConfig(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	client := retryhttp.NewClient(opt, retryhttp.Logger(nil), retryhttp.Budget(nil))
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/assets/42"}, {"POST", "/api/v1/scans"}, {"POST", "/api/v1/login"}, {"GET", "/"},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader("{}"))
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(r.method, r.path, retryhttp.ResultOf(resp).Attempts)
	}
	// Output:
	// retryhttp: routes.json:6: routes[2].max_retries: "none": not a whole number
	// GET /api/v1/assets/42 4
	// POST /api/v1/scans 2
	// POST /api/v1/login 1
	// GET / 2
}

// By default each host has a retry budget: against a host that is down
// (here every answer is a 503), requests get every retry while the budget's
// cold-start Burst lasts (50 tokens, 2 per retry after a 503: 25 retries),
// then stop retrying until requests succeed again, so a long outage sees
// about one attempt per request instead of four.
func ExampleBudget() {
	down := flaky(1000)
	defer down.Close()
	client := retryhttp.NewClient(retryhttp.BaseDelay(time.Millisecond), retryhttp.Logger(nil))
	var attempts []int
	refused := 0
	for range 12 {
		resp, err := client.Get(down.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		r := retryhttp.ResultOf(resp)
		attempts = append(attempts, r.Attempts)
		if errors.Is(r.Cause, retry.ErrBudgetExhausted) {
			refused++
		}
	}
	fmt.Println("attempts per request:", attempts)
	fmt.Println("requests whose retry the budget refused:", refused)
	// Output:
	// attempts per request: [4 4 4 4 4 4 4 4 2 1 1 1]
	// requests whose retry the budget refused: 4
}

func ExampleOnUnauthorized() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nop"`)
		http.Error(w, "log in first", http.StatusUnauthorized)
	}))
	defer srv.Close()

	client := retryhttp.NewClient(retryhttp.OnUnauthorized(func(resp *http.Response) {
		// The Go form of the specification's redirect to login.
		fmt.Println("login required:", resp.Header.Get("WWW-Authenticate"))
	}))
	resp, err := client.Get(srv.URL + "/api/v1/access/")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status, "after", retryhttp.ResultOf(resp).Attempts, "attempt")
	// Output:
	// login required: Bearer realm="nop"
	// 401 Unauthorized after 1 attempt
}

// When the retries run out on network errors, the error holds every
// attempt's.
func ExampleTransport_RoundTrip_networkError() {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now

	client := retryhttp.NewClient(retryhttp.BaseDelay(time.Millisecond), retryhttp.Logger(nil))
	_, err := client.Get(url)
	var re *retry.Error
	if errors.As(err, &re) {
		fmt.Println(re.Attempts, "attempts;", len(re.Errors), "errors; first refused:", errors.Is(re.Errors[0], syscall.ECONNREFUSED))
	}
	// Output:
	// 4 attempts; 4 errors; first refused: true
}

func ExampleParseRetryAfter() {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "Sat, 01 Mar 2025 12:00:30 GMT", "soon"} {
		d, ok := retryhttp.ParseRetryAfter(v, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 2m0s true
	// 30s true
	// 0s false
}
