package limit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
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
	mu   sync.RWMutex
	c    config
	max  int
	m    map[string]*entry
	ring []*entry // the CLOCK, in insertion order
	hand int
}

type entry struct {
	key  string
	l    *Limiter
	used atomic.Bool // set on use, cleared as the CLOCK hand passes
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
	return &Group{c: c, max: maxKeys, m: make(map[string]*entry)}, nil
}

// Get returns the Limiter for key, creating it if need be. Pass g.Get to
// retryhttp.Limit to limit each host of an HTTP client.
func (g *Group) Get(key string) *Limiter {
	g.mu.RLock()
	e := g.m[key]
	g.mu.RUnlock()
	if e == nil {
		return g.add(key)
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e.l
}

func (g *Group) add(key string) *Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = make(map[string]*entry)
		if g.max == 0 {
			g.c, g.max = defaults(), DefaultMaxKeys
		}
	}
	if e := g.m[key]; e != nil {
		e.used.Store(true)
		return e.l
	}
	// A new entry starts unused: it is behind the hand, so it has a whole
	// turn of the CLOCK to be used again before it can be evicted.
	e := &entry{key: key, l: newLimiter(g.c, time.Now())}
	if len(g.ring) < g.max {
		g.ring = append(g.ring, e)
	} else {
		for {
			old := g.ring[g.hand]
			if !old.used.Load() {
				delete(g.m, old.key)
				g.ring[g.hand] = e
				g.hand = (g.hand + 1) % len(g.ring)
				break
			}
			old.used.Store(false)
			g.hand = (g.hand + 1) % len(g.ring)
		}
	}
	g.m[key] = e
	return e.l
}

// Len returns the number of limiters the Group holds.
func (g *Group) Len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.m)
}

// Range calls fn for each key and its Limiter, in no particular order,
// until fn returns false: for metrics. fn may call other methods of g.
func (g *Group) Range(fn func(key string, l *Limiter) bool) {
	g.mu.RLock()
	es := make([]*entry, len(g.ring))
	copy(es, g.ring)
	g.mu.RUnlock()
	for _, e := range es {
		if !fn(e.key, e.l) {
			return
		}
	}
}
