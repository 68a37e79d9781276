package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A server is a loopback HTTP server whose every attempt is judged by fail;
// it counts the attempts of each request (by its "id" query parameter)
// and the TCP connections it accepts.
type server struct {
	*httptest.Server
	conns    atomic.Int64 // TCP connections accepted
	attempts atomic.Int64 // requests served

	mu   sync.Mutex
	hits map[string]int // attempts per request id
}

// newServer starts a server that answers 503 when fail(attempt) is true,
// attempt counting from 1 for each request id, and 200 "ok" otherwise.
func newServer(t testing.TB, fail func(attempt int) bool) *server {
	s := &server{hits: make(map[string]int)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.attempts.Add(1)
		s.mu.Lock()
		id := r.URL.Query().Get("id")
		s.hits[id]++
		n := s.hits[id]
		bad := fail(n)
		s.mu.Unlock()
		if bad {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// url returns the URL of request number id.
func (s *server) url(id int) string { return fmt.Sprintf("%s/get?id=%d", s.URL, id) }

// hitsOf returns the attempts that request id made.
func (s *server) hitsOf(id int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[fmt.Sprint(id)]
}

func failTwice(attempt int) bool { return attempt <= 2 }
func failAlways(int) bool        { return true }

// failRandom fails each attempt independently with probability p, from a
// seeded generator, so that every library meets the same sequence of faults.
func failRandom(p float64, seed uint64) func(int) bool {
	rng := rand.New(rand.NewPCG(seed, seed))
	return func(int) bool { return rng.Float64() < p } // called under server.mu
}

// refusedURL returns a loopback URL where nothing listens: every dial is
// refused.
func refusedURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr + "/get"
}

// countingTransport counts the attempts sent through it, refused ones included.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// CloseIdleConnections forwards to the base transport, as go-retryablehttp
// relies on.
func (c *countingTransport) CloseIdleConnections() {
	if ci, ok := c.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// newTransport returns a counting transport over a fresh pool of connections.
func newTransport(t testing.TB) *countingTransport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &countingTransport{base: tr}
}

// get sends one request through c, bounded by a timeout, and returns its
// status (0 on error) after reading and closing the body.
func get(t testing.TB, c HTTPClient, url string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, url)
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// allHTTP returns every HTTP peer over base: the integrations, then the
// wrapped generic retry libraries.
func allHTTP(p Policy, base http.RoundTripper) []HTTPClient {
	return append(HTTPClients(p, base), HTTPRetriers(p, base)...)
}
