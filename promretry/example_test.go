package promretry_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/promretry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A retrying HTTP client reports its attempts, retries and results by
// route, and a /metrics endpoint serves them.
func Example() {
	// A service whose first two answers are 503.
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer api.Close()

	reg := prometheus.NewRegistry()
	m, err := promretry.New(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := retryhttp.NewTransport(nil,
		retryhttp.Name("inventory"), // the name of requests no route matches
		retryhttp.Route("GET /api/v1/assets/{id}"),
		retryhttp.BaseDelay(time.Millisecond),
		retryhttp.Logger(nil),
		retryhttp.Notify(m.Notify), // attempts, retries, give-ups
	)
	client := &http.Client{Transport: m.Transport(t)} // requests by route and status class
	defer client.CloseIdleConnections()
	for _, path := range []string{"/api/v1/assets/42", "/api/v1/assets/43", "/health"} {
		resp, err := client.Get(api.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}

	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()
	printMetrics(metrics.URL, "retry_http_requests_total", "retry_attempts_total", "retry_retries_total")
	// Output:
	// retry_http_requests_total{code="2xx",route="GET /api/v1/assets/{id}"} 2
	// retry_http_requests_total{code="2xx",route="inventory"} 1
	// retry_attempts_total{operation="GET /api/v1/assets/{id}",outcome="error"} 2
	// retry_attempts_total{operation="GET /api/v1/assets/{id}",outcome="success"} 2
	// retry_attempts_total{operation="inventory",outcome="success"} 1
	// retry_retries_total{operation="GET /api/v1/assets/{id}"} 2
}

// retry.Do reports through Notify under its retry.Name.
func ExampleMetrics_Notify() {
	reg := prometheus.NewRegistry()
	m, _ := promretry.New(reg)
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()

	errDown := errors.New("connection refused")
	err := retry.Do(context.Background(), func(context.Context) error { return errDown },
		retry.Name("fetch-assets"), retry.MaxAttempts(3), retry.BaseDelay(time.Millisecond),
		retry.Notify(m.Notify))
	fmt.Println(err)
	printMetrics(metrics.URL, "retry_attempts_total", "retry_retries_total", "retry_exhausted_total")
	// Output:
	// retry: gave up after 3 attempts: connection refused
	// retry_attempts_total{operation="fetch-assets",outcome="error"} 3
	// retry_retries_total{operation="fetch-assets"} 2
	// retry_exhausted_total{cause="attempts",operation="fetch-assets"} 1
}

// A breaker's state is read at each scrape; its changes are counted.
func ExampleMetrics_Breaker() {
	reg := prometheus.NewRegistry()
	m, _ := promretry.New(reg)
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()

	cb := breaker.New(breaker.Name("payments"), breaker.FailureThreshold(1),
		breaker.OnStateChange(m.OnStateChange))
	if err := m.Breaker(cb); err != nil {
		fmt.Println(err)
		return
	}
	cb.Do(context.Background(), func(context.Context) error { return errors.New("timeout") })
	printMetrics(metrics.URL, "circuit_breaker_state", "circuit_breaker_transitions_total")
	// Output:
	// circuit_breaker_state{name="payments"} 1
	// circuit_breaker_transitions_total{from="closed",name="payments",to="open"} 1
}

// printMetrics scrapes url and prints the series of the named metrics
// whose value is not 0, in the order of names.
func printMetrics(url string, names ...string) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	byName := make(map[string][]string)
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		line := sc.Text()
		name, _, _ := strings.Cut(line, "{")
		if !strings.HasPrefix(line, "#") && !strings.HasSuffix(line, " 0") {
			byName[name] = append(byName[name], line)
		}
	}
	for _, name := range names {
		for _, line := range byName[name] {
			fmt.Println(line)
		}
	}
}
