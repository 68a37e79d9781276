package retryhttp

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
)

// Defaults, from the NOP specification's frontend API client.
const (
	DefaultMaxRetries = 3                // retries after the first attempt: 4 attempts in all
	DefaultBaseDelay  = time.Second      // delay before the first retry
	DefaultMaxDelay   = 10 * time.Second // cap on any one delay, Retry-After included
	DefaultJitter     = 0.3              // up to 30% added to each delay
	DefaultName       = "http"           // name of requests no route matches, in events

	// MaxMaxRetries is the largest MaxRetries accepted: a million retries
	// is days of waiting at the default delays; beyond it a count is a
	// mistake (math.MaxInt would overflow the attempt count).
	MaxMaxRetries = 1_000_000
)

// Option configures a Transport (NewClient, NewTransport, New), a route
// (Route) or one request (WithRetry). Options apply in order, so a later one
// overrides an earlier one. Options are immutable values: a []Option may be
// built once and shared.
//
// The policy options (MaxRetries, BaseDelay, MaxDelay, Jitter, Condition,
// Statuses, Idempotent, AttemptTimeout) may be given at every level. The
// others (Logger, OnUnauthorized, Notify, Name, Route, Budget, Limit) configure a
// Transport and are invalid in Route and WithRetry.
//
// An invalid option makes New return an error matching retry.ErrInvalidOption;
// NewClient and NewTransport return a client whose every request fails with
// that error, unsent; WithRetry's invalid options fail that request alone.
// The zero Option is invalid.
type Option struct {
	kind kind
	n    int
	d    time.Duration
	f    float64
	v    any
}

type kind uint8

const (
	kNone kind = iota
	kMaxRetries
	kBaseDelay
	kMaxDelay
	kJitter
	kCondition
	kIdempotent
	kAttemptTimeout
	kMany
	// Transport-only options follow kMany.
	kLogger
	kOnUnauthorized
	kNotify
	kRoute
	kBudget
	kName
	kLimit
)

var kindNames = [...]string{"the zero Option", "MaxRetries", "BaseDelay", "MaxDelay", "Jitter",
	"Condition", "Idempotent", "AttemptTimeout", "Options", "Logger", "OnUnauthorized", "Notify",
	"Route", "Budget", "Name", "Limit"}

// MaxRetries sets how many times a request is retried after its first
// attempt (the specification's retries). Default 3; 0 means no retries; at
// most MaxMaxRetries.
// A host with no sign of trouble gets every one of them: the host's retry
// budget (see Budget), on by default, starts with room for 25 retries after
// 503s or timeouts (50 after other failures), earns more with every success,
// and only stops retries once a host's failed retries have used that up,
// as in an outage. Turn it off with Budget(nil) when a request must use
// every retry whatever the host's state.
func MaxRetries(n int) Option { return Option{kind: kMaxRetries, n: n} }

// BaseDelay sets the delay before the first retry, before jitter (the
// specification's retryDelay). Each further retry doubles it. Default 1s;
// 0 retries at once.
func BaseDelay(d time.Duration) Option { return Option{kind: kBaseDelay, d: d} }

// MaxDelay caps every delay, jitter and Retry-After included (the
// specification's maxRetryDelay). Default 10s; 0 retries at once. Given to
// NewClient it must not be below the base delay; a route or request that
// raises the base delay above an inherited maximum waits the maximum.
func MaxDelay(d time.Duration) Option { return Option{kind: kMaxDelay, d: d} }

// Jitter sets the additive jitter: each delay d becomes d + U(0, f*d).
// Default 0.3; f must be a finite number from 0 to 10; 0 turns jitter off.
func Jitter(f float64) Option { return Option{kind: kJitter, f: f} }

// Condition replaces DefaultCondition (the specification's retryCondition):
// fn receives either the attempt's response or its error and reports whether
// to retry. It must not read or close the response body. Even when fn says
// yes, a 401 is not retried, nor a request whose context is done, nor one
// that is not safe to repeat (see the package documentation).
func Condition(fn func(resp *http.Response, err error) bool) Option {
	if fn == nil {
		return invalid(kCondition, "nil function")
	}
	return Option{kind: kCondition, v: fn}
}

// Statuses retries network errors as DefaultCondition does, and exactly the
// given response status codes (instead of 5xx, 429 and 408). It is a
// Condition, so it replaces any earlier Condition.
func Statuses(codes ...int) Option {
	var set statusSet
	for _, c := range codes {
		if c < 100 || c > 599 {
			return invalid(kCondition, fmt.Sprintf("Statuses: %d is not an HTTP status code", c))
		}
		set.add(c)
	}
	return Option{kind: kCondition, v: set.condition}
}

// Idempotent declares requests safe to repeat after they may have reached
// the server, whatever their method, as an Idempotency-Key header does.
// Default false: only GET, HEAD, OPTIONS, TRACE, PUT and DELETE are.
func Idempotent(yes bool) Option {
	n := 0
	if yes {
		n = 1
	}
	return Option{kind: kIdempotent, n: n}
}

// AttemptTimeout bounds each attempt from its start until its response
// headers arrive; an attempt that runs out fails with an error matching
// ErrAttemptTimeout and is retried like a network error. The body of the
// response returned is bounded only by the caller's context. Default 0, no
// per-attempt limit.
func AttemptTimeout(d time.Duration) Option { return Option{kind: kAttemptTimeout, d: d} }

// Options combines several options into one, applied in order.
func Options(opts ...Option) Option { return Option{kind: kMany, v: opts} }

// Logger sets where each retry is logged, at level Warn, as the
// specification prints it,
//
//	[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)
//
// with the same facts as attributes: method, url (without query or user
// info), retry, max_retries, delay, reason, and status or error. Default:
// slog.Default() at the time of the retry; Logger(nil) turns logging off.
func Logger(l *slog.Logger) Option { return Option{kind: kLogger, v: l} }

// OnUnauthorized calls fn with every 401 response before it is returned (the
// Go form of the specification's redirect to login). A 401 is never retried.
// fn may read the headers; it must not read or close the body, which the
// caller receives. Default: none.
func OnUnauthorized(fn func(resp *http.Response)) Option {
	if fn == nil {
		return invalid(kOnUnauthorized, "nil function")
	}
	return Option{kind: kOnUnauthorized, v: fn}
}

// Notify calls fn with a retry.Event after every attempt (Err is the error
// or a *StatusError for a status that the condition retries, nil
// otherwise), before every wait, when a budget refuses a retry and when the
// transport gives up (Err is a *retry.Error). The event's Name is the
// pattern of the route that matches the request, such as
// "GET /api/v1/assets/{id}", else the Transport's Name: never the raw path,
// so that metrics keyed by it stay bounded (see NameOf). fn runs on the
// caller's goroutine and must not block. Default: none.
func Notify(fn func(retry.Event)) Option {
	if fn == nil {
		return invalid(kNotify, "nil function")
	}
	return Option{kind: kNotify, v: fn}
}

// Name names the requests that no route matches in Notify's events, for
// instance after the service the client talks to ("inventory"). Default
// DefaultName ("http"); name must not be empty.
func Name(name string) Option {
	if name == "" {
		return invalid(kName, "empty name")
	}
	return Option{kind: kName, v: name}
}

// Route sets the policy of the requests that pattern matches. Patterns have
// http.ServeMux syntax ("GET /api/v1/assets/{id}", "/static/",
// "api.example.com/") and the most specific matching pattern wins, exactly
// as in ServeMux; a request matches with its Host header (or URL host) and
// path. Only policy options may be given. Route options for the same
// pattern merge, the later winning; patterns that conflict as ServeMux
// patterns are an invalid option.
func Route(pattern string, opts ...Option) Option {
	return Option{kind: kRoute, v: routeOption{pattern: pattern, opts: opts}}
}

type routeOption struct {
	pattern string
	opts    []Option
}

// invalid returns an Option that makes the configuration fail with msg.
func invalid(k kind, msg string) Option {
	return Option{kind: k, v: invalidMsg(msg)}
}

type invalidMsg string

// fields says which policy fields a layer sets.
type fields uint8

const (
	fRetries fields = 1 << iota
	fBase
	fMax
	fJitter
	fCond
	fIdempotent
	fAttemptTimeout
)

// policy is one layer of retry policy: the client's, a route's or a
// request's. Only the fields in set are meaningful.
type policy struct {
	set            fields
	retries        int
	base, max      time.Duration
	jitter         float64
	cond           func(*http.Response, error) bool
	idempotent     bool
	attemptTimeout time.Duration
}

// defaults is the bottom layer.
var defaults = policy{
	set:     fRetries | fBase | fMax | fJitter,
	retries: DefaultMaxRetries,
	base:    DefaultBaseDelay,
	max:     DefaultMaxDelay,
	jitter:  DefaultJitter,
}

// overlay copies the fields that o sets into p.
func (p *policy) overlay(o *policy) {
	if o == nil || o.set == 0 {
		return
	}
	if o.set&fRetries != 0 {
		p.retries = o.retries
	}
	if o.set&fBase != 0 {
		p.base = o.base
	}
	if o.set&fMax != 0 {
		p.max = o.max
	}
	if o.set&fJitter != 0 {
		p.jitter = o.jitter
	}
	if o.set&fCond != 0 {
		p.cond = o.cond
	}
	if o.set&fIdempotent != 0 {
		p.idempotent = o.idempotent
	}
	if o.set&fAttemptTimeout != 0 {
		p.attemptTimeout = o.attemptTimeout
	}
	p.set |= o.set
}

// scope is where options are being applied.
type scope uint8

const (
	scopeTransport scope = iota
	scopeRoute
	scopeRequest
)

// settings collects what options configure.
type settings struct {
	scope          scope
	where          string // prefix for errors, such as `Route("GET /x"): `
	pol            policy
	logger         *slog.Logger
	loggerSet      bool
	onUnauthorized func(*http.Response)
	notify         func(retry.Event)
	name           string
	routes         []routeSpec
	newBudget      func(host string) retry.Budget
	budgetSet      bool
	limiterFor     func(host string) *limit.Limiter
	err            error
}

type routeSpec struct {
	pattern string
	pol     policy
}

func (s *settings) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: retryhttp: %s"+format, append([]any{retry.ErrInvalidOption, s.where}, args...)...)
	}
}

func (s *settings) apply(opts []Option) {
	for i := range opts {
		s.applyOne(&opts[i])
	}
}

func (s *settings) applyOne(o *Option) {
	name := "the zero Option"
	if int(o.kind) < len(kindNames) {
		name = kindNames[o.kind]
	}
	if msg, ok := o.v.(invalidMsg); ok {
		s.fail("%s: %s", name, string(msg))
		return
	}
	if o.kind > kMany && s.scope != scopeTransport {
		s.fail("%s: configures a Transport; it cannot be given to Route or WithRetry", name)
		return
	}
	p := &s.pol
	switch o.kind {
	case kMaxRetries:
		switch {
		case o.n < 0:
			s.fail("MaxRetries(%d): must not be negative", o.n)
		case o.n > MaxMaxRetries:
			s.fail("MaxRetries(%d): must be at most %d", o.n, MaxMaxRetries)
		}
		p.retries, p.set = o.n, p.set|fRetries
	case kBaseDelay:
		if o.d < 0 {
			s.fail("BaseDelay(%v): must not be negative", o.d)
		}
		p.base, p.set = o.d, p.set|fBase
	case kMaxDelay:
		if o.d < 0 {
			s.fail("MaxDelay(%v): must not be negative", o.d)
		}
		p.max, p.set = o.d, p.set|fMax
	case kJitter:
		if math.IsNaN(o.f) || o.f < 0 || o.f > 10 {
			s.fail("Jitter(%v): must be from 0 to 10", o.f)
		}
		p.jitter, p.set = o.f, p.set|fJitter
	case kCondition:
		p.cond, p.set = o.v.(func(*http.Response, error) bool), p.set|fCond
	case kIdempotent:
		p.idempotent, p.set = o.n == 1, p.set|fIdempotent
	case kAttemptTimeout:
		if o.d < 0 {
			s.fail("AttemptTimeout(%v): must not be negative", o.d)
		}
		p.attemptTimeout, p.set = o.d, p.set|fAttemptTimeout
	case kMany:
		s.apply(o.v.([]Option))
	case kLogger:
		s.logger, _ = o.v.(*slog.Logger)
		s.loggerSet = true
	case kOnUnauthorized:
		s.onUnauthorized = o.v.(func(*http.Response))
	case kNotify:
		s.notify = o.v.(func(retry.Event))
	case kName:
		s.name = o.v.(string)
	case kBudget:
		s.newBudget, _ = o.v.(func(string) retry.Budget)
		s.budgetSet = true
	case kLimit:
		s.limiterFor, _ = o.v.(func(string) *limit.Limiter)
	case kRoute:
		s.addRoute(o.v.(routeOption))
	default:
		s.fail("the zero Option")
	}
}

// addRoute applies a route's options; options for a pattern already given
// overlay the earlier ones.
func (s *settings) addRoute(r routeOption) {
	rs := settings{scope: scopeRoute, where: fmt.Sprintf("Route(%q): ", r.pattern)}
	rs.apply(r.opts)
	rs.checkLayer()
	if rs.err != nil {
		if s.err == nil {
			s.err = rs.err
		}
		return
	}
	for i := range s.routes {
		if s.routes[i].pattern == r.pattern {
			s.routes[i].pol.overlay(&rs.pol)
			return
		}
	}
	s.routes = append(s.routes, routeSpec{pattern: r.pattern, pol: rs.pol})
}

// checkLayer reports a base delay above the maximum when one layer sets both.
func (s *settings) checkLayer() {
	p := &s.pol
	if p.set&(fBase|fMax) == fBase|fMax && p.base > p.max {
		s.fail("BaseDelay(%v) is above MaxDelay(%v)", p.base, p.max)
	}
}
