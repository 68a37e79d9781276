package retryhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// Every attempt that takes a permit gives it back exactly once, whatever
// happens to it: InFlight is 0 after the request (not negative: no second
// report), and the limit never refuses the next request.
func TestLimitPermitGivenBackOnEveryPath(t *testing.T) {
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stall.Close)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	hang := retrytest.NewServer(retrytest.Hangup())
	t.Cleanup(hang.Close)
	ok := retrytest.NewServer(retrytest.Respond(200, "fine"))
	t.Cleanup(ok.Close)
	flaky := retrytest.NewServer(retrytest.Respond(503, "busy"), retrytest.Respond(200, "fine"))
	t.Cleanup(flaky.Close)

	tests := []struct {
		name   string
		url    string
		opts   []retryhttp.Option
		ctx    func() (context.Context, context.CancelFunc)
		unread bool // leave the final body unread until the check
	}{
		{name: "success", url: ok.URL},
		{name: "success, body unread", url: ok.URL, unread: true},
		{name: "503 then success", url: flaky.URL},
		{name: "refused port", url: retrytest.RefusedURL()},
		{name: "hijack and close", url: hang.URL},
		{name: "attempt timeout before headers", url: slow.URL,
			opts: []retryhttp.Option{retryhttp.AttemptTimeout(30 * time.Millisecond), retryhttp.MaxRetries(1)}},
		{name: "stalled body, attempt timeout", url: stall.URL,
			opts:   []retryhttp.Option{retryhttp.AttemptTimeout(50 * time.Millisecond), retryhttp.MaxRetries(1)},
			unread: true}, // the last response's body stalls: the caller's to bound
		{name: "context deadline during the attempt", url: slow.URL,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 30*time.Millisecond)
			}},
		{name: "context canceled during the attempt", url: slow.URL,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(30*time.Millisecond, cancel)
				return ctx, cancel
			}},
		{name: "context canceled before", url: ok.URL,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := fixedLimit(t, 1)
			var events []retry.Event
			c := limitClient(t, l, &events, nil, tt.opts...)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if got := l.InFlight(); got != 0 {
				t.Errorf("InFlight = %d after the request (err %v), want 0", got, err)
			}
			if resp != nil {
				if !tt.unread {
					io.Copy(io.Discard, resp.Body)
				}
				resp.Body.Close()
			}
			if errors.Is(err, limit.ErrLimited) {
				t.Errorf("err = %v: the limit refused an attempt with nothing else in flight", err)
			}
			p, err := l.AcquireAt(time.Now())
			if err != nil {
				t.Errorf("after the request, the limit of 1 refuses: %v", err)
			}
			p.Done(limit.Failed)
			if got := l.InFlight(); got != 0 {
				t.Errorf("InFlight = %d at the end, want 0", got)
			}
		})
	}
}

// A base RoundTripper that panics does not keep the attempt's permit: the
// panic goes up to the caller and the limit has room again.
func TestLimitPermitGivenBackOnPanic(t *testing.T) {
	l := fixedLimit(t, 1)
	rt, err := retryhttp.New(roundTripFunc(func(*http.Request) (*http.Response, error) {
		panic("base transport bug")
	}), append(quick, retryhttp.Limit(func(string) *limit.Limiter { return l }))...)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/", nil)
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("the base transport's panic did not reach the caller")
			}
		}()
		rt.RoundTrip(req)
	}()
	if got := l.InFlight(); got != 0 {
		t.Errorf("InFlight = %d after a panicking attempt, want 0: the permit leaked", got)
	}
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closes *atomic.Int32
}

func (b closeCounter) Close() error { b.closes.Add(1); return nil }

// A request the limit refuses is not sent, but its body is still closed, as
// RoundTrip must always do: the first attempt's body, and the copy GetBody
// made for a retry refused after its wait.
func TestLimitRefusalClosesBody(t *testing.T) {
	srv, hits := limitServer(t, http.StatusBadGateway, 0)
	t.Run("first attempt", func(t *testing.T) {
		l := fixedLimit(t, 1)
		held, _ := l.AcquireAt(time.Now())
		defer held.Done(limit.OK)
		var events []retry.Event
		c := limitClient(t, l, &events, nil)
		var closes atomic.Int32
		req, _ := http.NewRequest(http.MethodPut, srv.URL, closeCounter{strings.NewReader("x"), &closes})
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, limit.ErrLimited) {
			t.Fatalf("err = %v, want limit.ErrLimited", err)
		}
		if n := closes.Load(); n != 1 {
			t.Errorf("request body closed %d times, want 1", n)
		}
	})
	t.Run("context done before the first attempt", func(t *testing.T) {
		l := fixedLimit(t, 1)
		var events []retry.Event
		c := limitClient(t, l, &events, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var closes atomic.Int32
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, closeCounter{strings.NewReader("x"), &closes})
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		if err == nil {
			t.Fatal("no error for a canceled request")
		}
		if n := closes.Load(); n != 1 {
			t.Errorf("request body closed %d times, want 1", n)
		}
	})
	t.Run("retry refused after the wait", func(t *testing.T) {
		l := fixedLimit(t, 1)
		var held limit.Permit
		var events []retry.Event
		c := limitClient(t, l, &events, func(e retry.Event) {
			if e.Kind == retry.EventRetry {
				held, _ = l.AcquireAt(time.Now())
			}
		})
		defer func() { held.Done(limit.OK) }()
		var copies, closes atomic.Int32
		req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("x"))
		req.GetBody = func() (io.ReadCloser, error) {
			copies.Add(1)
			return closeCounter{strings.NewReader("x"), &closes}, nil
		}
		before := hits.Load()
		resp, err := c.Do(req)
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, limit.ErrLimited) || hits.Load()-before != 1 {
			t.Fatalf("err = %v after %d requests, want limit.ErrLimited after 1", err, hits.Load()-before)
		}
		if c, n := copies.Load(), closes.Load(); c != 1 || n != 1 {
			t.Errorf("GetBody made %d copies, %d closed; want 1 made and closed", c, n)
		}
	})
}
