package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// These tests check that every peer does the work the benchmarks and tables
// say it does: the configured number of attempts, no more and no fewer.

var errTransient = errors.New("transient")

func TestRetriersAttempts(t *testing.T) {
	ctx := context.Background()
	for _, r := range Retriers(FailTwice) {
		want := FailTwice.Attempts
		if r.Name == "bare" {
			want = 1
		}
		t.Run(r.Name+"/fail-twice", func(t *testing.T) {
			calls := 0
			err := r.Do(ctx, func(context.Context) error {
				calls++
				if calls <= 2 {
					return errTransient
				}
				return nil
			})
			if calls != want {
				t.Errorf("calls = %d, want %d", calls, want)
			}
			if wantErr := r.Name == "bare"; (err != nil) != wantErr {
				t.Errorf("err = %v, want error: %v", err, wantErr)
			}
		})
		t.Run(r.Name+"/permanent-failure", func(t *testing.T) {
			calls := 0
			err := r.Do(ctx, func(context.Context) error {
				calls++
				return errTransient
			})
			if calls != want {
				t.Errorf("calls = %d, want %d", calls, want)
			}
			if err == nil {
				t.Error("err = nil, want an error")
			}
		})
	}
}

func TestRetriersSuccessCallsOnce(t *testing.T) {
	for _, r := range Retriers(FailTwice) {
		calls := 0
		err := r.Do(context.Background(), func(context.Context) error { calls++; return nil })
		if calls != 1 || err != nil {
			t.Errorf("%s: calls = %d, err = %v; want 1, nil", r.Name, calls, err)
		}
	}
}

func TestHTTPAttempts(t *testing.T) {
	p := Tables
	for _, c := range allHTTP(p, nil) {
		name := c.Name
		want := p.Attempts
		if name == "bare" {
			want = 1
		}
		client := func(t *testing.T) (HTTPClient, *countingTransport) {
			tr := newTransport(t)
			for _, c := range allHTTP(p, tr) {
				if c.Name == name {
					return c, tr
				}
			}
			t.Fatalf("no client %q", name)
			return HTTPClient{}, nil
		}
		t.Run(name+"/fail-twice", func(t *testing.T) {
			s := newServer(t, failTwice)
			c, _ := client(t)
			code, err := get(t, c, s.url(1))
			if got := s.hitsOf(1); got != min(want, 3) {
				t.Errorf("attempts = %d, want %d", got, min(want, 3))
			}
			if name != "bare" && (err != nil || code != 200) {
				t.Errorf("status %d, err %v; want 200", code, err)
			}
		})
		t.Run(name+"/outage-503", func(t *testing.T) {
			s := newServer(t, failAlways)
			c, _ := client(t)
			code, err := get(t, c, s.url(1))
			if got := s.hitsOf(1); got != want {
				t.Errorf("attempts = %d, want %d", got, want)
			}
			if err == nil && code != 503 {
				t.Errorf("status %d, err nil; want 503 or an error", code)
			}
		})
		t.Run(name+"/attempt-timeout", func(t *testing.T) {
			// A server that never answers: each attempt runs out after
			// 20ms, and each library retries it like a network error.
			s := newHangingServer(t)
			tr := newTransport(t)
			p := p
			p.AttemptTimeout = 20 * time.Millisecond
			c := clientNamed(allHTTP(p, tr), name)
			_, err := get(t, c, s.URL+"/get")
			if got := tr.n.Load(); got != int64(want) {
				t.Errorf("attempts = %d, want %d", got, want)
			}
			if err == nil {
				t.Error("err = nil, want a timeout")
			}
		})
		t.Run(name+"/outage-refused", func(t *testing.T) {
			c, tr := client(t)
			_, err := get(t, c, refusedURL(t))
			if got := tr.n.Load(); got != int64(want) {
				t.Errorf("attempts = %d, want %d", got, want)
			}
			if err == nil {
				t.Error("err = nil, want a dial error")
			}
		})
	}
}

// TestBreakersPolicy checks that every breaker lets successful calls through
// and opens after exactly the configured number of consecutive failures.
func TestBreakersPolicy(t *testing.T) {
	ctx := context.Background()
	p := DefaultBreaker
	for _, cb := range Breakers(p) {
		if cb.Name == "bare" {
			continue
		}
		t.Run(cb.Name, func(t *testing.T) {
			calls := 0
			ok := func(context.Context) error { calls++; return nil }
			bad := func(context.Context) error { calls++; return errTransient }
			for range 10 {
				if err := cb.Do(ctx, ok); err != nil {
					t.Fatalf("closed breaker: %v", err)
				}
			}
			for i := range p.Threshold - 1 {
				_ = cb.Do(ctx, bad)
				if err := cb.Do(ctx, ok); err != nil { // a success resets the count
					t.Fatalf("after %d failures: %v", i+1, err)
				}
			}
			for range p.Threshold {
				_ = cb.Do(ctx, bad)
			}
			before := calls
			if err := cb.Do(ctx, ok); err == nil {
				t.Fatalf("after %d consecutive failures the call went through", p.Threshold)
			}
			if calls != before {
				t.Errorf("an open breaker called the function")
			}
		})
	}
}

// newHangingServer starts a server that answers no request until its client
// gives up (or 10s pass).
func newHangingServer(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(s.Close)
	return s
}
