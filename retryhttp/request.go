package retryhttp

import (
	"context"
	"net/http"
)

// WithRetry returns a shallow copy of req whose policy options override the
// route's and the client's (the specification's withRetry), for instance
//
//	req = retryhttp.WithRetry(req, retryhttp.MaxRetries(5), retryhttp.BaseDelay(2*time.Second))
//
// The options travel in the request's context, so they survive
// http.Client's redirects and reach a Transport wrapped by other
// RoundTrippers. WithRetry on a request that already has options adds to
// them, the later winning. Only policy options may be given; an invalid one
// makes the request fail, unsent, with an error matching
// retry.ErrInvalidOption. req is not modified. The host's retry budget (see
// Budget) still applies, but does not bind while the host is healthy: a
// fresh client's request with MaxRetries(5) to a host answering 503 makes
// 6 attempts. Only once the host's failed retries have spent its budget
// (an outage, an overload) does a request get fewer retries than MaxRetries
// allows, with ResultOf(resp).Cause matching retry.ErrBudgetExhausted and
// one log record per host every 10s saying why.
func WithRetry(req *http.Request, opts ...Option) *http.Request {
	s := settings{scope: scopeRequest, where: "WithRetry: "}
	if prev, ok := req.Context().Value(overridesKey{}).(*overrides); ok {
		s.pol, s.err = prev.pol, prev.err
	}
	s.apply(opts)
	s.checkLayer()
	o := &overrides{pol: s.pol, err: s.err}
	return req.WithContext(context.WithValue(req.Context(), overridesKey{}, o))
}

type overridesKey struct{}

// overrides is a request's layer of policy.
type overrides struct {
	pol policy
	err error
}

// requestOverrides returns the overrides in ctx, or nil.
func requestOverrides(ctx context.Context) *overrides {
	o, _ := ctx.Value(overridesKey{}).(*overrides)
	return o
}
