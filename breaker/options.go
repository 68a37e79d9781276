package breaker

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults of the options.
const (
	DefaultFailureThreshold = 5                // consecutive failures that open a closed breaker
	DefaultRecoveryTimeout  = 60 * time.Second // time open before the first probe
	DefaultMaxProbes        = 1                // probes running at once when half-open
	DefaultSuccessThreshold = 1                // good probes that close a half-open breaker
)

// minLease is the shortest time a probe may run before it is presumed lost.
const minLease = time.Second

// ErrInvalidOption is matched by the error Validate returns, and by the value
// New panics with, for an invalid option.
var ErrInvalidOption = errors.New("breaker: invalid option")

// Option configures New. Options apply in order, so a later one overrides an
// earlier one. Options are immutable values: a []Option may be built once and
// shared by any number of goroutines. The zero Option is invalid.
type Option struct{ apply func(*config) }

// FailureThreshold opens a closed breaker after n consecutive failures (the
// specification's failure_threshold). Default 5; n must be from 1 to 2^31-1.
// When FailureRate is given and FailureThreshold is not, only the failure
// rate rule applies; when both are given, either rule opens the breaker.
func FailureThreshold(n int) Option {
	return Option{func(c *config) {
		if n < 1 || n > math.MaxInt32 {
			c.invalid("FailureThreshold(%d): must be from 1 to 2^31-1", n)
		}
		c.threshold, c.thresholdSet = n, true
	}}
}

// RecoveryTimeout sets how long an open breaker rejects calls before it lets
// a probe through (the specification's recovery_timeout). Default 60s; d must
// not be negative, and 0 probes on the next call.
func RecoveryTimeout(d time.Duration) Option {
	return Option{func(c *config) {
		if d < 0 {
			c.invalid("RecoveryTimeout(%v): must not be negative", d)
		}
		c.recovery = d
	}}
}

// IsFailure decides which errors count as failures (the specification's
// expected_exception); an error it rejects counts as a success, since the
// dependency answered. fn must be safe for concurrent use. Default: every
// error is a failure. Whatever fn says, an error matching context.Canceled,
// or returned by Do after the caller's own context was cancelled, counts
// neither way; a timeout (context.DeadlineExceeded, the callee's own or the
// caller's deadline passing) is the dependency's slowness and goes to fn
// like any other error.
func IsFailure(fn func(err error) bool) Option {
	return Option{func(c *config) {
		if fn == nil {
			c.invalid("IsFailure(nil)")
		}
		c.isFailure = fn
	}}
}

// Name names the breaker in errors and in OnStateChange, and is the key of
// its shared state under Shared. Default "": no name.
func Name(name string) Option {
	return Option{func(c *config) { c.name = name }}
}

// Shared keeps the breaker's state in s, shared with the breakers of the same
// Name in other processes; it requires a non-empty Name. Each breaker applies
// its rules both to its own outcomes and to the shared ones, and a change of
// state in any of them reaches all. Default: state kept in this breaker only.
// See Store.
func Shared(s Store) Option {
	return Option{func(c *config) {
		if s == nil {
			c.invalid("Shared(nil)")
		}
		c.store = s
	}}
}

// OnStateChange calls fn after each change of state, with the breaker's name;
// changes learnt from a Store are included.
// Calls are made one at a time, in the order of the changes, on the goroutine
// of a call that caused or noticed a change, after the breaker's locks are
// released: fn may use the breaker, but should not block for long. Default:
// none.
func OnStateChange(fn func(name string, from, to State)) Option {
	return Option{func(c *config) {
		if fn == nil {
			c.invalid("OnStateChange(nil)")
		}
		c.onChange = fn
	}}
}

// FailureRate opens a closed breaker when, over the last window, at least
// minCalls calls ended and the fraction of them that failed is rate or more
// (resilience4j's failureRateThreshold, minimumNumberOfCalls and time-based
// sliding window). rate is a fraction from 0 (exclusive) to 1, window at
// least 10ms, minCalls at least 1. Default: off.
//
// The rule is checked when a failure is recorded. The window is kept in 10
// buckets of a tenth of window each, so it covers between 9/10 and all of
// window. Successes are counted without reading the clock, and dated less
// than one bucket late by a timer that fires every bucket width while
// successes come (and stops at the first width without one), so the window
// counts the calls made within it whatever the pattern of bursts and idle
// spells.
func FailureRate(rate float64, window time.Duration, minCalls int) Option {
	return Option{func(c *config) {
		switch {
		case !(rate > 0 && rate <= 1):
			c.invalid("FailureRate(%v, ...): rate must be above 0 and at most 1", rate)
		case window < 10*time.Millisecond:
			c.invalid("FailureRate(..., %v, ...): window must be at least 10ms", window)
		case minCalls < 1:
			c.invalid("FailureRate(..., %d): minCalls must be at least 1", minCalls)
		}
		c.rate, c.window, c.minCalls = rate, window, minCalls
	}}
}

// SlowCall counts a call that takes d or longer as a failure even when it
// succeeds. It reads the clock twice per call. Default 0: off; d must not be
// negative.
func SlowCall(d time.Duration) Option {
	return Option{func(c *config) {
		if d < 0 {
			c.invalid("SlowCall(%v): must not be negative", d)
		}
		c.slow = d
	}}
}

// MaxProbes sets how many probe calls a half-open breaker lets run at once;
// the others are rejected with an error matching ErrOpen. Default 1; n must
// be at least 1. A probe still running after RecoveryTimeout (at least 1s) is
// presumed lost: a fresh set of probes may start and the lost one's result is
// ignored, so a hung call cannot hold the breaker half-open forever.
func MaxProbes(n int) Option {
	return Option{func(c *config) {
		if n < 1 {
			c.invalid("MaxProbes(%d): must be at least 1", n)
		}
		c.maxProbes = n
	}}
}

// SuccessThreshold sets how many successful probes close a half-open
// breaker; one failed probe opens it again. Default 1; n must be at least 1.
func SuccessThreshold(n int) Option {
	return Option{func(c *config) {
		if n < 1 {
			c.invalid("SuccessThreshold(%d): must be at least 1", n)
		}
		c.successes = n
	}}
}

// Validate reports the first invalid option, or a conflict between options,
// as an error matching ErrInvalidOption; nil means New(opts...) will not
// panic. Use it when options come from configuration rather than code.
func Validate(opts ...Option) error {
	_, err := build(opts)
	return err
}

// config is what the options build. It is immutable once New returns.
type config struct {
	threshold    int // consecutive failures; 0: rule off
	thresholdSet bool
	recovery     time.Duration
	isFailure    func(error) bool
	name         string
	store        Store
	onChange     func(string, State, State)
	rate         float64 // failure rate rule; 0: off
	window       time.Duration
	minCalls     int
	slow         time.Duration
	maxProbes    int
	successes    int
	err          error
}

var defaultConfig = config{
	threshold: DefaultFailureThreshold,
	recovery:  DefaultRecoveryTimeout,
	maxProbes: DefaultMaxProbes,
	successes: DefaultSuccessThreshold,
}

func (c *config) invalid(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
	}
}

func build(opts []Option) (*config, error) {
	c := defaultConfig
	for _, o := range opts {
		if o.apply == nil {
			c.invalid("the zero Option")
			continue
		}
		o.apply(&c)
	}
	if c.store != nil && c.name == "" {
		c.invalid("Shared needs a Name")
	}
	if c.rate > 0 && !c.thresholdSet {
		c.threshold = 0
	}
	return &c, c.err
}

// lease is how long a probe may run before it is presumed lost.
func (c *config) lease() time.Duration { return max(c.recovery, minLease) }

// failure classifies a non-nil error that is not the caller's cancellation.
func (c *config) failure(err error) bool {
	return c.isFailure == nil || c.isFailure(err)
}
