package retry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/nop-platform/retry/backoff"
)

// Defaults, from the NOP specification's environment block.
const (
	DefaultMaxAttempts = 3                // calls in all, the first included
	DefaultBaseDelay   = time.Second      // delay before the first retry
	DefaultMaxDelay    = 60 * time.Second // cap on any one delay
	DefaultJitter      = 0.3              // up to 30% added to each delay
)

// Option configures Do and DoValue. Options apply in order, so a later one
// overrides an earlier one. A []Option may be built once and shared by many
// goroutines; options are immutable values.
//
// An invalid option (MaxAttempts(0), a negative delay) makes Do return an
// error matching ErrInvalidOption without calling the function.
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
	kMaxAttempts
	kBaseDelay
	kMaxDelay
	kJitter
	kExponential
	kBackoff
	kOn
	kIf
	kOnRetry
	kLogger
	kName
	kNotify
	kMaxTime
	kAttemptTimeout
	kBudget
	kAround
	kMany
	kInvalid // v holds an errorString saying why
)

// MaxAttempts sets how many calls Do makes in all, the first included
// (the specification's max_attempts). Default 3; n must be at least 1, and 1
// means no retries.
func MaxAttempts(n int) Option {
	if n < 1 {
		return invalid("MaxAttempts(%d): must be at least 1", n)
	}
	return Option{kind: kMaxAttempts, n: n}
}

// BaseDelay sets the delay before the first retry, before jitter
// (the specification's base_delay). Default 1s; 0 retries at once.
func BaseDelay(d time.Duration) Option { return delayOption(kBaseDelay, "BaseDelay", d) }

// MaxDelay caps each delay, jitter included (the specification's max_delay).
// Default 60s; it must not be below the base delay.
func MaxDelay(d time.Duration) Option { return delayOption(kMaxDelay, "MaxDelay", d) }

// Jitter sets the additive jitter: each delay d becomes d + U(0, f*d).
// Default 0.3; f must be a finite number from 0 to 10; 0 turns jitter off.
func Jitter(f float64) Option {
	if math.IsNaN(f) || f < 0 || f > 10 {
		return invalid("Jitter(%v): must be from 0 to 10", f)
	}
	return Option{kind: kJitter, f: f}
}

// Exponential turns exponential growth of the delay on (the default) or off.
// Off, every retry waits the base delay plus jitter, capped by the maximum.
func Exponential(on bool) Option {
	n := 0
	if on {
		n = 1
	}
	return Option{kind: kExponential, n: n}
}

// Backoff replaces the delay strategy with s, for instance
// backoff.Decorrelated{Base: 100 * time.Millisecond, Max: 5 * time.Second}.
// BaseDelay, MaxDelay, Jitter and Exponential then have no effect.
// Default: backoff.Exponential with the base, maximum and jitter options.
func Backoff(s backoff.Strategy) Option {
	if s == nil {
		return invalid("Backoff(nil)")
	}
	return Option{kind: kBackoff, v: s}
}

// On retries only errors that match one of targets with errors.Is (the
// specification's exceptions). Other errors are returned at once. When both
// On and If are given, an error must satisfy both to be retried.
// Default: every error is retried. Either way an error that declares itself
// not retryable (see the package documentation) is never retried.
func On(targets ...error) Option {
	if len(targets) == 0 {
		return invalid("On() with no errors")
	}
	return Option{kind: kOn, v: targets}
}

// If retries only errors for which retryable returns true. See On.
func If(retryable func(err error) bool) Option {
	if retryable == nil {
		return invalid("If(nil)")
	}
	return Option{kind: kIf, v: retryable}
}

// OnRetry calls fn before each wait, with the number of the attempt that just
// failed (1 for the first call) and its error (the specification's on_retry).
// fn runs on the caller's goroutine; it must not block for long.
func OnRetry(fn func(attempt int, err error)) Option {
	if fn == nil {
		return invalid("OnRetry(nil)")
	}
	return Option{kind: kOnRetry, v: fn}
}

// Logger logs each retry at level Warn, as the specification prints it,
//
//	[Retry 1/2] fetch-assets (delay: 1234ms, reason: connection refused)
//
// with the same facts as attributes, and the give-up at level Error.
// Default: nil, no logging.
func Logger(l *slog.Logger) Option { return Option{kind: kLogger, v: l} }

// Name names the operation in log records and events (the specification's
// logger_name plays this part). Default "call".
func Name(op string) Option { return Option{kind: kName, v: op} }

// Notify calls fn with an Event after every attempt, before every wait, and
// when Do gives up: the hook for metrics and tracing. fn runs on the caller's
// goroutine and must not block for long. Default: none.
func Notify(fn func(Event)) Option {
	if fn == nil {
		return invalid("Notify(nil)")
	}
	return Option{kind: kNotify, v: fn}
}

// MaxTime bounds the whole of Do, waits included: Do runs under a context
// that ends d after it starts. Default 0, no limit beyond the caller's
// context.
func MaxTime(d time.Duration) Option { return delayOption(kMaxTime, "MaxTime", d) }

// AttemptTimeout bounds each call: the function gets a context that ends d
// after the call starts. A call that fails because its own attempt timed out
// is retried; the caller's context ending is never retried. Default 0, no
// per-attempt limit.
func AttemptTimeout(d time.Duration) Option {
	return delayOption(kAttemptTimeout, "AttemptTimeout", d)
}

// WithBudget makes every retry ask b for permission first; see Budget.
// Default: none, every retry allowed.
func WithBudget(b Budget) Option {
	if b == nil {
		return invalid("WithBudget(nil)")
	}
	return Option{kind: kBudget, v: b}
}

// Around wraps the whole of Do, every attempt and wait, between start and
// the function start returns: Do calls start with its context before the
// first attempt, runs the attempts under the context start returns, and
// calls the returned function (if not nil) with the error Do is about to
// return (nil on success). It is the hook for tracing: a span per call,
// whose context the attempts get; a nil context from start keeps the one it
// was given. Several Around options nest, the first given outermost
// (started first, finished last); MaxTime applies inside them. Both
// functions run on the caller's goroutine. When an attempt panics, every
// finishing function of the hooks started is called with ErrPanicked as
// the panic goes on up, so that a span is still ended. Default: none.
func Around(start func(ctx context.Context) (context.Context, func(err error))) Option {
	if start == nil {
		return invalid("Around(nil)")
	}
	return Option{kind: kAround, v: start}
}

// Options combines several options into one, applied in order.
func Options(opts ...Option) Option { return Option{kind: kMany, v: opts} }

// Validate reports the first invalid option, or a conflict between options
// (a base delay above the max delay), as Do would, without calling anything:
// for options built from a config file or flags at start-up. The error
// matches ErrInvalidOption.
func Validate(opts ...Option) error {
	var c config
	c.init()
	c.apply(opts)
	return c.check()
}

// errorString marks an invalid option; Do reports it.
type errorString string

// invalid returns an option that Do reports as invalid.
func invalid(format string, args ...any) Option {
	return Option{kind: kInvalid, v: errorString(fmt.Sprintf(format, args...))}
}

func delayOption(k kind, name string, d time.Duration) Option {
	if d < 0 {
		return invalid("%s(%v): must not be negative", name, d)
	}
	return Option{kind: k, d: d}
}

// config is what the options build. It lives on Do's stack.
type config struct {
	maxAttempts    int
	base, max      time.Duration
	jitter         float64
	linear         bool
	strategy       backoff.Strategy
	on             []error
	cond           func(error) bool
	onRetry        func(int, error)
	logger         *slog.Logger
	name           string
	notify         func(Event)
	maxTime        time.Duration
	attemptTimeout time.Duration
	budget         Budget
	nAround        int // Around options given; runAround collects them
	err            error
}

func (c *config) init() {
	*c = config{
		maxAttempts: DefaultMaxAttempts,
		base:        DefaultBaseDelay,
		max:         DefaultMaxDelay,
		jitter:      DefaultJitter,
		name:        "call",
	}
}

func (c *config) apply(opts []Option) {
	for i := range opts {
		c.applyOne(&opts[i])
	}
}

func (c *config) invalid(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
	}
}

func (c *config) applyOne(o *Option) {
	switch o.kind {
	case kInvalid:
		c.invalid("%s", string(o.v.(errorString)))
	case kMaxAttempts:
		c.maxAttempts = o.n
	case kBaseDelay:
		c.base = o.d
	case kMaxDelay:
		c.max = o.d
	case kJitter:
		c.jitter = o.f
	case kExponential:
		c.linear = o.n == 0
	case kBackoff:
		c.strategy = o.v.(backoff.Strategy)
	case kOn:
		c.on = o.v.([]error)
	case kIf:
		c.cond = o.v.(func(error) bool)
	case kOnRetry:
		c.onRetry = o.v.(func(int, error))
	case kLogger:
		c.logger, _ = o.v.(*slog.Logger)
	case kName:
		c.name = o.v.(string)
	case kNotify:
		c.notify = o.v.(func(Event))
	case kMaxTime:
		c.maxTime = o.d
	case kAttemptTimeout:
		c.attemptTimeout = o.d
	case kBudget:
		c.budget = o.v.(Budget)
	case kAround:
		c.nAround++ // counted, not collected: an append here would allocate
	case kMany:
		c.apply(o.v.([]Option))
	case kNone:
		c.invalid("the zero Option")
	}
}

// preflight reports whether Do may make the first call before building its
// config: no option is invalid or conflicts with another, and none needs
// work before the first call (MaxTime, AttemptTimeout, WithBudget, Notify).
// It walks opts without allocating.
func preflight(opts []Option) bool {
	base, max, custom := DefaultBaseDelay, DefaultMaxDelay, false
	for i := range opts {
		switch o := &opts[i]; o.kind {
		case kMaxAttempts, kJitter, kExponential, kOn, kIf, kOnRetry, kLogger, kName:
		case kBaseDelay:
			base = o.d
		case kMaxDelay:
			max = o.d
		case kBackoff:
			custom = true
		case kMany:
			return preflightNested(opts)
		default:
			return false
		}
	}
	return custom || base <= max
}

// preflightNested is preflight for options that contain Options(...), such
// as FromEnv's.
func preflightNested(opts []Option) bool {
	var p pre
	p.base, p.max = DefaultBaseDelay, DefaultMaxDelay
	return p.scan(opts) && (p.custom || p.base <= p.max)
}

type pre struct {
	base, max time.Duration
	custom    bool
}

func (p *pre) scan(opts []Option) bool {
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case kBaseDelay:
			p.base = o.d
		case kMaxDelay:
			p.max = o.d
		case kBackoff:
			p.custom = true
		case kMany:
			if !p.scan(o.v.([]Option)) {
				return false
			}
		case kMaxAttempts, kJitter, kExponential, kOn, kIf, kOnRetry, kLogger, kName:
		default:
			return false
		}
	}
	return true
}

// check reports a conflict between options once all are applied.
func (c *config) check() error {
	if c.err == nil && c.strategy == nil && c.base > c.max {
		c.invalid("base delay %v is above max delay %v", c.base, c.max)
	}
	return c.err
}

// retryable applies the conditions to an error that is not Permanent. An
// error that declares itself not retryable is never retried, whatever On and
// If say: an open breaker's rejection must stop the loop, not wait for it.
func (c *config) retryable(err error) bool {
	if !declaredRetryable(err) {
		return false
	}
	if c.on != nil {
		found := false
		for _, t := range c.on {
			if errors.Is(err, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return c.cond == nil || c.cond(err)
}
