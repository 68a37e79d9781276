package otelretry

import (
	"maps"
	"sync"
	"sync/atomic"
)

// names maps a name to what was prepared for it (attribute sets), so that
// recording an event is a map lookup through an atomic pointer: no lock, no
// allocation. A new name copies the map under mu; there are few names (at
// most max, then every new name shares the entry of Other). It is the same
// scheme as package promretry's.
type names[T any] struct {
	m     atomic.Pointer[map[string]*T]
	other atomic.Pointer[T] // set once max names are held
	mu    sync.Mutex
	max   int
	make  func(name string) *T
}

// get returns the entry of name, making it on first use.
func (n *names[T]) get(name string) *T {
	if m := n.m.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v
		}
	}
	if v := n.other.Load(); v != nil {
		return v
	}
	return n.add(name)
}

func (n *names[T]) add(name string) *T {
	n.mu.Lock()
	defer n.mu.Unlock()
	var cur map[string]*T
	if p := n.m.Load(); p != nil {
		cur = *p
	}
	if v, ok := cur[name]; ok {
		return v
	}
	full := len(cur) >= n.max
	if full {
		name = Other
		if v, ok := cur[name]; ok {
			return v
		}
	}
	v := n.make(name)
	next := make(map[string]*T, len(cur)+1)
	maps.Copy(next, cur)
	next[name] = v
	n.m.Store(&next)
	if full {
		n.other.Store(v)
	}
	return v
}

// each calls fn for every entry, in no order.
func (n *names[T]) each(fn func(name string, v *T)) {
	if p := n.m.Load(); p != nil {
		for k, v := range *p {
			fn(k, v)
		}
	}
}
