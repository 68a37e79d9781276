package retryhttp

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// reasonNetwork is the reason the specification's log line gives for a
// failure without a response; the error itself is an attribute.
const reasonNetwork = "Network Error"

// logLine returns the specification's line for retry n of m.
func logLine(n, m int, method, path string, delay time.Duration, reason string) string {
	b := make([]byte, 0, 64+len(path)+len(reason))
	b = append(b, "[Retry "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(m), 10)
	b = append(b, "] "...)
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " (delay: "...)
	b = strconv.AppendInt(b, delay.Milliseconds(), 10)
	b = append(b, "ms, reason: "...)
	b = append(b, reason...)
	b = append(b, ')')
	return string(b)
}

// logRetry writes one record at level Warn for retry n of m.
func logRetry(ctx context.Context, l *slog.Logger, req *http.Request, n, m int, delay time.Duration, resp *http.Response, err error) {
	if !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	path := req.URL.Path
	if path == "" {
		path = "/"
	}
	reason := reasonNetwork
	var last slog.Attr
	if err != nil {
		last = slog.Any("error", err)
	} else {
		reason = statusText(resp.StatusCode)
		last = slog.Int("status", resp.StatusCode)
	}
	l.LogAttrs(ctx, slog.LevelWarn, logLine(n, m, method, path, delay, reason),
		slog.String("method", method),
		slog.String("url", redact(req.URL)),
		slog.Int("retry", n),
		slog.Int("max_retries", m),
		slog.Duration("delay", delay),
		slog.String("reason", reason),
		last,
	)
}

// redact returns u without user info, query or fragment.
func redact(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, Opaque: u.Opaque}
	return v.String()
}
