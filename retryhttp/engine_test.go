package retryhttp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// stall answers 503 promising 1000 bytes, sends 7, then waits until the
// client goes away or the server closes: a body that stalls after its
// headers.
func stall(done <-chan struct{}) retrytest.Step {
	return retrytest.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
}

// Regression (issue 13.1): a retried response whose body stalls must not
// hold the loop. Before the fix the discard drained with no time limit, so
// this request hung until the server gave up (3.0s with AttemptTimeout
// 200ms in the report); now each discard takes at most the drain bound.
func TestStalledBodyDoesNotBlockRetries(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []retryhttp.Option
	}{
		{"no attempt timeout", nil},
		{"attempt timeout", []retryhttp.Option{retryhttp.AttemptTimeout(200 * time.Millisecond)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			srv, _, c := setup(t, steps(stall(done)), append(tt.opts, retryhttp.MaxRetries(2))...)
			defer close(done)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			start := time.Now()
			resp, err := c.Do(req)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if n := len(srv.Requests()); n != 3 {
				t.Errorf("server saw %d requests, want 3", n)
			}
			// Two discards of at most 10ms each, and delays of 1ms and 2ms:
			// about 25ms; 500ms is a 20x margin, well under the attempt timeout
			// plus the drain bounds.
			if elapsed > 500*time.Millisecond {
				t.Errorf("took %v, want well under the 200ms attempt timeout plus a small bound", elapsed)
			}
		})
	}
}

// The caller's deadline bounds a discard too: no wait past it.
func TestStalledBodyWithDeadline(t *testing.T) {
	done := make(chan struct{})
	srv, _, c := setup(t, steps(stall(done)), retryhttp.MaxRetries(50), retryhttp.BaseDelay(0))
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v with a 300ms deadline", elapsed)
	}
}

// lineHandler writes each record's message as one line, as a plain
// line-based logger (log.Logger, slog.Default's) does.
type lineHandler struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (h lineHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h lineHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.WriteString(r.Message + "\n")
	return nil
}
func (h lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lineHandler) WithGroup(string) slog.Handler      { return h }

// Regression (issue 13.2): a path with an encoded newline cannot forge a
// second log line: the line shows the escaped path.
func TestLogLineCannotBeForged(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(lineHandler{&sync.Mutex{}, &buf})
	srv, _, c := setup(t, steps(retrytest.Status(503)), retryhttp.MaxRetries(1), retryhttp.Logger(logger))
	resp, err := get(t, c, srv.URL+"/a%0A2026/01/01%2000:00:00%20WARN%20[Retry%209/9]%20FORGED?token=secret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf.String())
	}
	want := "[Retry 1/1] GET /a%0A2026/01/01%2000:00:00%20WARN%20[Retry%209/9]%20FORGED (delay: 1ms, reason: 503 Service Unavailable)"
	if lines[0] != want {
		t.Errorf("line = %q\nwant   %q", lines[0], want)
	}
	if strings.Contains(buf.String(), "secret") {
		t.Error("the query string reached the log")
	}
}

// Regression (issue 13.3): absurd retry counts are refused, by option and
// in a config file, instead of overflowing the attempt count.
func TestMaxRetriesOverflow(t *testing.T) {
	_, err := retryhttp.New(nil, retryhttp.MaxRetries(math.MaxInt))
	if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "at most 1000000") {
		t.Errorf("MaxRetries(MaxInt): err = %v, want an invalid option saying the limit", err)
	}
	if _, err := retryhttp.New(nil, retryhttp.MaxRetries(retryhttp.MaxMaxRetries)); err != nil {
		t.Errorf("MaxRetries(MaxMaxRetries): %v", err)
	}
	dir := t.TempDir()
	for _, give := range []string{"9223372036854775807", "99999999999999999999999"} {
		path := filepath.Join(dir, "routes.json")
		data := `{"routes": [{"pattern": "/x",` + "\n" + `"max_retries": ` + give + `}]}`
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := retryhttp.LoadConfig(path)
		if err == nil || !strings.Contains(err.Error(), "routes.json:2") || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("max_retries %s: err = %v, want file:line and out of range", give, err)
		}
	}
}

// Regression (issue 13.4): a duration too large is said to be out of range.
func TestDurationOutOfRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routes.json")
	data := `{"routes": [{"pattern": "/x", "max_delay": "99999999999h"}]}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := retryhttp.LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "out of range") || !strings.Contains(err.Error(), "99999999999h") {
		t.Errorf("err = %v, want the value and out of range", err)
	}
}

// AttemptOf numbers the attempts a base RoundTripper sees.
func TestAttemptOf(t *testing.T) {
	srv := retrytest.NewServer(retrytest.Status(503).Times(2), retrytest.Respond(200, "ok"))
	defer srv.Close()
	var mu sync.Mutex
	var seen []int
	base := roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, retryhttp.AttemptOf(req.Context()))
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(req)
	})
	c := &http.Client{Transport: retryhttp.NewTransport(base, quick...)}
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if len(seen) != 3 || seen[0] != 1 || seen[1] != 2 || seen[2] != 3 {
		t.Errorf("AttemptOf saw %v, want [1 2 3]", seen)
	}
	if n := retryhttp.AttemptOf(context.Background()); n != 1 {
		t.Errorf("AttemptOf(Background) = %d, want 1", n)
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Events carry the request's context.
func TestEventContext(t *testing.T) {
	type key struct{}
	srv, _, _ := setup(t, steps(retrytest.Status(503)))
	var got []any
	c := &http.Client{Transport: retryhttp.NewTransport(nil, append(quick, retryhttp.MaxRetries(1),
		retryhttp.Notify(func(e retry.Event) { got = append(got, e.Context.Value(key{})) }))...)}
	ctx := context.WithValue(context.Background(), key{}, "mine")
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(got) != 4 { // attempt, retry, attempt, give-up
		t.Fatalf("%d events, want 4", len(got))
	}
	for i, v := range got {
		if v != "mine" {
			t.Errorf("event %d: context value %v, want mine", i, v)
		}
	}
}
