package nopapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/nop-platform/retry/retryhttp"
)

// DefaultAttemptTimeout bounds each attempt of a call, until its response
// headers arrive; an attempt that runs out is retried like a network error.
// Override it with Retry(retryhttp.AttemptTimeout(d)).
const DefaultAttemptTimeout = 30 * time.Second

// Option configures New. Options apply in order, so a later one overrides
// an earlier one (Retry adds to earlier Retry options). Options are
// immutable values, safe to share. The zero Option is invalid.
type Option struct{ apply func(*Client) error }

// Token sets the bearer token sent with every call but Login. Default "":
// no Authorization header until Login or SetToken.
func Token(token string) Option {
	return Option{func(c *Client) error {
		c.SetToken(token)
		return nil
	}}
}

// OnUnauthorized sets the hook for the specification's redirect to login:
// fn is called with the method and path (without the base URL's path or the
// query) of every call that gets a 401, before that call returns its error
// matching ErrUnauthorized; not for Login, whose 401 means wrong
// credentials. fn runs on the caller's goroutine and may call SetToken; it
// should not block for long. Default: none.
func OnUnauthorized(fn func(method, path string)) Option {
	return Option{func(c *Client) error {
		if fn == nil {
			return errors.New("OnUnauthorized(nil)")
		}
		c.onUnauthorized = fn
		return nil
	}}
}

// Retry adds retryhttp options for every call (the client level), after the
// client's own: retryhttp.Name("nop-api") and
// retryhttp.AttemptTimeout(DefaultAttemptTimeout). Default: retryhttp's
// defaults, 3 retries from 1s capped at 10s. retryhttp.OnUnauthorized
// given here is replaced by the client's; use OnUnauthorized.
func Retry(opts ...retryhttp.Option) Option {
	return Option{func(c *Client) error {
		c.retry = append(c.retry[:len(c.retry):len(c.retry)], opts...)
		return nil
	}}
}

// Transport sets the RoundTripper under the retries, for instance one with
// a TLS configuration or a proxy. Default http.DefaultTransport.
func Transport(rt http.RoundTripper) Option {
	return Option{func(c *Client) error {
		if rt == nil {
			return errors.New("Transport(nil)")
		}
		c.base = rt
		return nil
	}}
}
