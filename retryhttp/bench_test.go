package retryhttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
)

// BenchmarkGet compares a GET that succeeds at once through a bare
// http.Client and through retryhttp, against a loopback server.
func BenchmarkGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	run := func(b *testing.B, c *http.Client, opts ...retryhttp.Option) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/assets/42", nil)
			if err != nil {
				b.Fatal(err)
			}
			if opts != nil {
				req = retryhttp.WithRetry(req, opts...)
			}
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	client := func(wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
		base := &http.Transport{}
		b.Cleanup(base.CloseIdleConnections)
		return &http.Client{Transport: wrap(base)}
	}
	b.Run("bare", func(b *testing.B) {
		run(b, client(func(rt http.RoundTripper) http.RoundTripper { return rt }))
	})
	b.Run("retryhttp", func(b *testing.B) {
		run(b, client(func(rt http.RoundTripper) http.RoundTripper { return retryhttp.NewTransport(rt) }))
	})
	b.Run("retryhttp-limit", func(b *testing.B) {
		var g limit.Group
		run(b, client(func(rt http.RoundTripper) http.RoundTripper {
			return retryhttp.NewTransport(rt, retryhttp.Limit(g.Get))
		}))
	})
	b.Run("retryhttp-routes", func(b *testing.B) {
		run(b, client(func(rt http.RoundTripper) http.RoundTripper {
			return retryhttp.NewTransport(rt,
				retryhttp.Route("GET /api/v1/assets/{id}", retryhttp.MaxRetries(5)),
				retryhttp.Route("/api/", retryhttp.MaxRetries(1)),
				retryhttp.Route("POST /api/v1/scans", retryhttp.Idempotent(true)))
		}))
	})
	b.Run("retryhttp-withretry", func(b *testing.B) {
		run(b, client(func(rt http.RoundTripper) http.RoundTripper { return retryhttp.NewTransport(rt) }),
			retryhttp.MaxRetries(5), retryhttp.BaseDelay(2e9))
	})
	b.Run("retryhttp-attempt-timeout", func(b *testing.B) {
		run(b, client(func(rt http.RoundTripper) http.RoundTripper {
			return retryhttp.NewTransport(rt, retryhttp.AttemptTimeout(10e9))
		}))
	})
}
