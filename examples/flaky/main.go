// Command flaky shows retry.Do against a local server that fails often: it
// starts an HTTP server on 127.0.0.1 whose every other request fails (a 503
// or a dropped connection), fetches from it a few times through retry.Do, and
// prints the specification's log line for each retry. (A dropped connection
// on a reused keep-alive connection is replayed by net/http itself for a GET,
// so only the 503s show up as retries.)
//
//	go run ./examples/flaky
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
)

var errStatus = errors.New("server error")

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "flaky:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch i := n.Add(1); {
		case i%4 == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case i%4 == 3: // drop the connection without an answer
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			fmt.Fprintf(w, "asset page %d", i)
		}
	}))
	defer srv.Close()

	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	opts := []retry.Option{
		retry.Name("GET /api/v1/assets/"),
		retry.BaseDelay(100 * time.Millisecond),
		retry.Logger(logger),
	}
	for range 4 {
		body, err := retry.DoValue(ctx, func(ctx context.Context) (string, error) {
			return get(ctx, srv.Client(), srv.URL+"/api/v1/assets/")
		}, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "got %q\n", body)
	}
	fmt.Fprintf(out, "%d requests served for 4 successful fetches\n", n.Load())
	return nil
}

func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", retry.Permanent(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 500 {
		return "", fmt.Errorf("%w: %s", errStatus, resp.Status)
	}
	return string(b), nil
}
