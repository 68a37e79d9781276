package retryhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/backoff"
	"github.com/nop-platform/retry/retryhttp"
)

// These tests use an in-memory base transport, so that synctest's clock
// can run the default delays (seconds) at once. The network tests use
// loopback servers and millisecond delays instead.

// canned answers every request with status and header, counting them.
type canned struct {
	status int
	header http.Header
	n      int
}

func (c *canned) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n++
	return &http.Response{StatusCode: c.status, Header: c.header.Clone(), Request: req,
		Body: io.NopCloser(strings.NewReader("busy"))}, nil
}

func TestDefaultDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &canned{status: 503}
		var delays []time.Duration
		rt := retryhttp.NewTransport(base, retryhttp.Logger(nil), retryhttp.Notify(func(e retry.Event) {
			if e.Kind == retry.EventRetry {
				delays = append(delays, e.Delay)
			}
		}))
		start := time.Now()
		resp, err := rt.RoundTrip(httptestRequest(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if base.n != 4 || len(delays) != 3 {
			t.Fatalf("%d attempts and delays %v, want 4 and 3", base.n, delays)
		}
		spec := backoff.Exponential{Base: time.Second, Max: 10 * time.Second, Jitter: 0.3}
		var total time.Duration
		for i, d := range delays {
			lo, hi := spec.Bounds(i + 1)
			if d < lo || d > hi {
				t.Errorf("delay %d = %v, want %v to %v", i+1, d, lo, hi)
			}
			total += d
		}
		if el := time.Since(start); el != total {
			t.Errorf("took %v, want the sum of the delays, %v", el, total)
		}
	})
}

func TestRetryAfterWaitedInFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &canned{status: 429, header: http.Header{"Retry-After": {"8"}}}
		rt := retryhttp.NewTransport(base, retryhttp.Logger(nil), retryhttp.MaxRetries(1))
		start := time.Now()
		resp, err := rt.RoundTrip(httptestRequest(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if el := time.Since(start); el != 8*time.Second {
			t.Errorf("waited %v, want Retry-After's 8s", el)
		}
		// Capped by the maximum delay.
		base.header.Set("Retry-After", "3600")
		start = time.Now()
		resp, err = rt.RoundTrip(httptestRequest(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if el := time.Since(start); el != 10*time.Second {
			t.Errorf("waited %v, want the maximum delay, 10s", el)
		}
	})
}

func TestDeadlineStopsBeforeWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &canned{status: 503}
		rt := retryhttp.NewTransport(base, retryhttp.Logger(nil), retryhttp.Jitter(0))
		// Delays 1s, 2s, 4s: after the first two (3s), 4s would pass 5s.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		resp, err := rt.RoundTrip(httptestRequest(ctx))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		r := retryhttp.ResultOf(resp)
		if el := time.Since(start); el != 3*time.Second || base.n != 3 || r.Attempts != 3 || !errors.Is(r.Cause, context.DeadlineExceeded) {
			t.Errorf("after %v and %d attempts, result %+v; want 3s, 3, a deadline cause", el, base.n, r)
		}
	})
}

func TestCancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := &canned{status: 503}
		b := &fakeBudget{left: 10}
		rt := retryhttp.NewTransport(base, retryhttp.Logger(nil), retryhttp.Jitter(0),
			retryhttp.Budget(func(string) retry.Budget { return b }))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(1500*time.Millisecond, cancel) // during the second wait
		start := time.Now()
		_, err := rt.RoundTrip(httptestRequest(ctx))
		var re *retry.Error
		if el := time.Since(start); el != 1500*time.Millisecond || !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, context.Canceled) {
			t.Errorf("after %v: %v; want 1.5s and a *retry.Error after 2 attempts, cancelled", el, err)
		}
		if b.cancels != 1 || b.left != 9 {
			t.Errorf("budget: %d cancels, %d left; want the retry granted before the cancelled wait given back (1, 9)", b.cancels, b.left)
		}
	})
}

func httptestRequest(ctx context.Context) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.test/api/v1/assets/", nil)
	if err != nil {
		panic(err)
	}
	return req
}
