package bench

import (
	"context"
	"io"
	"testing"

	"github.com/nop-platform/retry/retryhttp"
)

// BenchmarkHTTPGet measures a GET that succeeds at once, through each
// library's HTTP integration, against a loopback server returning a small 200
// body; the body is read and closed. "bare" is a plain http.Client on
// http.DefaultTransport, the floor (nop and failsafe use the same transport,
// go-retryablehttp its own pooled one). Connections are kept alive, so the
// figure is one request on a warm connection plus the library's overhead.
func BenchmarkHTTPGet(b *testing.B) {
	s := newServer(b, func(int) bool { return false })
	ctx := context.Background()
	url := s.URL + "/get"
	for _, c := range HTTPClients(Tables, nil) {
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				getOK(b, ctx, c, url)
			}
			c.CloseIdleConnections()
		})
	}
}

// BenchmarkHTTPFailTwice measures a GET whose first two attempts get a 503
// and whose third gets the 200, through each library's HTTP integration
// with the FailTwice policy (3 attempts, 1ns delays): the cost of the retry
// machinery around real requests (discarding two responses, rebuilding the
// request), on one warm loopback connection. Our client runs without its
// retry budget here ("nop-nobudget"), as the peers have none: two failures
// in every three attempts is a failure rate a budget is meant to cut.
// failsafe-go is left out: it never closes a retried response, so each
// retry costs a new connection and the run exhausts file descriptors (see
// the connection counts of the failure tables).
func BenchmarkHTTPFailTwice(b *testing.B) {
	ctx := context.Background()
	clients := []HTTPClient{
		nopHTTPClient("nop-nobudget", FailTwice, nil, retryhttp.Budget(nil)),
		retryableHTTPClient(FailTwice, nil),
	}
	for _, c := range clients {
		b.Run(c.Name, func(b *testing.B) {
			// A server of its own: request ids count from 1 for each client,
			// and a shared server would answer a later client's requests
			// with 200 at once (their ids had failed twice already).
			s := newServer(b, func(attempt int) bool { return attempt <= 2 })
			b.ReportAllocs()
			id := 0
			for b.Loop() {
				id++
				getOK(b, ctx, c, s.url(id))
			}
			c.CloseIdleConnections()
			if got, want := s.attempts.Load(), 3*int64(id); got != want {
				b.Fatalf("the server saw %d attempts for %d requests, want %d", got, id, want)
			}
		})
	}
}

// getOK gets url through c, reads and closes the body, and fails b unless
// the status is 200.
func getOK(b *testing.B, ctx context.Context, c HTTPClient, url string) {
	resp, err := c.Get(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}
