package retrytest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an httptest.Server that answers each request with the next step
// of its script and records what it receives. When the script runs out, its
// last step repeats. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	steps   []Step
	closing chan struct{}
	once    sync.Once
	conns   atomic.Int64

	mu   sync.Mutex
	reqs []Request
	pos  int // index into steps
	used int // requests served by steps[pos]
}

// Request is what Server recorded of a request.
type Request struct {
	Method string
	URL    string // the request target: path and query
	Header http.Header
	Body   []byte
	Conn   int // the connection it came on: 1 for the server's first
}

// Step is one step of a Server's script. The zero Step replies 200 OK.
type Step struct {
	times int
	delay time.Duration
	serve func(w http.ResponseWriter, r *http.Request)
}

// Times makes the step serve n requests (default 1).
func (s Step) Times(n int) Step {
	s.times = n
	return s
}

// After delays the step by d, or until the client goes away or the server
// closes: a slow server.
func (s Step) After(d time.Duration) Step {
	s.delay = d
	return s
}

// Status replies with the status code and the given header fields (name,
// value pairs, such as "Retry-After", "2"); the body is the status text.
func Status(code int, header ...string) Step {
	return Respond(code, http.StatusText(code)+"\n", header...)
}

// Respond replies with the status code, body and header fields (name,
// value pairs).
func Respond(code int, body string, header ...string) Step {
	return Step{serve: func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Add(header[i], header[i+1])
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(code)
		io.WriteString(w, body)
	}}
}

// Hangup closes the connection without a response, after reading the
// request: the client sees the connection end (EOF).
func Hangup() Step {
	return Step{serve: func(w http.ResponseWriter, _ *http.Request) {
		if c := hijack(w); c != nil {
			c.Close()
		}
	}}
}

// Reset resets the connection (TCP RST) without a response, after reading
// the request: the client sees "connection reset by peer".
func Reset() Step {
	return Step{serve: func(w http.ResponseWriter, _ *http.Request) {
		if c := hijack(w); c != nil {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
	}}
}

// Handler serves the step with h.
func Handler(h http.Handler) Step { return Step{serve: h.ServeHTTP} }

func hijack(w http.ResponseWriter) net.Conn {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "retrytest: cannot hijack: "+err.Error(), http.StatusInternalServerError)
		return nil
	}
	return c
}

type connKey struct{}

// NewServer starts a Server that plays steps (a single 200 OK step when none
// are given). The caller should call Close when finished, as with
// httptest.NewServer.
func NewServer(steps ...Step) *Server {
	if len(steps) == 0 {
		steps = []Step{Status(http.StatusOK)}
	}
	s := &Server{steps: steps, closing: make(chan struct{})}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, int(s.conns.Add(1)))
	}
	s.Start()
	return s
}

// Close ends slow steps at once, then closes the server like
// httptest.Server.Close. It may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.Server.Close()
}

// Requests returns a copy of the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Conns returns the number of connections the server has accepted.
func (s *Server) Conns() int { return int(s.conns.Load()) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	conn, _ := r.Context().Value(connKey{}).(int)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Method: r.Method, URL: r.RequestURI, Header: r.Header.Clone(), Body: body, Conn: conn})
	step := s.steps[s.pos]
	s.used++
	if s.used >= max(step.times, 1) && s.pos < len(s.steps)-1 {
		s.pos, s.used = s.pos+1, 0
	}
	s.mu.Unlock()
	if step.delay > 0 {
		t := time.NewTimer(step.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	if step.serve == nil {
		Status(http.StatusOK).serve(w, r)
		return
	}
	step.serve(w, r)
}
