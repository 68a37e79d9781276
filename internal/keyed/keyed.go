// Package keyed is the bounded map by key under budget.Group and
// limit.Group: one value per key (a destination host, say), made on first
// use, at most a given number of them. Past that, adding a key evicts one
// not used lately, chosen by the CLOCK approximation of least recently used,
// so that a client talking to many hosts does not grow without bound.
package keyed

import (
	"sync"
	"sync/atomic"
)

// Map holds values by key. The zero Map is empty and ready to use; it is
// safe for concurrent use. Looking up a known key takes a read lock and
// allocates nothing. A Map must not be copied after first use.
type Map[V any] struct {
	mu   sync.RWMutex
	m    map[string]*entry[V]
	ring []*entry[V] // the CLOCK, in insertion order
	hand int
}

type entry[V any] struct {
	key  string
	v    *V
	used atomic.Bool // set on use, cleared as the CLOCK hand passes
}

// Get returns the value of key. A key not held is given a value made by
// newV (called under the Map's lock, so once per key), evicting as need be
// to hold at most limit keys (at least 1).
func (m *Map[V]) Get(key string, limit int, newV func() *V) *V {
	m.mu.RLock()
	e := m.m[key]
	m.mu.RUnlock()
	if e == nil {
		return m.add(key, limit, newV)
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e.v
}

func (m *Map[V]) add(key string, limit int, newV func() *V) *V {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.m[key]; e != nil {
		e.used.Store(true)
		return e.v
	}
	if m.m == nil {
		m.m = make(map[string]*entry[V])
	}
	// A new entry starts unused: it is behind the hand, so it has a whole
	// turn of the CLOCK to be used again before it can be evicted.
	e := &entry[V]{key: key, v: newV()}
	if len(m.ring) < max(limit, 1) {
		m.ring = append(m.ring, e)
	} else {
		// Clear used bits until an entry not used since the hand last
		// passed; one turn at most.
		for {
			old := m.ring[m.hand]
			if !old.used.Load() {
				delete(m.m, old.key)
				m.ring[m.hand] = e
				m.hand = (m.hand + 1) % len(m.ring)
				break
			}
			old.used.Store(false)
			m.hand = (m.hand + 1) % len(m.ring)
		}
	}
	m.m[key] = e
	return e.v
}

// Len returns the number of keys held.
func (m *Map[V]) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}

// Range calls fn for each key and its value, in no particular order, until
// fn returns false. It holds no lock while fn runs, so fn may use the Map.
func (m *Map[V]) Range(fn func(key string, v *V) bool) {
	m.mu.RLock()
	es := make([]*entry[V], len(m.ring))
	copy(es, m.ring)
	m.mu.RUnlock()
	for _, e := range es {
		if !fn(e.key, e.v) {
			return
		}
	}
}
