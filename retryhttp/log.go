package retryhttp

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/nop-platform/retry/internal/engine"
)

// reasonNetwork is the reason the specification's log line gives for a
// failure without a response; the error itself is an attribute.
const reasonNetwork = "Network Error"

// logRetry writes the specification's line for a retry of the request in
// arg, through the engine: "GET /api/v1/assets/" with the escaped path (a
// %0A in the URL stays %0A, so no path can forge a second log line), no
// query and no user info.
func logRetry(ctx context.Context, l *slog.Logger, arg any, r engine.Retry) {
	req := arg.(*http.Request)
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	reason := reasonNetwork
	last := slog.Any("error", r.Err)
	if se, ok := r.Err.(*StatusError); ok {
		reason = se.Status
		last = slog.Int("status", se.StatusCode)
	}
	engine.WriteRetry(ctx, l, method+" "+path, r, reason,
		slog.String("method", method),
		slog.String("url", redact(req.URL)),
		slog.Int("retry", r.N),
		slog.Int("max_retries", r.M),
		slog.Duration("delay", r.Delay),
		slog.String("reason", reason),
		last,
	)
}

// redact returns u without user info, query or fragment.
func redact(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, Opaque: u.Opaque}
	return v.String()
}
