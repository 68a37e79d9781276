package breaker

import "time"

// Store shares breaker state between processes, so that a breaker that opens
// in one process protects all of them. Pass one to Shared; a Redis
// implementation lives in the nested module redisstore, and MemoryStore
// shares state within one process. Without a Store, a breaker keeps its state
// to itself.
//
// The contract is built so that a successful call never waits on a store:
//
//   - The breaker reads its state locally and applies its own rules, to its
//     own counts and to the shared counts the store gives back.
//   - It reports outcomes with Link.Report on the failure path, and the store
//     collects the successes with Member.Take whenever it likes (Redis: in
//     batches, on a timer). Report must not block.
//   - Every state change the breaker makes is proposed with Link.Propose, a
//     compare-and-set on the generation that the store applies atomically
//     (Redis: a Lua script). The store announces the shared state to every
//     member through Member.Sync, winners of races included (Redis: pub/sub,
//     with a periodic resync as backstop).
//   - A half-open breaker takes Link.Lease before each probe, so that one
//     process probes for the whole fleet; a lease expires, so a crashed
//     prober cannot hold the breaker half-open.
//
// When the store cannot reach its backend it should fail open: Report and
// Propose drop or queue, Lease grants, and each breaker carries on with its
// local state until the store is back.
//
// Implementations must be safe for concurrent use. A breaker joined to a
// store stays joined for the life of the store.
type Store interface {
	// Join attaches a breaker, described by m, to the shared state kept
	// under m.Name, and returns the breaker's Link. It is called once, by
	// New; it must not block on the network, and may call m.Sync.
	Join(m Member) Link
}

// Member is a breaker's side of a Store: its name, and the callbacks through
// which the store talks to it. The callbacks are safe for concurrent use and
// may be called from any goroutine, but not while the store holds a lock
// that its Link's methods take.
type Member struct {
	// Name is the breaker's name, the key of its shared state.
	Name string
	// Window is the breaker's FailureRate window, or 0 without that rule:
	// the shared Counts should then cover the current generation.
	Window time.Duration
	// Sync gives the breaker the shared state. A snapshot of a newer
	// generation replaces the local state (an Open one's Until is clamped to
	// the breaker's RecoveryTimeout, against clock skew); one of the same
	// generation brings the shared Counts, to which the breaker applies its
	// rules; older ones are ignored.
	Sync func(Snapshot)
	// Take returns the successes counted since the last Take or Report, and
	// the generation they belong to, and resets them.
	Take func() (generation uint64, c Counts)
}

// Link is a store's side of one joined breaker; see Store. Its methods are
// called from the breaker's callers' goroutines, never while the breaker
// holds a lock, and must be safe for concurrent use.
type Link interface {
	// Report adds outcomes of the given generation to the shared counts;
	// outcomes of another generation than the shared one are dropped. It
	// must not block: a store batches reports.
	Report(generation uint64, c Counts)
	// Propose asks to replace the shared state by to, a change this
	// breaker made from generation from. The store applies it atomically if
	// the shared generation is at most from and below to.Generation (a
	// store that fell behind catches up), and then Syncs every member; when
	// it refuses, it Syncs the proposer with the shared state. It must not
	// block for long; the breaker already acts on its proposal.
	Propose(from uint64, to Snapshot)
	// Lease asks for the right to probe in half-open generation generation,
	// for ttl (the breaker's RecoveryTimeout, at least 1s). It reports
	// false while another member holds an unexpired lease for that or a
	// later generation, and true when this member already holds it.
	Lease(generation uint64, ttl time.Duration) bool
}

// Snapshot is a breaker's shared state, as proposed to and synced from a
// Store. The zero Snapshot is a closed breaker in generation 0, the state
// every breaker starts in.
type Snapshot struct {
	State      State
	Generation uint64    // bumped by every change of state
	Until      time.Time // Open: when a probe may go (wall clock); else zero
	Counts     Counts    // Sync only: shared outcomes of this generation
}

// Counts are outcomes of calls: those being reported, or the shared ones of a
// generation (within the Member's Window, if any). The zero Counts is no
// outcomes.
type Counts struct {
	Successes uint64
	Failures  uint64
	// Consecutive is the number of failures since the last success. In a
	// report it is the number of failures after the report's last success,
	// so a store keeps the shared figure as: if Successes > 0, Consecutive;
	// otherwise the old figure plus Consecutive.
	Consecutive uint64
}

// sync applies shared state from the store; it is the breaker's Member.Sync.
func (b *Breaker) sync(s Snapshot) {
	c := b.conf()
	b.mu.Lock()
	now, cur := b.now(), stateOf(b.word.Load())
	switch {
	case s.State > HalfOpen || s.Generation < b.gen:
	case s.Generation > b.gen || s.State != cur:
		until := int64(0)
		if s.State == Open {
			d := c.recovery
			if !s.Until.IsZero() {
				d = min(max(time.Until(s.Until), 0), c.recovery)
			}
			until = now + int64(d)
		}
		b.setLocked(s.State, s.Generation, now, until, true)
	case cur == Closed && c.sharedTrips(s.Counts):
		b.setLocked(Open, b.gen+1, now, now+int64(c.recovery), false)
	}
	b.unlock()
}

// sharedTrips applies the rules to the shared counts.
func (c *config) sharedTrips(n Counts) bool {
	return c.threshold > 0 && n.Consecutive >= uint64(c.threshold) ||
		c.rateTrips(n.Successes+n.Failures, n.Failures)
}

// take is the breaker's Member.Take.
func (b *Breaker) take() (uint64, Counts) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if stateOf(b.word.Load()) == Closed {
		b.drainLocked(b.now())
	}
	n := b.unreported
	b.unreported = 0
	return b.gen, Counts{Successes: n}
}
