package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics listens on --metrics-addr, prints the endpoint's URL on
// stderr and serves the demo's metrics at /metrics until stop, which waits
// for the server to end.
func (d *demo) serveMetrics() (stop func(), err error) {
	ln, err := net.Listen("tcp", d.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(d.stderr, "retry demo: metrics: %v\n", err)
		}
	}()
	fmt.Fprintf(d.stderr, "retry demo: metrics at http://%s/metrics\n", ln.Addr())
	return func() {
		_ = srv.Close()
		<-done
	}, nil
}
