package retryhttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPolicyDelay(t *testing.T) {
	p := defaults
	tests := []struct {
		name string
		n    int
		u    float64
		ra   time.Duration
		max  time.Duration
		want time.Duration
	}{
		{"first, no jitter", 1, 0, 0, 10 * time.Second, time.Second},
		{"first, half jitter", 1, 0.5, 0, 10 * time.Second, 1150 * time.Millisecond},
		{"third", 3, 0.5, 0, 10 * time.Second, 4600 * time.Millisecond},
		{"capped", 5, 0, 0, 10 * time.Second, 10 * time.Second},
		{"overflow", 10000, 0.5, 0, 10 * time.Second, 10 * time.Second},
		{"retry-after above backoff", 1, 0, 5 * time.Second, 10 * time.Second, 5 * time.Second},
		{"retry-after below backoff", 3, 0, 2 * time.Second, 10 * time.Second, 4 * time.Second},
		{"retry-after capped", 1, 0, time.Hour, 10 * time.Second, 10 * time.Second},
		{"max 0: at once", 3, 0.5, time.Hour, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.max = tt.max
			if got := p.delay(tt.n, tt.u, tt.ra); got != tt.want {
				t.Errorf("delay(%d, %v, %v) = %v, want %v", tt.n, tt.u, tt.ra, got, tt.want)
			}
		})
	}
}

func TestLogLineFormat(t *testing.T) {
	got := logLine(1, 3, "GET", "/api/v1/assets/", 1234567890*time.Nanosecond, "Network Error")
	if want := "[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestStatusSet(t *testing.T) {
	var s statusSet
	for _, c := range []int{100, 429, 503, 599} {
		s.add(c)
	}
	for c := 0; c < 700; c++ {
		want := c == 100 || c == 429 || c == 503 || c == 599
		if s.has(c) != want {
			t.Errorf("has(%d) = %v", c, !want)
		}
	}
}

// spinTransport answers 200 after busy-waiting about d, so that its answer
// races the attempt timeout.
type spinTransport struct{ d time.Duration }

func (s spinTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for start := time.Now(); time.Since(start) < s.d; {
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: http.NoBody, Request: req}, nil
}

// nilTransport is a broken RoundTripper: no response and no error.
type nilTransport struct{}

func (nilTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, nil }

// A response that arrives as the attempt timeout fires is either returned or
// reported as an attempt timeout, never as a nil response with a nil error.
func TestAttemptTimeoutRace(t *testing.T) {
	rt := NewTransport(spinTransport{200 * time.Microsecond},
		AttemptTimeout(200*time.Microsecond), MaxRetries(0), Logger(nil), Budget(nil))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				req := httptest.NewRequest(http.MethodGet, "http://example.test/", nil)
				resp, err := rt.RoundTrip(req)
				switch {
				case err == nil && resp == nil:
					t.Error("nil response with nil error")
					return
				case err != nil && !errors.Is(err, ErrAttemptTimeout):
					t.Errorf("err %v does not match ErrAttemptTimeout", err)
					return
				case err == nil:
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	_, err := NewTransport(nilTransport{}, MaxRetries(0), Logger(nil)).RoundTrip(httptest.NewRequest("GET", "http://example.test/", nil))
	if err == nil || !strings.Contains(err.Error(), "nil *Response with a nil error") {
		t.Fatalf("broken base transport: err = %v", err)
	}
}
