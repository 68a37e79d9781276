package bench

import (
	"context"
	"io"
	"testing"
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
			c.CloseIdleConnections()
		})
	}
}

// BenchmarkHTTPFailTwice measures a GET whose first two attempts get a 503
// and whose third gets the 200, through each library's HTTP integration
// with the FailTwice policy (3 attempts, 1ns delays): the cost of the retry
// machinery around real requests (discarding two responses, rebuilding the
// request, the budget), on one warm loopback connection.
func BenchmarkHTTPFailTwice(b *testing.B) {
	s := newServer(b, func(attempt int) bool { return attempt <= 2 })
	ctx := context.Background()
	for _, c := range HTTPClients(FailTwice, nil) {
		if c.Name == "bare" {
			continue
		}
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			id := 0
			for b.Loop() {
				id++
				resp, err := c.Get(ctx, s.url(id))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			c.CloseIdleConnections()
		})
	}
}
