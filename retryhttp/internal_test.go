package retryhttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

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

// Budgets and limits are keyed by host in lower case, without the
// scheme's default port.
func TestHostKey(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://A.com/x", "a.com"},
		{"https://a.com:443/x", "a.com"},
		{"http://a.com:80/", "a.com"},
		{"http://a.com:443/", "a.com:443"},
		{"https://a.com:8443/", "a.com:8443"},
		{"http://[::1]:80/", "[::1]"},
		{"http://[::1]:8080/", "[::1]:8080"},
		{"http://127.0.0.1:80/", "127.0.0.1"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostKey(u); got != tt.want {
			t.Errorf("hostKey(%s) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
