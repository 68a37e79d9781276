package retryhttp_test

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nop-platform/retry/retryhttp"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		give   string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"120", 120 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"007", 7 * time.Second, true},
		{"99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true}, // IMF-fixdate
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},   // RFC 850
		{"Sat Mar  1 12:00:05 2025", 5 * time.Second, true},       // asctime
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true},                // past: now
		{"", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"soon", 0, false},
		{"1 2", 0, false},
		{"Sat, 01 Mar 2025 12:00:30", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := retryhttp.ParseRetryAfter(tt.give, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.give, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-1", "1.5", "Sat, 01 Mar 2025 12:00:30 GMT", "Sat Mar  1 12:00:05 2025", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := retryhttp.ParseRetryAfter(s, now)
		if d < 0 || !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
		if d2, ok2 := retryhttp.ParseRetryAfter(s, now); d2 != d || ok2 != ok {
			t.Fatalf("not deterministic for %q", s)
		}
		// Whole seconds round-trip.
		if n, err := strconv.ParseUint(s, 10, 32); err == nil && (!ok || d != time.Duration(n)*time.Second) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %ds", s, d, ok, n)
		}
		// A date is relative to now.
		if tm, err := http.ParseTime(s); err == nil && ok && tm.After(now) && tm.Sub(now) != d {
			t.Fatalf("ParseRetryAfter(%q) = %v, want %v", s, d, tm.Sub(now))
		}
	})
}
