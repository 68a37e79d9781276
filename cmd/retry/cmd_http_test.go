package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// testServer answers 503 to the first fails requests and then 200 with
// "ok METHOD BODY", recording each request.
type testServer struct {
	*httptest.Server
	fails int32
	n     atomic.Int32
	mu    sync.Mutex
	reqs  []*http.Request
}

func newTestServer(t *testing.T, fails int32) *testServer {
	s := &testServer{fails: fails}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		if s.n.Add(1) <= s.fails {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Test", "yes")
		io.WriteString(w, "ok "+r.Method+" "+string(body)+"\n")
	}))
	t.Cleanup(s.Close)
	return s
}

func TestHTTPRetriesThenSucceeds(t *testing.T) {
	s := newTestServer(t, 2)
	r := retryCLI(t, "http", "--base-delay", "1ms", s.URL+"/api/v1/assets/?page=1")
	r.wantCode(t, 0)
	if r.stdout != "ok GET \n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	for n := 1; n <= 2; n++ {
		if re := retryLine(n, 3, "GET /api/v1/assets/", "503 Service Unavailable"); !re.MatchString(r.stderr) {
			t.Errorf("stderr lacks %v:\n%s", re, r.stderr)
		}
	}
	if got := s.n.Load(); got != 3 {
		t.Errorf("server saw %d requests, want 3", got)
	}
}

func TestHTTPGivesUp(t *testing.T) {
	s := newTestServer(t, 99)
	r := retryCLI(t, "http", "--base-delay", "1ms", "--max-retries", "2", s.URL)
	r.wantCode(t, 22)
	if !strings.Contains(r.stderr, "retry http: GET "+s.URL+": 503 Service Unavailable after 3 attempts\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if r.stdout != "try later\n" {
		t.Errorf("stdout = %q, want the last body", r.stdout)
	}
	// --max-retries 0: one attempt.
	s = newTestServer(t, 99)
	r = retryCLI(t, "http", "--max-retries", "0", "--quiet", s.URL)
	r.wantCode(t, 22)
	if s.n.Load() != 1 || strings.Contains(r.stderr, "[Retry") {
		t.Errorf("%d requests; stderr:\n%s", s.n.Load(), r.stderr)
	}
}

func TestHTTPPostAndHeaders(t *testing.T) {
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"a":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A POST without an Idempotency-Key is not retried after a 503.
	s := newTestServer(t, 1)
	r := retryCLI(t, "http", "--base-delay", "1ms", "-d", "@"+bodyFile, s.URL)
	r.wantCode(t, 22)
	if s.n.Load() != 1 {
		t.Errorf("POST without a key: %d requests, want 1", s.n.Load())
	}
	// With one it is, and the body is replayed.
	s = newTestServer(t, 1)
	out := filepath.Join(dir, "out")
	r = retryCLI(t, "http", "--base-delay", "1ms", "-d", "@"+bodyFile, "--idempotency-key", "k-1",
		"-H", "Content-Type: application/json", "-H", "X-One: 1", "-o", out, s.URL, "-i")
	r.wantCode(t, 0)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 200 OK\r\n") || !strings.Contains(string(got), "X-Test: yes\r\n") ||
		!strings.HasSuffix(string(got), "\r\n\r\nok POST {\"a\":1}\n") {
		t.Errorf("-o file = %q", got)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q with -o", r.stdout)
	}
	s.mu.Lock()
	last := s.reqs[len(s.reqs)-1]
	s.mu.Unlock()
	if last.Header.Get("Idempotency-Key") != "k-1" || last.Header.Get("Content-Type") != "application/json" || last.Header.Get("X-One") != "1" {
		t.Errorf("headers: %v", last.Header)
	}
	// -X and stdin data.
	s = newTestServer(t, 0)
	r = cli{args: []string{"http", "-X", "PUT", "-d", "@-", s.URL}, stdin: "from stdin"}.run(t)
	r.wantCode(t, 0)
	if r.stdout != "ok PUT from stdin\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestHTTPNetworkErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	r := retryCLI(t, "http", "--base-delay", "1ms", "--max-retries", "1", "http://"+addr+"/")
	r.wantCode(t, 7)
	if !retryLine(1, 1, "GET /", "Network Error").MatchString(r.stderr) || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	r = retryCLI(t, "http", "--max-time", "200ms", hang.URL)
	r.wantCode(t, 28)
}

func TestHTTPBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no URL given"},
		{[]string{"http://a/", "http://b/"}, `unexpected argument "http://b/"`},
		{[]string{"ftp://example.com/"}, "only http and https"},
		{[]string{"-H", "NoColon", "http://a/"}, `-H "NoColon"`},
		{[]string{"--max-retries", "-1", "http://a/"}, `--max-retries: must not be negative`},
		{[]string{"--base-delay", "5", "--max-delay", "1", "http://a/"}, "--base-delay 5s is above --max-delay 1s"},
		{[]string{"-d", "@/no/such/file", "http://a/"}, "-d: open /no/such/file"},
		{[]string{"--idempotency-key", "", "http://a/"}, "--idempotency-key is empty"},
		{[]string{"-X", "BAD METHOD", "http://a/"}, `-X "BAD METHOD"`},
	}
	for _, tt := range tests {
		r := retryCLI(t, append([]string{"http"}, tt.args...)...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "Usage: retry http") {
			t.Errorf("%v: stderr:\n%s", tt.args, r.stderr)
		}
	}
}
