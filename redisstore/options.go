package redisstore

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults of the options.
const (
	DefaultPrefix  = "nop:retry:"           // start of every key and of the channel
	DefaultTTL     = 24 * time.Hour         // keys expire when unused this long
	DefaultFlush   = 100 * time.Millisecond // how often successes are sent
	DefaultResync  = time.Second            // how often shared state is re-read
	DefaultTimeout = 100 * time.Millisecond // longest a half-open probe waits for its lease
)

// ErrInvalidOption is matched by the error Validate returns, and by the value
// New panics with, for an invalid option.
var ErrInvalidOption = errors.New("redisstore: invalid option")

// Option configures New. Options apply in order, so a later one overrides an
// earlier one; they are immutable values that may be shared. The zero Option
// is invalid.
type Option struct{ apply func(*config) }

// Prefix sets the start of every key the store writes and of its pub/sub
// channel, so that several applications, or tests, can share one Redis.
// Default "nop:retry:"; it must not contain '{' or '}', which would change
// the keys' hash slots on Redis Cluster.
func Prefix(p string) Option {
	return Option{func(c *config) {
		if strings.ContainsAny(p, "{}") {
			c.invalid("Prefix(%q): must not contain '{' or '}'", p)
		}
		c.prefix = p
	}}
}

// TTL sets how long a key lives after its last write: every write renews it
// (PEXPIRE), so keys of breakers and budgets that are no longer used go
// away. Default 24h; d must be at least 1s.
func TTL(d time.Duration) Option {
	return Option{func(c *config) {
		if d < time.Second {
			c.invalid("TTL(%v): must be at least 1s", d)
		}
		c.ttl = d
	}}
}

// Flush sets how often the store sends successes to Redis, in one command
// per breaker for all the successes counted since the last time. Failures
// and changes of state are sent at once. Default 100ms; d must be from 1ms
// to 1m.
func Flush(d time.Duration) Option {
	return Option{func(c *config) {
		if d < time.Millisecond || d > time.Minute {
			c.invalid("Flush(%v): must be from 1ms to 1m", d)
		}
		c.flush = d
	}}
}

// Resync sets how often the store re-reads the shared state of a batch of
// breakers (100 names, in turn; every name after a resubscription or an
// outage), the backstop for pub/sub messages lost unnoticed, and writes its
// budgets; how often it tries Redis again while Redis is unreachable; and
// how long a command of the store may go without a reply before Redis is
// taken for unreachable (a hung server), whatever the client's own
// timeouts. Default 1s; d must be from 10ms to 1h.
func Resync(d time.Duration) Option {
	return Option{func(c *config) {
		if d < 10*time.Millisecond || d > time.Hour {
			c.invalid("Resync(%v): must be from 10ms to 1h", d)
		}
		c.resync = d
	}}
}

// Timeout bounds the only call that waits for Redis: a half-open breaker
// taking the fleet's probe lease. Past it the lease is decided locally (see
// FailClosed); that alone does not take Redis for unreachable (Resync
// does). At most 8 leases wait for Redis at once; others are decided
// locally at once. Default 100ms; d must be from 1ms to 10s. Other commands
// are sent from the store's own goroutine, which no call waits for.
func Timeout(d time.Duration) Option {
	return Option{func(c *config) {
		if d < time.Millisecond || d > 10*time.Second {
			c.invalid("Timeout(%v): must be from 1ms to 10s", d)
		}
		c.timeout = d
	}}
}

// Logger sets where the store reports that Redis became unreachable, and
// reachable again: once per outage, at most once a minute; that Redis
// refused the client's credentials, as an error, once until it takes them;
// and error replies, at most once a minute. Default
// slog.Default(); nil is invalid (use a logger with a discarding handler to
// silence it).
func Logger(l *slog.Logger) Option {
	return Option{func(c *config) {
		if l == nil {
			c.invalid("Logger(nil)")
		}
		c.logger = l
	}}
}

// FailClosed refuses the half-open probe lease while Redis is unreachable,
// so that no process probes the dependency without the fleet's agreement:
// an open breaker stays open (rejecting calls) until Redis is back. Closed
// breakers still let calls through and trip on their own failures.
// Default: fail open, a breaker that cannot reach Redis takes the lease
// itself and carries on as a local breaker.
func FailClosed() Option {
	return Option{func(c *config) { c.failClosed = true }}
}

// Validate reports the first invalid option as an error matching
// ErrInvalidOption; nil means New(rdb, opts...) will not panic. Use it when
// options come from configuration rather than code.
func Validate(opts ...Option) error {
	_, err := build(opts)
	return err
}

type config struct {
	prefix     string
	ttl        time.Duration
	flush      time.Duration
	resync     time.Duration
	timeout    time.Duration
	logger     *slog.Logger
	failClosed bool
	err        error
}

func (c *config) invalid(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
	}
}

func build(opts []Option) (*config, error) {
	c := &config{
		prefix:  DefaultPrefix,
		ttl:     DefaultTTL,
		flush:   DefaultFlush,
		resync:  DefaultResync,
		timeout: DefaultTimeout,
	}
	for _, o := range opts {
		if o.apply == nil {
			c.invalid("the zero Option")
			continue
		}
		o.apply(c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c, c.err
}

// breakerKey is the hash holding a breaker's shared state. The braces make
// name the key's hash tag, so that on Redis Cluster the keys of one name
// share a slot whatever the prefix.
func (c *config) breakerKey(name string) string { return c.prefix + "breaker:{" + name + "}" }

// budgetKey is the hash holding a retry budget's members.
func (c *config) budgetKey(name string) string { return c.prefix + "budget:{" + name + "}" }

// channel is where changes of breaker state are published.
func (c *config) channel() string { return c.prefix + "breaker" }
