package retryhttp

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// ParseRetryAfter parses a Retry-After header value (RFC 9110, 10.2.3):
// either a whole number of seconds ("120") or an HTTP date ("Fri, 31 Dec
// 1999 23:59:59 GMT", in any of the three formats http.ParseTime accepts),
// read relative to now. A date in the past gives 0. ok is false for anything
// else: empty, signed, fractional or otherwise malformed values. Huge values
// saturate at the largest time.Duration rather than overflow.
func ParseRetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		var secs int64
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if secs > math.MaxInt64/int64(time.Second) {
				continue // saturated; keep validating the digits
			}
			secs = secs*10 + int64(c-'0')
		}
		if secs > math.MaxInt64/int64(time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if !t.After(now) {
		return 0, true
	}
	return t.Sub(now), true // Sub saturates
}

// retryAfter returns the wait that resp asks for with Retry-After on a 429
// or 503, or 0.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	d, _ := ParseRetryAfter(v, time.Now())
	return d
}
