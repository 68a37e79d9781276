package budget

import (
	"fmt"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/internal/keyed"
)

// Group keeps one Budget per key, such as the destination host of an HTTP
// client, created on first use with the Group's options. Keys are compared
// exactly: normalise them (lower-case host and port) before use. It holds
// at most maxKeys budgets: past that, adding one evicts a budget not used
// lately (the CLOCK approximation of least recently used), so a client that
// talks to many hosts does not grow without bound. An evicted key starts afresh
// with a new Budget the next time it is used.
//
// A Group is safe for concurrent use. Looking up a known key takes a read
// lock and allocates nothing. The zero Group is ready to use and behaves as
// NewGroup(DefaultMaxKeys) with default options.
type Group struct {
	c   config
	max int // 0: the zero Group, with defaults
	m   keyed.Map[Budget]
}

// NewGroup returns a Group that keeps at most maxKeys budgets (at least 1;
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

// Get returns the Budget for key, creating it if need be.
func (g *Group) Get(key string) *Budget {
	if g.max == 0 {
		return g.m.Get(key, DefaultMaxKeys, newDefaultBudget)
	}
	return g.m.Get(key, g.max, g.newBudget)
}

// For is Get with the type that retry.WithBudget and retryhttp take: pass
// g.For where a func(key string) retry.Budget is wanted.
func (g *Group) For(key string) retry.Budget { return g.Get(key) }

func (g *Group) newBudget() *Budget { return newBudget(&g.c, time.Now()) }

var defaultConfig = defaults()

func newDefaultBudget() *Budget { return newBudget(&defaultConfig, time.Now()) }

// Len returns the number of budgets the Group holds.
func (g *Group) Len() int { return g.m.Len() }

// Range calls fn for each key and its Budget, in no particular order, until
// fn returns false: for metrics. fn may call other methods of g.
func (g *Group) Range(fn func(key string, b *Budget) bool) { g.m.Range(fn) }
