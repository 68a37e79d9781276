package retryhttp

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
)

// Transport is an http.RoundTripper that retries transient failures; see the
// package documentation for what it retries and returns. Most callers want
// NewClient; use NewTransport or New to wrap another RoundTripper.
//
// A Transport keeps the net/http contract: it never modifies the caller's
// request (each retry sends a copy), replays a body only through GetBody,
// drains (up to 64 KiB, for at most 10ms) and closes every response it
// discards so that its connection is reused (a body that stalls is closed
// instead, so it cannot hold up the next attempt), and returns any response
// it returns with a nil error. It starts no goroutines of its own
// (AttemptTimeout and the drain bound use a time.AfterFunc) and is safe for
// concurrent use. Its attempt loop is the one retry.Do runs.
//
// The zero Transport uses the defaults and http.DefaultTransport.
type Transport struct {
	base           http.RoundTripper
	pol            policy // the client's layer of policy
	logger         *slog.Logger
	loggerSet      bool
	onUnauthorized func(*http.Response)
	notify         func(retry.Event)
	name           string // for events; "" means DefaultName
	routes         *router
	budgets        budgets
	limiterFor     func(host string) *limit.Limiter // from the Limit option
	err            error
}

// New returns a Transport that sends requests through base
// (http.DefaultTransport when nil), or an error matching
// retry.ErrInvalidOption that names the first invalid option.
func New(base http.RoundTripper, opts ...Option) (*Transport, error) {
	t := NewTransport(base, opts...)
	if t.err != nil {
		return nil, t.err
	}
	return t, nil
}

// NewTransport is New for callers that want one result, as with
// http.Client's fields: with an invalid option, every request through the
// Transport fails, unsent, with New's error.
func NewTransport(base http.RoundTripper, opts ...Option) *Transport {
	s := settings{scope: scopeTransport}
	s.apply(opts)
	s.checkLayer()
	if s.err == nil && s.pol.set&(fBase|fMax) != 0 {
		p := defaults
		p.overlay(&s.pol)
		if p.base > p.max {
			s.fail("base delay %v is above max delay %v", p.base, p.max)
		}
	}
	t := &Transport{
		base:           base,
		pol:            s.pol,
		logger:         s.logger,
		loggerSet:      s.loggerSet,
		onUnauthorized: s.onUnauthorized,
		notify:         s.notify,
		name:           s.name,
		budgets:        budgets{budgetFor: s.newBudget, set: s.budgetSet},
		limiterFor:     s.limiterFor,
		err:            s.err,
	}
	if t.err == nil {
		r, err := newRouter(s.routes)
		if err != nil {
			t.err = fmt.Errorf("%w: %v", retry.ErrInvalidOption, err)
		}
		t.routes = r
	}
	return t
}

// NewClient returns an *http.Client whose Transport is
// NewTransport(http.DefaultTransport, opts...): the specification's API
// client. Set its Timeout to bound a request's attempts together.
func NewClient(opts ...Option) *http.Client {
	return &http.Client{Transport: NewTransport(nil, opts...)}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.err != nil {
		closeBody(req)
		return nil, t.err
	}
	if req.URL == nil {
		return t.transport().RoundTrip(req) // the base reports it
	}
	c := call{t: t, req: req, ctx: req.Context(), pol: defaults, name: t.defaultName()}
	c.pol.overlay(&t.pol)
	if t.routes != nil {
		if pol, pattern := t.routes.match(req); pol != nil {
			c.pol.overlay(pol)
			c.name = pattern
		}
	}
	if o := requestOverrides(c.ctx); o != nil {
		if o.err != nil {
			closeBody(req)
			return nil, o.err
		}
		c.pol.overlay(&o.pol)
	}
	c.host = hostKey(req.URL)
	c.budget = t.budgets.get(c.host)
	c.lim = t.limiterOf(c.host)
	return c.run()
}

// NameOf returns the name that Notify's events give req: the pattern of the
// route that matches it, else the Transport's Name. The set of names is
// bounded by the options, whatever the requests, so they suit metric labels
// (package promretry uses NameOf to label requests by route). It costs a
// route lookup, as RoundTrip does, and nothing when there are no routes.
func (t *Transport) NameOf(req *http.Request) string {
	if t.routes != nil && req.URL != nil {
		if pol, pattern := t.routes.match(req); pol != nil {
			return pattern
		}
	}
	return t.defaultName()
}

func (t *Transport) defaultName() string {
	if t.name == "" {
		return DefaultName
	}
	return t.name
}

// CloseIdleConnections closes the idle connections of the base transport,
// if it has such a method.
func (t *Transport) CloseIdleConnections() {
	type closer interface{ CloseIdleConnections() }
	if c, ok := t.transport().(closer); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) transport() http.RoundTripper {
	if t.base == nil {
		return http.DefaultTransport
	}
	return t.base
}

// log returns the logger for retries, or nil.
func (t *Transport) log() *slog.Logger {
	if t.loggerSet {
		return t.logger
	}
	return slog.Default()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// hostKey is the key of a request's destination for budgets and limits:
// the URL's host in lower case, without the scheme's default port, so that
// https://A.com/ and https://a.com:443/ share one budget and one limit.
func hostKey(u *url.URL) string {
	h := u.Host
	if p := u.Port(); p == "80" && u.Scheme == "http" || p == "443" && u.Scheme == "https" {
		h = h[:len(h)-len(p)-1]
	}
	return strings.ToLower(h)
}

// errGetBody wraps the error of Request.GetBody.
func errGetBody(err error) error {
	return fmt.Errorf("retryhttp: cannot replay the request body: %w", err)
}
