package promretry_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
)

func TestLimiterStats(t *testing.T) {
	m, reg := setup(t)
	l, err := limit.New(limit.Initial(2), limit.Min(2), limit.Max(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Limiter("inventory", l); err != nil {
		t.Fatal(err)
	}
	if err := m.Limiter("inventory", l); err != nil {
		t.Errorf("registering the same limiter again: %v", err)
	}
	other, _ := limit.New()
	if err := m.Limiter("inventory", other); err == nil {
		t.Error("a second limiter named inventory was accepted")
	}
	names := []string{"retry_limit", "retry_limit_in_flight", "retry_limit_rejected_total"}
	wantSeries(t, reg, []string{
		`retry_limit{limiter="inventory"} 2`, // series at 0 are not compared
	}, names...)
	if n := count(t, reg, "retry_limit_in_flight") + count(t, reg, "retry_limit_rejected_total"); n != 2 {
		t.Errorf("%d series of retry_limit_in_flight and retry_limit_rejected_total, want 2", n)
	}
	now := time.Now()
	p1, _ := l.AcquireAt(now)
	p2, _ := l.AcquireAt(now)
	if _, err := l.AcquireAt(now); err == nil {
		t.Fatal("a third call was admitted under a limit of 2")
	}
	wantSeries(t, reg, []string{
		`retry_limit{limiter="inventory"} 2`,
		`retry_limit_in_flight{limiter="inventory"} 2`,
		`retry_limit_rejected_total{limiter="inventory"} 1`,
	}, names...)
	p1.DoneAt(now, limit.OK)
	p2.DoneAt(now, limit.OK)
}

// The per-host limiters of a retryhttp client, exported through their
// Group, labelled by host.
func TestLimiterGroup(t *testing.T) {
	m, reg := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var g limit.Group
	m.LimiterGroup(&g)
	m.LimiterGroup(&g) // once only
	c := retryhttp.NewClient(retryhttp.Limit(g.Get), retryhttp.MaxRetries(0), retryhttp.Logger(nil))
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	host := srv.Listener.Addr().String()
	wantSeries(t, reg, []string{
		`retry_limit{limiter="` + host + `"} 18`, // 20, cut by 0.9 for the 503
	}, "retry_limit", "retry_limit_in_flight", "retry_limit_rejected_total")
}
