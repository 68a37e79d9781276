package main

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// flakyServer is the demo's dependency: a loopback HTTP server whose share
// of 503 answers the demo sets phase by phase. It counts the requests each
// client sends in each phase: the load the retries put on it.
type flakyServer struct {
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
	failRate atomic.Uint64 // per million
	phase    atomic.Int32
	hits     [2][maxPhases]atomic.Int64 // by client, by phase
}

// maxPhases bounds the phases of a demo.
const maxPhases = 8

// Clients of the demo, as indexes and URL paths.
const (
	clientOurs = iota
	clientNaive
)

var clientNames = [2]string{"ours", "naive"}

// startFlakyServer listens on 127.0.0.1:0 and serves until close.
func startFlakyServer() (*flakyServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &flakyServer{ln: ln, done: make(chan struct{})}
	s.srv = &http.Server{Handler: s}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err) // Serve on a fresh listener fails only on a bug
		}
	}()
	return s, nil
}

// url returns the base URL of client c's endpoint.
func (s *flakyServer) url(c int) string {
	return "http://" + s.ln.Addr().String() + "/" + clientNames[c] + "/api/v1/assets/"
}

// setPhase switches to phase i, failing the given share of requests.
func (s *flakyServer) setPhase(i int, failRate float64) {
	s.failRate.Store(uint64(failRate * 1e6))
	s.phase.Store(int32(i))
}

func (s *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := clientOurs
	if strings.HasPrefix(r.URL.Path, "/naive/") {
		c = clientNaive
	}
	s.hits[c][s.phase.Load()].Add(1)
	if rand.Uint64N(1e6) < s.failRate.Load() {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte(`{"assets":[]}` + "\n"))
}

// close stops the server and waits for it.
func (s *flakyServer) close() {
	_ = s.srv.Close()
	<-s.done
}

// serverLoad returns how many requests client c sent in phase p.
func (s *flakyServer) serverLoad(c, p int) int64 { return s.hits[c][p].Load() }
