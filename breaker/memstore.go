package breaker

import (
	"sync"
	"time"
)

// MemoryStore is a Store that shares state between the breakers of the same
// name in one process, for components that each keep a Breaker for the same
// dependency. It is also the reference implementation of the Store contract:
// it applies reports and proposals at once and calls Member.Sync
// synchronously, on the goroutine that reported or proposed. Having no timer,
// it never calls Member.Take: a breaker's successes reach it with the
// breaker's next failure report.
//
// A MemoryStore is safe for concurrent use. The zero MemoryStore is ready to
// use; it starts no goroutines and needs no Close.
type MemoryStore struct {
	mu     sync.Mutex
	groups map[string]*memGroup
}

// memGroup is the shared state of one name.
type memGroup struct {
	snap    Snapshot // Counts unset; see snapshotLocked
	members []Member
	epoch   time.Time
	win     *window // nil: counts cover the whole generation
	succ    uint64  // without win
	fail    uint64  // without win
	consec  uint64
	lease   memLease
}

type memLease struct {
	holder *memLink
	gen    uint64
	until  time.Time
}

type memLink struct {
	s *MemoryStore
	g *memGroup
	m Member
}

// Join implements Store.
func (s *MemoryStore) Join(m Member) Link {
	s.mu.Lock()
	if s.groups == nil {
		s.groups = make(map[string]*memGroup)
	}
	g := s.groups[m.Name]
	if g == nil {
		g = &memGroup{epoch: time.Now()}
		if m.Window > 0 {
			g.win = newWindow(m.Window)
		}
		s.groups[m.Name] = g
	}
	g.members = append(g.members, m)
	snap := g.snapshotLocked()
	s.mu.Unlock()
	if snap.Generation > 0 {
		m.Sync(snap)
	}
	return &memLink{s: s, g: g, m: m}
}

// Report implements Link.
func (l *memLink) Report(gen uint64, c Counts) {
	s, g := l.s, l.g
	s.mu.Lock()
	if gen != g.snap.Generation {
		s.mu.Unlock()
		return
	}
	if g.win != nil {
		g.win.add(g.now(), c.Successes+c.Failures, c.Failures)
	} else {
		g.succ += c.Successes
		g.fail += c.Failures
	}
	if c.Successes > 0 {
		g.consec = c.Consecutive
	} else {
		g.consec += c.Consecutive
	}
	snap, members := g.snapshotLocked(), g.members
	s.mu.Unlock()
	for _, m := range members {
		m.Sync(snap)
	}
}

// Propose implements Link.
func (l *memLink) Propose(from uint64, to Snapshot) {
	s, g := l.s, l.g
	s.mu.Lock()
	members := []Member{l.m}
	if g.snap.Generation <= from && to.Generation > g.snap.Generation {
		g.snap = Snapshot{State: to.State, Generation: to.Generation, Until: to.Until}
		g.succ, g.fail, g.consec = 0, 0, 0
		if g.win != nil {
			g.win.reset()
		}
		members = g.members
	}
	snap := g.snapshotLocked()
	s.mu.Unlock()
	for _, m := range members {
		m.Sync(snap)
	}
}

// Lease implements Link.
func (l *memLink) Lease(gen uint64, ttl time.Duration) bool {
	now := time.Now()
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	ls := &l.g.lease
	if ls.holder != nil && ls.holder != l && ls.gen >= gen && now.Before(ls.until) {
		return false
	}
	*ls = memLease{holder: l, gen: gen, until: now.Add(ttl)}
	return true
}

func (g *memGroup) now() int64 { return int64(time.Since(g.epoch)) }

// snapshotLocked returns the shared state with its counts.
func (g *memGroup) snapshotLocked() Snapshot {
	snap := g.snap
	snap.Counts = Counts{Successes: g.succ, Failures: g.fail, Consecutive: g.consec}
	if g.win != nil {
		calls, fails := g.win.sum(g.now())
		snap.Counts.Successes, snap.Counts.Failures = calls-fails, fails
	}
	return snap
}
