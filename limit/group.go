package limit

import (
	"fmt"
	"time"

	"github.com/nop-platform/retry/internal/keyed"
)

// Group keeps one Limiter per key, such as the destination host of an HTTP
// client, created on first use with the Group's options. Keys are compared
// exactly: normalise them (lower-case host and port) before use. It holds
// at most maxKeys limiters: past that, adding one evicts a limiter not used
// lately (the CLOCK approximation of least recently used), so a client that
// talks to many hosts does not grow without bound. An evicted key starts
// afresh, at the Initial limit, the next time it is used; calls in flight
// on the evicted Limiter report to it harmlessly.
//
// A Group is safe for concurrent use. Looking up a known key takes a read
// lock and allocates nothing. The zero Group is ready to use and behaves as
// NewGroup(DefaultMaxKeys) with default options.
type Group struct {
	c   config
	max int // 0: the zero Group, with defaults
	m   keyed.Map[Limiter]
}

// NewGroup returns a Group that keeps at most maxKeys limiters (at least 1;
// DefaultMaxKeys is 1024), each made with the defaults changed by opts. An
// invalid argument gives an error matching ErrInvalidOption.
func NewGroup(maxKeys int, opts ...Option) (*Group, error) {
	if maxKeys < 1 {
		return nil, fmt.Errorf("%w: NewGroup(%d): maxKeys must be at least 1", ErrInvalidOption, maxKeys)
	}
	c := defaults()
	if err := c.apply(opts); err != nil {
		return nil, err
	}
	return &Group{c: c, max: maxKeys}, nil
}

// Get returns the Limiter for key, creating it if need be. Pass g.Get to
// retryhttp.Limit to limit each host of an HTTP client.
func (g *Group) Get(key string) *Limiter {
	if g.max == 0 {
		return g.m.Get(key, DefaultMaxKeys, newDefaultLimiter)
	}
	return g.m.Get(key, g.max, g.newLimiter)
}

func (g *Group) newLimiter() *Limiter { return newLimiter(g.c, time.Now()) }

func newDefaultLimiter() *Limiter { return newLimiter(defaults(), time.Now()) }

// Len returns the number of limiters the Group holds.
func (g *Group) Len() int { return g.m.Len() }

// Range calls fn for each key and its Limiter, in no particular order,
// until fn returns false: for metrics. fn may call other methods of g.
func (g *Group) Range(fn func(key string, l *Limiter) bool) { g.m.Range(fn) }
