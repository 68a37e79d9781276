package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry/breaker"
)

const (
	// maxOps bounds the reports and proposals a breaker name queues
	// between two flushes; past it the oldest are dropped.
	maxOps = 64
	// maxLeases bounds the leases waiting for Redis at once, and so the
	// goroutines (and connections) a slow or hung Redis can hold; past it
	// a lease is decided locally at once.
	maxLeases = 8
	// resyncBatch is how many breaker names a Resync round re-reads, in
	// turn: the backstop for pub/sub messages lost without the subscriber
	// noticing, bounded whatever the number of names.
	resyncBatch = 100
)

// group is the local side of one breaker name: the breakers of this process
// that joined under it, and what they have to send.
type group struct {
	s      *Store
	name   string
	key    string
	window time.Duration // of the first member that has one; under mu

	consec atomic.Uint64 // shared consecutive failures, as last seen

	mu       sync.Mutex
	members  []breaker.Member
	ops      []op
	read     bool // read the shared state at the next flush
	nextTake time.Time
}

// op is a report or a proposal waiting to be sent.
type op struct {
	propose bool
	gen     uint64           // report: its generation; proposal: from
	c       breaker.Counts   // report
	to      breaker.Snapshot // proposal
}

// link is a joined breaker's Link.
type link struct {
	g      *group
	holder string // names this breaker in leases
}

// Join implements breaker.Store. It does not touch the network: the store
// reads the shared state of a new name at its next flush, at once.
func (s *Store) Join(m breaker.Member) breaker.Link {
	s.mu.Lock()
	g := s.groups[m.Name]
	if g == nil {
		g = &group{s: s, name: m.Name, key: s.c.breakerKey(m.Name)}
		s.groups[m.Name] = g
		s.order = append(s.order, g)
	}
	s.links++
	l := &link{g: g, holder: s.id + "." + strconv.Itoa(s.links)}
	s.mu.Unlock()

	g.mu.Lock()
	g.members = append(g.members, m)
	if g.window == 0 {
		g.window = m.Window
	}
	g.read = true
	g.mu.Unlock()
	s.poke()
	return l
}

// Report implements breaker.Link: it queues the counts, merged with the
// previous report of the same generation, and wakes the flusher.
func (l *link) Report(gen uint64, c breaker.Counts) {
	g, s := l.g, l.g.s
	if s.down.Load() || s.closed.Load() {
		s.st.dropped.Add(1)
		return
	}
	g.mu.Lock()
	g.report(gen, c)
	g.mu.Unlock()
	s.poke()
}

// merge combines two reports of one generation, b after a.
func merge(a, b breaker.Counts) breaker.Counts {
	m := breaker.Counts{Successes: a.Successes + b.Successes, Failures: a.Failures + b.Failures}
	if b.Successes > 0 {
		m.Consecutive = b.Consecutive
	} else {
		m.Consecutive = a.Consecutive + b.Consecutive
	}
	return m
}

// Propose implements breaker.Link: it queues the proposal and wakes the
// flusher. While Redis is unreachable proposals stay queued, so that a
// breaker that changed state meanwhile tells the fleet when Redis is back.
func (l *link) Propose(from uint64, to breaker.Snapshot) {
	g := l.g
	g.mu.Lock()
	g.push(op{propose: true, gen: from, to: to})
	g.mu.Unlock()
	g.s.poke()
}

// Lease implements breaker.Link. It is the one call that waits for Redis,
// at most Timeout; when Redis is unreachable or slow it is decided locally:
// granted, or refused under FailClosed. A lease that fails on its own (too
// slow, an error reply) is decided locally without taking Redis for
// unreachable. At most maxLeases wait for Redis at once; past that, leases
// are decided locally at once, so a hung Redis holds a bounded number of
// goroutines until it is taken for unreachable.
func (l *link) Lease(gen uint64, ttl time.Duration) bool {
	s := l.g.s
	if s.down.Load() {
		return s.localLease()
	}
	select {
	case s.leases <- struct{}{}:
	default:
		return s.localLease()
	}
	done := make(chan bool, 1)
	s.mu.Lock() // Close sets closed before it waits, so no Add after Wait
	if s.closed.Load() {
		s.mu.Unlock()
		<-s.leases
		return s.localLease()
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer func() { <-s.leases }()
		// The deadline bounds the command for clients with
		// ContextTimeoutEnabled; others keep it until their ReadTimeout.
		ctx, cancel := context.WithTimeout(s.ctx, s.c.timeout)
		defer cancel()
		s.st.commands.Add(1)
		n, err := leaseScript.Run(ctx, s.rdb, []string{l.g.key},
			gen, ms(ttl), l.holder, ms(s.c.ttl)).Int()
		if err != nil {
			s.st.errors.Add(1)
			switch {
			case replied(err):
				s.replyError(err)
			case ctx.Err() != nil:
				// Too slow: not an outage of itself (see below).
			default:
				s.markDown(err)
			}
			close(done)
			return
		}
		done <- n == 1
	}()
	t := time.NewTimer(s.c.timeout)
	defer t.Stop()
	select {
	case ok, fine := <-done:
		if fine {
			return ok
		}
	case <-t.C:
		// Counted, and decided locally; not an outage of itself: a Redis
		// that stays slow leaves the flusher's commands without a reply,
		// which marks it down.
		s.st.errors.Add(1)
	}
	return s.localLease()
}

// localLease decides a lease without Redis.
func (s *Store) localLease() bool {
	s.st.local.Add(1)
	return !s.c.failClosed
}

// report queues a report, merged with the previous one if it is of the
// same generation. g.mu must be held.
func (g *group) report(gen uint64, c breaker.Counts) {
	if n := len(g.ops); n > 0 && !g.ops[n-1].propose && g.ops[n-1].gen == gen {
		g.ops[n-1].c = merge(g.ops[n-1].c, c)
	} else {
		g.push(op{gen: gen, c: c})
	}
}

// push queues o, dropping the oldest op when full. g.mu must be held.
func (g *group) push(o op) {
	if len(g.ops) >= maxOps {
		if !g.ops[0].propose {
			g.s.st.dropped.Add(1)
		}
		g.ops = append(g.ops[:0], g.ops[1:]...)
	}
	g.ops = append(g.ops, o)
}

// prepare collects the group's ops, and the members' successes when they
// matter, into a job for the flusher, which re-reads the shared state when
// reread or a member joined; nil when there is nothing to do.
//
// Successes matter to a FailureRate window, and are taken every Flush (at
// most every twentieth of the window). Without a window they only matter
// when they clear shared consecutive failures, so they are taken only while
// the shared count is above 0; otherwise they ride along with the breaker's
// next failure report.
func (g *group) prepare(now time.Time, reread bool) *job {
	s := g.s
	g.mu.Lock()
	members := append([]breaker.Member(nil), g.members...)
	window := g.window // Join sets it under g.mu
	take := false
	if window > 0 {
		if !now.Before(g.nextTake) {
			take = true
			g.nextTake = now.Add(max(s.c.flush, window/20))
		}
	} else {
		take = g.consec.Load() > 0
	}
	g.mu.Unlock()
	if take && !s.down.Load() {
		for _, m := range members { // not under g.mu: Take locks the breaker
			if gen, c := m.Take(); c.Successes > 0 {
				g.mu.Lock()
				g.report(gen, c)
				g.mu.Unlock()
			}
		}
	}

	g.mu.Lock()
	ops := g.ops
	g.ops = nil
	read := g.read || reread
	g.read = false
	g.mu.Unlock()
	if len(ops) == 0 && !read {
		return nil
	}
	args := make([]any, 0, 4+5*len(ops))
	args = append(args, ms(s.c.ttl), window.Milliseconds(), s.c.channel(), g.name)
	for _, o := range ops {
		if o.propose {
			until := int64(0)
			if !o.to.Until.IsZero() {
				until = o.to.Until.UnixMilli()
			}
			args = append(args, "p", o.gen, uint8(o.to.State), o.to.Generation, until)
		} else {
			args = append(args, "r", o.gen, o.c.Successes, o.c.Failures, o.c.Consecutive)
		}
	}
	return &job{
		script: applyScript,
		key:    g.key,
		args:   args,
		done: func(reply any) {
			snap, err := parseReply(reply)
			if err != nil {
				s.st.errors.Add(1)
				return
			}
			g.sync(snap)
		},
		fail: func() { g.failed(ops) },
	}
}

// failed requeues the newest proposal of a batch that could not be sent,
// ahead of what was queued since; reports are dropped, their counts stale
// by the time Redis is back.
func (g *group) failed(ops []op) {
	var p *op
	for i := range ops {
		if o := &ops[i]; o.propose && (p == nil || o.to.Generation > p.to.Generation) {
			p = o
		} else if !o.propose {
			g.s.st.dropped.Add(1)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p != nil {
		g.ops = append([]op{*p}, g.ops...)
		if len(g.ops) > maxOps {
			g.ops = g.ops[:maxOps]
		}
	}
	g.read = true
}

// sync gives the shared state to every member. No lock is held: a member
// may propose from within.
func (g *group) sync(snap breaker.Snapshot) {
	g.consec.Store(snap.Counts.Consecutive)
	g.mu.Lock()
	members := append([]breaker.Member(nil), g.members...)
	g.mu.Unlock()
	for _, m := range members {
		m.Sync(snap)
	}
	g.s.st.syncs.Add(uint64(len(members)))
}

// parseReply reads applyScript's reply.
func parseReply(reply any) (breaker.Snapshot, error) {
	v, ok := reply.([]any)
	if !ok || len(v) != 6 {
		return breaker.Snapshot{}, fmt.Errorf("redisstore: unexpected reply %v", reply)
	}
	var n [6]int64
	for i := range v {
		x, ok := v[i].(int64)
		if !ok || x < 0 {
			return breaker.Snapshot{}, fmt.Errorf("redisstore: unexpected reply %v", reply)
		}
		n[i] = x
	}
	return snapshot(n), nil
}

// snapshot builds a Snapshot from state, gen, until (unix ms), successes,
// failures and consecutive failures.
func snapshot(n [6]int64) breaker.Snapshot {
	s := breaker.Snapshot{
		State:      breaker.State(min(n[0], 255)),
		Generation: uint64(n[1]),
		Counts: breaker.Counts{
			Successes:   uint64(n[3]),
			Failures:    uint64(n[4]),
			Consecutive: uint64(n[5]),
		},
	}
	if n[2] > 0 {
		s.Until = time.UnixMilli(n[2])
	}
	return s
}
