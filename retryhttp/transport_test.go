package retryhttp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

func TestRetriesUntilSuccess(t *testing.T) {
	srv, base, c := setup(t, steps(retrytest.Status(503).Times(2), retrytest.Respond(200, "hello")))
	resp, err := get(t, c, srv.URL+"/x")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 200 || body != "hello" {
		t.Errorf("got %d %q, want 200 hello", resp.StatusCode, body)
	}
	if got := retryhttp.ResultOf(resp); got.Attempts != 3 || got.Cause != nil {
		t.Errorf("ResultOf = %+v, want 3 attempts and no cause", got)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
	if n := base.Conns(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// One connection for four attempts against a 503 server: every discarded
// response was drained and closed, and the caller gets the last one intact.
func TestExhaustedOnStatusReturnsLastResponse(t *testing.T) {
	srv, base, c := setup(t, steps(retrytest.Respond(503, "down for maintenance")))
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatalf("err = %v, want nil with the last response", err)
	}
	if body := readAll(t, resp); resp.StatusCode != 503 || body != "down for maintenance" {
		t.Errorf("got %d %q, want the last 503 with its body", resp.StatusCode, body)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("server saw %d requests, want 4 (3 retries)", n)
	}
	if srv.Conns() != 1 || base.Dials() != 1 {
		t.Errorf("server accepted %d connections, client dialed %d; want 1 and 1", srv.Conns(), base.Dials())
	}
	if got := retryhttp.ResultOf(resp); got.Attempts != 4 || got.Cause != nil {
		t.Errorf("ResultOf = %+v, want 4 attempts, no cause", got)
	}
}

func TestDefaultConditions(t *testing.T) {
	tests := []struct {
		give int
		want int // requests made
	}{
		{200, 1}, {201, 1}, {204, 1}, {304, 1},
		{400, 1}, {401, 1}, {403, 1}, {404, 1}, {409, 1}, {422, 1},
		{408, 3}, {429, 3},
		{500, 3}, {501, 3}, {502, 3}, {503, 3}, {504, 3}, {599, 3},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.give), func(t *testing.T) {
			srv, _, c := setup(t, steps(retrytest.Status(tt.give)), retryhttp.MaxRetries(2))
			resp, err := get(t, c, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.StatusCode != tt.give {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.give)
			}
			if n := len(srv.Requests()); n != tt.want {
				t.Errorf("%d requests, want %d", n, tt.want)
			}
		})
	}
}

func TestUnauthorizedCallsHookAndIsNeverRetried(t *testing.T) {
	var calls []string
	hook := retryhttp.OnUnauthorized(func(resp *http.Response) {
		calls = append(calls, resp.Header.Get("WWW-Authenticate"))
	})
	always := retryhttp.Condition(func(*http.Response, error) bool { return true })
	srv, _, c := setup(t, steps(retrytest.Status(401, "WWW-Authenticate", "Bearer")), hook, always)
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 401 || body != "Unauthorized\n" {
		t.Errorf("got %d %q, want the 401 with its body", resp.StatusCode, body)
	}
	if len(srv.Requests()) != 1 || !reflect.DeepEqual(calls, []string{"Bearer"}) {
		t.Errorf("%d requests, hook calls %q; want 1 and [Bearer]", len(srv.Requests()), calls)
	}
}

func TestNetworkErrorsExhausted(t *testing.T) {
	base := retrytest.NewTransport()
	defer base.CloseIdleConnections()
	c := &http.Client{Transport: retryhttp.NewTransport(base, quick...)}
	_, err := get(t, c, retrytest.RefusedURL()+"/x")
	var ue *url.Error
	var re *retry.Error
	if !errors.As(err, &ue) || !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want a *url.Error wrapping a *retry.Error", err, err)
	}
	if re.Attempts != 4 || len(re.Errors) != 4 || re.Cause != nil {
		t.Errorf("retry.Error{Attempts: %d, %d errors, Cause: %v}, want 4, 4, nil", re.Attempts, len(re.Errors), re.Cause)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("errors.Is(err, ECONNREFUSED) = false for %v", err)
	}
	if base.Dials() != 4 {
		t.Errorf("%d dials, want 4", base.Dials())
	}
}

func TestHangupAndResetAreRetried(t *testing.T) {
	for _, fault := range []struct {
		name string
		step retrytest.Step
	}{{"hangup", retrytest.Hangup()}, {"reset", retrytest.Reset()}} {
		t.Run(fault.name, func(t *testing.T) {
			srv, _, c := setup(t, steps(fault.step.Times(2), retrytest.Respond(200, "ok")))
			resp, err := get(t, c, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if body := readAll(t, resp); body != "ok" || len(srv.Requests()) != 3 {
				t.Errorf("body %q after %d requests, want ok after 3", body, len(srv.Requests()))
			}
		})
	}
}

func TestIdempotency(t *testing.T) {
	tests := []struct {
		name   string
		method string
		key    string // Idempotency-Key
		opts   []retryhttp.Option
		step   retrytest.Step
		want   int
	}{
		{"POST 503", "POST", "", nil, retrytest.Status(503), 1},
		{"POST hangup", "POST", "", nil, retrytest.Hangup(), 1},
		{"PATCH 503", "PATCH", "", nil, retrytest.Status(503), 1},
		{"POST 503 with key", "POST", "k1", nil, retrytest.Status(503), 4},
		{"POST hangup with key", "POST", "k1", nil, retrytest.Hangup(), 4},
		{"POST 503 Idempotent", "POST", "", []retryhttp.Option{retryhttp.Idempotent(true)}, retrytest.Status(503), 4},
		{"PUT 503", "PUT", "", nil, retrytest.Status(503), 4},
		{"DELETE hangup", "DELETE", "", nil, retrytest.Hangup(), 4},
		{"HEAD 503", "HEAD", "", nil, retrytest.Status(503), 4},
		{"OPTIONS 503", "OPTIONS", "", nil, retrytest.Status(503), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, c := setup(t, steps(tt.step), tt.opts...)
			req := newRequest(t, tt.method, srv.URL, "payload")
			if tt.key != "" {
				req.Header.Set("Idempotency-Key", tt.key)
			}
			resp, err := c.Do(req)
			if err == nil {
				readAll(t, resp)
			}
			if n := len(srv.Requests()); n != tt.want {
				t.Errorf("%d requests, want %d (err %v)", n, tt.want, err)
			}
			if tt.want == 1 && err != nil {
				var re *retry.Error
				if errors.As(err, &re) {
					t.Errorf("a request not retried for safety returned %v, want its own error", err)
				}
			}
		})
	}
}

// A failed dial proves the request never left, so even a POST is retried.
func TestPostRetriedAfterDialFailure(t *testing.T) {
	base := retrytest.NewTransport()
	defer base.CloseIdleConnections()
	c := &http.Client{Transport: retryhttp.NewTransport(base, quick...)}
	req := newRequest(t, "POST", retrytest.RefusedURL(), "payload")
	_, err := c.Do(req)
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 4 || base.Dials() != 4 {
		t.Errorf("err = %v after %d dials, want a *retry.Error after 4", err, base.Dials())
	}
}

func TestBodyReplayedByteForByte(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 5000) // 90 KB
	srv, _, c := setup(t, steps(retrytest.Status(503), retrytest.Hangup(), retrytest.Status(200)))
	req, err := http.NewRequest("PUT", srv.URL, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, payload) {
			t.Errorf("request %d: body of %d bytes differs from the %d sent", i+1, len(r.Body), len(payload))
		}
	}
}

// A body without GetBody cannot be replayed: it is sent once.
func TestBodyWithoutGetBodyIsSentOnce(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(503)))
	req := newRequest(t, "PUT", srv.URL, "")
	req.Body = io.NopCloser(strings.NewReader("once"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if reqs := srv.Requests(); len(reqs) != 1 || string(reqs[0].Body) != "once" {
		t.Errorf("requests %+v, want one with body once", reqs)
	}
}

// trackedBody counts Close calls.
type trackedBody struct {
	io.Reader
	closed *int
}

func (b trackedBody) Close() error { *b.closed++; return nil }

func TestCallerRequestIsNotModified(t *testing.T) {
	srv, _, _ := setup(t, steps(retrytest.Status(503).Times(2), retrytest.Status(200)))
	var sent []*http.Request
	rt := retryhttp.NewTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r)
		return http.DefaultTransport.RoundTrip(r)
	}), append(quick, retryhttp.Idempotent(true))...)
	closed := 0
	req := newRequest(t, "POST", srv.URL, "")
	req.Body = trackedBody{strings.NewReader("b0"), &closed}
	req.GetBody = func() (io.ReadCloser, error) { return trackedBody{strings.NewReader("b1"), &closed}, nil }
	req.Header.Set("X-Caller", "yes")
	snapshot := *req
	header := req.Header.Clone()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if len(sent) != 3 {
		t.Fatalf("%d attempts, want 3", len(sent))
	}
	for i, r := range sent[1:] {
		if r == req {
			t.Errorf("retry %d sent the caller's request itself", i+1)
		}
	}
	if !reflect.DeepEqual(snapshot.URL, req.URL) || snapshot.Method != req.Method || snapshot.Body != req.Body ||
		snapshot.Context() != req.Context() || snapshot.ContentLength != req.ContentLength ||
		!reflect.DeepEqual(header, req.Header) {
		t.Error("the caller's request was modified")
	}
	if closed != 3 {
		t.Errorf("%d bodies closed, want 3 (the caller's and two from GetBody)", closed)
	}
	var bodies []string
	for _, r := range srv.Requests() {
		bodies = append(bodies, string(r.Body))
	}
	if want := []string{"b0", "b1", "b1"}; !reflect.DeepEqual(bodies, want) {
		t.Errorf("server got bodies %q, want %q", bodies, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		step   retrytest.Step
		max    time.Duration
		want   time.Duration // delay of the first retry
		margin time.Duration
	}{
		{"503 seconds, capped", retrytest.Status(503, "Retry-After", "120"), 30 * time.Millisecond, 30 * time.Millisecond, 0},
		{"429 seconds, capped", retrytest.Status(429, "Retry-After", "7"), 20 * time.Millisecond, 20 * time.Millisecond, 0},
		{"503 date, capped", retrytest.Status(503, "Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), 25 * time.Millisecond, 25 * time.Millisecond, 0},
		{"500 ignores it", retrytest.Status(500, "Retry-After", "120"), time.Second, time.Millisecond, 0},
		{"nonsense ignored", retrytest.Status(503, "Retry-After", "soon"), time.Second, time.Millisecond, 0},
		{"negative ignored", retrytest.Status(503, "Retry-After", "-5"), time.Second, time.Millisecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var delays []time.Duration
			notify := retryhttp.Notify(func(e retry.Event) {
				if e.Kind == retry.EventRetry {
					delays = append(delays, e.Delay)
				}
			})
			srv, _, c := setup(t, steps(tt.step, retrytest.Status(200)), retryhttp.MaxDelay(tt.max), notify)
			start := time.Now()
			resp, err := get(t, c, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if len(delays) != 1 || delays[0] != tt.want {
				t.Errorf("delays %v, want [%v]", delays, tt.want)
			}
			if el := time.Since(start); el < tt.want {
				t.Errorf("returned after %v, before the delay of %v", el, tt.want)
			}
		})
	}
}

func TestCancelStopsWaitAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notify := retryhttp.Notify(func(e retry.Event) {
		if e.Kind == retry.EventRetry {
			cancel()
		}
	})
	srv, _, c := setup(t, steps(retrytest.Status(503)), retryhttp.BaseDelay(time.Minute), retryhttp.MaxDelay(time.Minute), notify)
	req := newRequest(t, "GET", srv.URL, "").WithContext(ctx)
	start := time.Now()
	_, err := c.Do(req)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("returned after %v, want at once", el)
	}
	var re *retry.Error
	var se *retryhttp.StatusError
	if !errors.As(err, &re) || !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.StatusCode != 503 {
		t.Errorf("err = %v, want a *retry.Error with Cause context.Canceled and the 503", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCancelledContextIsNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv, base, c := setup(t, steps(retrytest.Status(503)))
	_, err := c.Do(newRequest(t, "GET", srv.URL, "").WithContext(ctx))
	if !errors.Is(err, context.Canceled) || base.RoundTrips() != 1 || len(srv.Requests()) != 0 {
		t.Errorf("err = %v after %d round trips, want context.Canceled after 1", err, base.RoundTrips())
	}
}

// A wait that would pass the deadline is not started: the caller gets the
// last response at once, marked.
func TestNoWaitPastDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	srv, _, c := setup(t, steps(retrytest.Respond(503, "busy")), retryhttp.BaseDelay(10*time.Second), retryhttp.MaxDelay(10*time.Second))
	start := time.Now()
	resp, err := c.Do(newRequest(t, "GET", srv.URL, "").WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); body != "busy" {
		t.Errorf("body %q, want busy", body)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v, want at once", el)
	}
	if r := retryhttp.ResultOf(resp); !errors.Is(r.Cause, context.DeadlineExceeded) || r.Attempts != 1 {
		t.Errorf("ResultOf = %+v, want 1 attempt and a deadline cause", r)
	}
}

func TestNoWaitPastDeadlineNetworkError(t *testing.T) {
	c := retryhttp.NewClient(retryhttp.Logger(nil), retryhttp.BaseDelay(5*time.Second))
	c.Timeout = 2 * time.Second
	_, err := c.Get(retrytest.RefusedURL())
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 1 || !errors.Is(re.Cause, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a *retry.Error after 1 attempt with a deadline cause", err)
	}
}

func TestWithRetryOverrides(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(500)), retryhttp.MaxRetries(1))
	t.Run("retries", func(t *testing.T) {
		before := len(srv.Requests())
		req := retryhttp.WithRetry(newRequest(t, "GET", srv.URL, ""), retryhttp.MaxRetries(3))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if n := len(srv.Requests()) - before; n != 4 {
			t.Errorf("%d requests, want 4", n)
		}
	})
	t.Run("condition", func(t *testing.T) {
		before := len(srv.Requests())
		only503 := retryhttp.Condition(func(resp *http.Response, err error) bool {
			return resp != nil && resp.StatusCode == 503
		})
		req := retryhttp.WithRetry(newRequest(t, "GET", srv.URL, ""), only503)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if n := len(srv.Requests()) - before; n != 1 {
			t.Errorf("%d requests, want 1: the condition does not retry 500", n)
		}
	})
	t.Run("adds up", func(t *testing.T) {
		before := len(srv.Requests())
		req := retryhttp.WithRetry(newRequest(t, "GET", srv.URL, ""), retryhttp.MaxRetries(5), retryhttp.BaseDelay(0))
		req = retryhttp.WithRetry(req, retryhttp.MaxRetries(2))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		if n := len(srv.Requests()) - before; n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("caller's request untouched", func(t *testing.T) {
		req := newRequest(t, "GET", srv.URL, "")
		ctx := req.Context()
		r2 := retryhttp.WithRetry(req, retryhttp.MaxRetries(0))
		if req.Context() != ctx || r2 == req {
			t.Error("WithRetry modified its argument")
		}
	})
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []retryhttp.Option
		want string
	}{
		{"negative retries", []retryhttp.Option{retryhttp.MaxRetries(-1)}, "retryhttp: MaxRetries(-1): must not be negative"},
		{"base above max", []retryhttp.Option{retryhttp.BaseDelay(20 * time.Second)}, "base delay 20s is above max delay 10s"},
		{"jitter", []retryhttp.Option{retryhttp.Jitter(11)}, "Jitter(11): must be from 0 to 10"},
		{"nil condition", []retryhttp.Option{retryhttp.Condition(nil)}, "Condition: nil function"},
		{"zero option", []retryhttp.Option{{}}, "the zero Option"},
		{"empty name", []retryhttp.Option{retryhttp.Name("")}, "Name: empty name"},
		{"route with name", []retryhttp.Option{retryhttp.Route("/x", retryhttp.Name("x"))}, `Route("/x"): Name: configures a Transport`},
		{"bad status", []retryhttp.Option{retryhttp.Statuses(503, 700)}, "700 is not an HTTP status code"},
		{"route with logger", []retryhttp.Option{retryhttp.Route("/x", retryhttp.Logger(nil))}, `Route("/x"): Logger: configures a Transport`},
		{"route bad pattern", []retryhttp.Option{retryhttp.Route("GET /x/{")}, `Route("GET /x/{"): parsing "GET /x/{"`},
		{"route conflict", []retryhttp.Option{retryhttp.Route("GET /a/{x}"), retryhttp.Route("GET /{y}/b")},
			`Route("GET /{y}/b") conflicts with Route("GET /a/{x}"): GET /{y}/b and GET /a/{x} both match some paths`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := retryhttp.New(nil, tt.opts...)
			if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want ErrInvalidOption with %q", err, tt.want)
			}
			// NewClient fails every request, unsent.
			srv, base, _ := setup(t, nil)
			c := &http.Client{Transport: retryhttp.NewTransport(base, tt.opts...)}
			if _, err := get(t, c, srv.URL); !errors.Is(err, retry.ErrInvalidOption) || base.RoundTrips() != 0 {
				t.Errorf("request: %v after %d round trips, want ErrInvalidOption unsent", err, base.RoundTrips())
			}
		})
	}
	t.Run("WithRetry", func(t *testing.T) {
		srv, base, c := setup(t, nil)
		closed := 0
		req := newRequest(t, "PUT", srv.URL, "")
		req.Body = trackedBody{strings.NewReader("x"), &closed}
		_, err := c.Do(retryhttp.WithRetry(req, retryhttp.OnUnauthorized(func(*http.Response) {})))
		if !errors.Is(err, retry.ErrInvalidOption) || base.RoundTrips() != 0 || closed != 1 {
			t.Errorf("err = %v, %d round trips, body closed %d times; want ErrInvalidOption, 0, 1", err, base.RoundTrips(), closed)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	srv, base, c := setup(t, steps(retrytest.Status(503).Times(30), retrytest.Hangup().Times(10), retrytest.Respond(200, "ok")))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10 {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := base.RoundTrips(); n < 160 || n > 160+40 {
		t.Errorf("%d round trips, want 160 to 200", n)
	}
}

type idleCounter struct {
	http.RoundTripper
	n int
}

func (c *idleCounter) CloseIdleConnections() { c.n++ }

func TestCloseIdleConnectionsIsForwarded(t *testing.T) {
	base := &idleCounter{RoundTripper: http.DefaultTransport}
	c := &http.Client{Transport: retryhttp.NewTransport(base)}
	c.CloseIdleConnections()
	if base.n != 1 {
		t.Errorf("base's CloseIdleConnections called %d times, want 1", base.n)
	}
	retryhttp.NewTransport(roundTripFunc(nil)).CloseIdleConnections() // no such method: no panic
}

func TestAttemptTimeout(t *testing.T) {
	var errs []error
	notify := retryhttp.Notify(func(e retry.Event) {
		if e.Kind == retry.EventAttempt {
			errs = append(errs, e.Err)
		}
	})
	srv, _, c := setup(t, steps(retrytest.Status(200).After(time.Minute), retrytest.Respond(200, "fast")),
		retryhttp.AttemptTimeout(100*time.Millisecond), notify)
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The body is read after RoundTrip returned: the attempt's context must
	// still be alive.
	if body := readAll(t, resp); body != "fast" {
		t.Errorf("body %q, want fast", body)
	}
	if len(errs) != 2 || !errors.Is(errs[0], retryhttp.ErrAttemptTimeout) || errs[1] != nil {
		t.Errorf("attempt errors %v, want [attempt timed out, nil]", errs)
	}
}

func TestAttemptTimeoutPostNotRetried(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(200).After(time.Minute)), retryhttp.AttemptTimeout(50*time.Millisecond))
	_, err := c.Do(newRequest(t, "POST", srv.URL, "x"))
	if !errors.Is(err, retryhttp.ErrAttemptTimeout) || len(srv.Requests()) != 1 {
		t.Errorf("err = %v after %d requests, want ErrAttemptTimeout after 1", err, len(srv.Requests()))
	}
}

func TestEvents(t *testing.T) {
	var got []string
	notify := retryhttp.Notify(func(e retry.Event) {
		got = append(got, fmt.Sprintf("%v %s %d/%d", e.Kind, e.Name, e.Attempt, e.MaxAttempts))
	})
	srv, _, c := setup(t, steps(retrytest.Status(503).Times(2), retrytest.Status(200)), notify,
		retryhttp.Route("GET /items/{id}", retryhttp.MaxRetries(1)))
	for _, path := range []string{"/a", "/items/42"} {
		resp, err := get(t, c, srv.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
	}
	// Names are the client's name or the route's pattern, never the path.
	want := []string{"attempt http 1/4", "retry http 1/4", "attempt http 2/4", "retry http 2/4", "attempt http 3/4",
		"attempt GET /items/{id} 1/2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events\n%q, want\n%q", got, want)
	}
}

func TestName(t *testing.T) {
	var got []string
	srv, _, c := setup(t, steps(retrytest.Status(200)), retryhttp.Name("inventory"),
		retryhttp.Notify(func(e retry.Event) { got = append(got, e.Name) }))
	resp, err := get(t, c, srv.URL+"/a")
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if !reflect.DeepEqual(got, []string{"inventory"}) {
		t.Errorf("event names %q, want [inventory]", got)
	}
}

// Naming the events costs nothing: a request makes as many allocations with
// Notify as without.
func TestEventsAllocateNothing(t *testing.T) {
	base := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	req, _ := http.NewRequest("GET", "http://h/api/v1/assets/42", nil)
	allocs := func(opts ...retryhttp.Option) float64 {
		rt := retryhttp.NewTransport(base, append(opts, retryhttp.Route("GET /api/v1/assets/{id}"))...)
		return testing.AllocsPerRun(100, func() { rt.RoundTrip(req) })
	}
	n := 0
	without, with := allocs(), allocs(retryhttp.Notify(func(e retry.Event) { n += len(e.Name) }))
	if with != without {
		t.Errorf("%v allocations per request with Notify, %v without", with, without)
	}
}

func TestNameOf(t *testing.T) {
	rt, err := retryhttp.New(nil, retryhttp.Name("inventory"),
		retryhttp.Route("GET /api/v1/assets/{id}"), retryhttp.Route("/static/"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ give, want string }{
		{"GET http://h/api/v1/assets/42", "GET /api/v1/assets/{id}"},
		{"HEAD http://h/api/v1/assets/42", "GET /api/v1/assets/{id}"},
		{"POST http://h/api/v1/assets/42", "inventory"},
		{"GET http://h/static/app.js", "/static/"},
		{"GET http://h/static", "/static/"}, // ServeMux would redirect to /static/
		{"GET http://h/other?q=1", "inventory"},
	}
	for _, tt := range tests {
		method, url, _ := strings.Cut(tt.give, " ")
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.NameOf(req); got != tt.want {
			t.Errorf("NameOf(%s) = %q, want %q", tt.give, got, tt.want)
		}
	}
	req, _ := http.NewRequest("GET", "http://h/", nil)
	if got := (&retryhttp.Transport{}).NameOf(req); got != retryhttp.DefaultName {
		t.Errorf("zero Transport: NameOf = %q, want %q", got, retryhttp.DefaultName)
	}
}

// The zero Transport is usable, with the defaults.
func TestZeroTransport(t *testing.T) {
	srv, _, _ := setup(t, nil)
	resp, err := (&http.Client{Transport: &retryhttp.Transport{}}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
}

// When GetBody fails, the last result comes back as it is, marked.
func TestGetBodyError(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Respond(503, "busy")))
	errGone := errors.New("body gone")
	req := newRequest(t, "PUT", srv.URL, "x")
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); body != "busy" || !errors.Is(retryhttp.ResultOf(resp).Cause, errGone) {
		t.Errorf("body %q, result %+v; want busy and the GetBody error", body, retryhttp.ResultOf(resp))
	}
}
