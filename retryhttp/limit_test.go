package retryhttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
)

// limitServer answers every request with status after delay and counts
// the requests.
func limitServer(t *testing.T, status int, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func limitClient(t *testing.T, l *limit.Limiter, events *[]retry.Event, hook func(retry.Event), opts ...retryhttp.Option) *http.Client {
	t.Helper()
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	all := append(append([]retryhttp.Option(nil), quick...),
		retryhttp.Limit(func(string) *limit.Limiter { return l }),
		retryhttp.Notify(func(e retry.Event) {
			*events = append(*events, e)
			if hook != nil {
				hook(e)
			}
		}))
	rt, err := retryhttp.New(base, append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rt}
}

func fixedLimit(t *testing.T, n int) *limit.Limiter {
	t.Helper()
	l, err := limit.New(limit.Initial(n), limit.Min(n), limit.Max(n))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func kinds(events []retry.Event) []retry.EventKind {
	var out []retry.EventKind
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

func TestLimitRefusesFirstAttempt(t *testing.T) {
	srv, hits := limitServer(t, http.StatusOK, 0)
	l := fixedLimit(t, 1)
	held, _ := l.AcquireAt(time.Now())
	defer held.Done(limit.OK)
	var events []retry.Event
	c := limitClient(t, l, &events, nil)
	resp, err := get(t, c, srv.URL)
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, limit.ErrLimited) {
		t.Fatalf("err = %v, want limit.ErrLimited", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the server saw %d requests; a refused attempt must not be sent", hits.Load())
	}
	if len(events) != 1 || events[0].Kind != retry.EventLimited || events[0].Attempt != 1 {
		t.Errorf("events %v, want one EventLimited for attempt 1", kinds(events))
	}
}

// A limit that is full when a retry is due stops the request with the last
// response, intact.
func TestLimitFullStopsRetriesWithLastResponse(t *testing.T) {
	srv, hits := limitServer(t, http.StatusBadGateway, 0)
	l := fixedLimit(t, 1)
	var held limit.Permit
	var events []retry.Event
	b := &fakeBudget{left: 3}
	c := limitClient(t, l, &events, func(e retry.Event) {
		if e.Kind == retry.EventAttempt && e.Attempt == 1 {
			held, _ = l.AcquireAt(time.Now()) // fill the limit
		}
	}, retryhttp.Budget(func(string) retry.Budget { return b }))
	resp, err := get(t, c, srv.URL)
	held.Done(limit.OK)
	if err != nil {
		t.Fatalf("err = %v, want the last response", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || hits.Load() != 1 {
		t.Errorf("status %d after %d requests, want 502 after 1", resp.StatusCode, hits.Load())
	}
	if r := retryhttp.ResultOf(resp); !errors.Is(r.Cause, limit.ErrLimited) || r.Attempts != 1 {
		t.Errorf("ResultOf = %+v, want Cause limit.ErrLimited after 1 attempt", r)
	}
	if b.left != 3 || b.cancels != 1 {
		t.Errorf("budget left %d after %d cancels, want 3 after 1: the grant given back", b.left, b.cancels)
	}
	want := []retry.EventKind{retry.EventAttempt, retry.EventLimited, retry.EventGiveUp}
	if got := kinds(events); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("events %v, want %v", got, want)
	}
}

// A limit that refuses a retry after its wait ends the request with a
// *retry.Error whose Cause matches limit.ErrLimited.
func TestLimitRefusesRetryAfterWait(t *testing.T) {
	srv, hits := limitServer(t, http.StatusBadGateway, 0)
	l := fixedLimit(t, 1)
	var held limit.Permit
	var events []retry.Event
	b := &fakeBudget{left: 3}
	c := limitClient(t, l, &events, func(e retry.Event) {
		if e.Kind == retry.EventRetry {
			held, _ = l.AcquireAt(time.Now())
		}
	}, retryhttp.Budget(func(string) retry.Budget { return b }))
	resp, err := get(t, c, srv.URL)
	if l.InFlight() != 1 { // the one held
		t.Errorf("InFlight = %d, want 1: every permit of the transport given back", l.InFlight())
	}
	held.Done(limit.OK)
	if resp != nil {
		resp.Body.Close()
		t.Fatalf("got a response %d, want an error", resp.StatusCode)
	}
	var re *retry.Error
	if !errors.As(err, &re) || !errors.Is(re.Cause, limit.ErrLimited) || re.Attempts != 1 {
		t.Fatalf("err = %v, want a *retry.Error after 1 attempt with Cause limit.ErrLimited", err)
	}
	if hits.Load() != 1 {
		t.Errorf("the server saw %d requests, want 1", hits.Load())
	}
	if b.left != 3 || b.cancels != 1 {
		t.Errorf("budget left %d after %d cancels, want 3 after 1: the grant given back", b.left, b.cancels)
	}
	want := []retry.EventKind{retry.EventAttempt, retry.EventRetry, retry.EventLimited, retry.EventGiveUp}
	if got := kinds(events); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	} else if events[2].Attempt != 2 {
		t.Errorf("limited event for attempt %d, want 2", events[2].Attempt)
	}
}

// 503s and attempt timeouts are overload and cut the limit; successes give
// every permit back.
func TestLimitLearnsOverload(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		delay  time.Duration
		opts   []retryhttp.Option
	}{
		{"503", http.StatusServiceUnavailable, 0, nil},
		{"429", http.StatusTooManyRequests, 0, nil},
		{"timeout", http.StatusOK, time.Second, []retryhttp.Option{retryhttp.AttemptTimeout(20 * time.Millisecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := limitServer(t, tc.status, tc.delay)
			l, err := limit.New()
			if err != nil {
				t.Fatal(err)
			}
			var events []retry.Event
			c := limitClient(t, l, &events, nil, append(tc.opts, retryhttp.MaxRetries(1))...)
			resp, err := get(t, c, srv.URL)
			if resp != nil {
				resp.Body.Close()
			}
			if got := l.Limit(); got >= limit.DefaultInitial {
				t.Errorf("limit %d after overload (err %v), want below %d", got, err, limit.DefaultInitial)
			}
			if l.InFlight() != 0 {
				t.Errorf("InFlight = %d, want 0", l.InFlight())
			}
		})
	}
	srv, _ := limitServer(t, http.StatusOK, 0)
	l, _ := limit.New()
	var events []retry.Event
	c := limitClient(t, l, &events, nil)
	for range 20 {
		resp, err := get(t, c, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
	}
	if l.InFlight() != 0 || l.Limit() != limit.DefaultInitial || l.Stats().Rejected != 0 {
		t.Errorf("after 20 successes: %+v, want nothing in flight, nothing rejected, limit unchanged", l.Stats())
	}
}

func TestLimitInvalidScope(t *testing.T) {
	var g limit.Group
	if _, err := retryhttp.New(nil, retryhttp.Route("/x", retryhttp.Limit(g.Get))); !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("Limit in a Route: %v, want retry.ErrInvalidOption", err)
	}
	if _, err := retryhttp.New(nil, retryhttp.Limit(nil)); err != nil {
		t.Errorf("Limit(nil): %v", err)
	}
}
