package retryhttp

import (
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
