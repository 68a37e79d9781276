package retryhttp_test

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// recorder is an slog.Handler that keeps records.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func attrs(rec slog.Record) map[string]any {
	m := map[string]any{}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Any()
		return true
	})
	return m
}

func TestLogLine(t *testing.T) {
	var h recorder
	srv, _, c := setup(t, steps(retrytest.Hangup(), retrytest.Status(503), retrytest.Status(200)),
		retryhttp.Logger(slog.New(&h)))
	resp, err := get(t, c, srv.URL+"/api/v1/assets/?page=1&token=secret")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	var msgs []string
	for _, r := range h.recs {
		msgs = append(msgs, r.Message)
		if r.Level != slog.LevelWarn {
			t.Errorf("level %v, want WARN", r.Level)
		}
	}
	want := []string{
		"[Retry 1/3] GET /api/v1/assets/ (delay: 1ms, reason: Network Error)",
		"[Retry 2/3] GET /api/v1/assets/ (delay: 2ms, reason: 503 Service Unavailable)",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Fatalf("messages\n%q, want\n%q", msgs, want)
	}
	a := attrs(h.recs[1])
	wantAttrs := map[string]any{
		"method": "GET", "url": srv.URL + "/api/v1/assets/", "retry": int64(2), "max_retries": int64(3),
		"delay": 2e6, "reason": "503 Service Unavailable", "status": int64(503),
	}
	for k, v := range wantAttrs {
		got := a[k]
		if d, ok := got.(interface{ Nanoseconds() int64 }); ok {
			got = float64(d.Nanoseconds())
		}
		if got != v {
			t.Errorf("attribute %s = %v (%T), want %v", k, a[k], a[k], v)
		}
	}
	if _, ok := attrs(h.recs[0])["error"].(error); !ok {
		t.Errorf("first record has no error attribute: %v", attrs(h.recs[0]))
	}
}

// By default retries go to slog.Default(), read at the time of the retry.
func TestLogDefault(t *testing.T) {
	var h recorder
	old := slog.Default()
	slog.SetDefault(slog.New(&h))
	defer slog.SetDefault(old)
	srv := retrytest.NewServer(retrytest.Status(502), retrytest.Status(200))
	defer srv.Close()
	rt := retryhttp.NewTransport(nil, retryhttp.BaseDelay(0))
	defer rt.CloseIdleConnections()
	resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if len(h.recs) != 1 || h.recs[0].Message != "[Retry 1/3] GET / (delay: 0ms, reason: 502 Bad Gateway)" {
		t.Errorf("records %v", h.recs)
	}
}
