package breaker

import "time"

// This file is the state machine: admission outside the fast path, outcomes,
// transitions, and their announcement. Every transition happens under mu and
// gives the breaker a new generation; outcomes of calls admitted under an
// older generation are dropped.

// allowSlow admits a call when the fast path of Allow does not apply.
func (b *Breaker) allowSlow() (Permit, error) {
	c := b.conf()
	for {
		w := b.word.Load()
		switch stateOf(w) {
		case Closed:
			p := Permit{b: b, w: w}
			if c.slow > 0 {
				p.start = b.now()
			}
			return p, nil
		case Open:
			now := b.now()
			if wait := b.openUntil.Load() - now; wait > 0 {
				return Permit{}, &OpenError{Name: c.name, State: Open, wait: time.Duration(wait)}
			}
			b.mu.Lock()
			b.halfOpenLocked(w, now)
			b.unlock()
		default:
			if p, ok := b.probe(c); ok {
				return p, nil
			}
			if stateOf(b.word.Load()) == HalfOpen {
				return Permit{}, &OpenError{Name: c.name, State: HalfOpen}
			}
		}
	}
}

// probe takes a probe slot of a half-open breaker, and the store's lease if
// shared. It fails when every slot is taken or the state moved on.
func (b *Breaker) probe(c *config) (Permit, bool) {
	b.mu.Lock()
	w := b.word.Load()
	if stateOf(w) != HalfOpen {
		b.unlock()
		return Permit{}, false
	}
	now := b.now()
	if b.probes >= c.maxProbes {
		if now-b.probeSince < int64(c.lease()) {
			b.unlock()
			return Permit{}, false
		}
		// The running probes are presumed lost: start a fresh set.
		b.setLocked(HalfOpen, b.gen+1, now, 0, false)
		w = b.word.Load()
	}
	b.probes++
	b.probeSince = now
	gen := b.gen
	b.unlock()
	if b.link != nil && !b.link.Lease(gen, c.lease()) {
		// Another process probes. Take every slot until its outcome is
		// synced or its lease runs out, without asking the store again.
		b.mu.Lock()
		if sameEpoch(b.word.Load(), w) {
			b.probes = c.maxProbes
		}
		b.unlock()
		return Permit{}, false
	}
	p := Permit{b: b, w: w}
	if c.slow > 0 {
		p.start = now
	}
	return p, true
}

// reportSlow records an outcome that the fast path of report does not cover.
func (b *Breaker) reportSlow(p Permit, o outcome) {
	c := b.conf()
	if o == success && c.slow > 0 && b.now()-p.start >= int64(c.slow) {
		o = failure
	}
	switch {
	case stateOf(p.w) == HalfOpen:
		b.probeDone(p.w, o)
	case o == success:
		b.succeedClosed(p.w)
	case o == failure:
		b.failClosed(p.w)
	}
}

// succeedClosed records a success in the closed state.
func (b *Breaker) succeedClosed(w uint64) {
	cur := b.word.Load()
	if !sameEpoch(cur, w) {
		return
	}
	if cur >= failOne {
		b.resetFails(w)
	}
	if b.succ != nil {
		b.succ.add()
		if b.tick != nil && !b.armed.Load() {
			b.arm()
		}
	}
}

// resetFails forgets the consecutive failures of the generation of w.
//
//go:noinline
func (b *Breaker) resetFails(w uint64) {
	for {
		cur := b.word.Load()
		if cur < failOne || !sameEpoch(cur, w) {
			return
		}
		if b.word.CompareAndSwap(cur, cur&lowMask) {
			return
		}
	}
}

// failClosed records a failure in the closed state and opens the breaker if
// a rule says so.
func (b *Breaker) failClosed(w uint64) {
	c := b.conf()
	b.mu.Lock()
	cur := b.word.Load()
	if !sameEpoch(cur, w) {
		b.unlock()
		return
	}
	trip := false
	if c.threshold > 0 {
		// Successes clear the count without the lock; the state cannot
		// change while we hold it.
		for !b.word.CompareAndSwap(cur, cur+failOne) {
			cur = b.word.Load()
		}
		trip = cur>>failShift+1 >= uint64(c.threshold)
	}
	if b.epoch.IsZero() { // the zero Breaker's first failure
		b.epoch = time.Now()
	}
	now := b.now()
	b.drainLocked(now)
	if b.win != nil {
		b.win.add(now, 1, 1)
		trip = trip || c.rateTrips(b.win.sum(now))
	}
	gen, rep := b.gen, Counts{Successes: b.unreported, Failures: 1, Consecutive: 1}
	b.unreported = 0
	if trip {
		b.setLocked(Open, b.gen+1, now, now+int64(c.recovery), false)
	}
	b.unlock()
	if b.link != nil {
		b.link.Report(gen, rep)
	}
}

// probeDone records the outcome of a probe.
func (b *Breaker) probeDone(w uint64, o outcome) {
	c := b.conf()
	b.mu.Lock()
	if !sameEpoch(b.word.Load(), w) {
		b.unlock()
		return
	}
	b.probes = max(b.probes-1, 0)
	switch o {
	case success:
		b.probeOK++
		if b.probeOK >= c.successes {
			b.setLocked(Closed, b.gen+1, b.now(), 0, false)
		}
	case failure:
		now := b.now()
		b.setLocked(Open, b.gen+1, now, now+int64(c.recovery), false)
	}
	b.unlock()
}

// halfOpenLocked moves an open breaker, still in the generation of w, to
// HalfOpen if its recovery timeout has passed.
func (b *Breaker) halfOpenLocked(w uint64, now int64) {
	if sameEpoch(b.word.Load(), w) && now >= b.openUntil.Load() {
		b.setLocked(HalfOpen, b.gen+1, now, 0, false)
	}
}

// drainLocked moves the successes counted without the lock into the window
// and the store's report.
func (b *Breaker) drainLocked(now int64) {
	if b.succ != nil {
		b.putLocked(now, b.succ.take())
	}
}

// putLocked records n successes, made at most a bucket width before now,
// in the window and the store's report.
func (b *Breaker) putLocked(now int64, n uint64) {
	if n == 0 {
		return
	}
	if b.win != nil {
		b.win.add(now, n, 0)
	}
	if b.link != nil {
		b.unreported += n
	}
}

// rateTrips applies the failure rate rule.
func (c *config) rateTrips(calls, fails uint64) bool {
	return c.rate > 0 && calls >= uint64(c.minCalls) && float64(fails) >= c.rate*float64(calls)
}

// setLocked moves the breaker to state to in generation gen, forgetting the
// counts of the old one. until is when an open breaker may probe. remote
// says the change was made elsewhere and learnt from the store.
func (b *Breaker) setLocked(to State, gen uint64, now, until int64, remote bool) {
	c := b.conf()
	from, fromGen := stateOf(b.word.Load()), b.gen
	b.gen = gen
	b.probes, b.probeOK, b.probeSince = 0, 0, now
	if b.succ != nil {
		b.succ.take()
	}
	b.unreported = 0
	if b.win != nil {
		b.win.reset()
	}
	if to == Open {
		b.openUntil.Store(until)
	}
	b.word.Store(pack(to, b.heavy, gen))
	e := event{from: from, to: to, fromGen: fromGen, remote: remote}
	if b.link != nil && !remote {
		e.snap = Snapshot{State: to, Generation: gen}
		if to == Open {
			e.snap.Until = time.Now().Add(time.Duration(until - now))
		}
	} else if from == to || c.onChange == nil {
		return
	}
	b.events = append(b.events, e)
}

// event is a state change to announce: to the OnStateChange hook, and to the
// store when made here.
type event struct {
	from, to State
	fromGen  uint64
	snap     Snapshot
	remote   bool
}

// unlock releases mu and announces queued state changes, if any.
func (b *Breaker) unlock() {
	pending := len(b.events) > 0 && !b.delivering
	b.mu.Unlock()
	if pending {
		b.deliver()
	}
}

// deliver announces queued events one at a time, in order, without holding
// mu, so a hook may use the breaker; a change made meanwhile, even by the
// hook, is queued and announced by the same loop.
func (b *Breaker) deliver() {
	b.mu.Lock()
	if b.delivering {
		b.mu.Unlock()
		return
	}
	b.delivering = true
	done := false
	defer func() {
		if !done { // a hook panicked; let the next change announce the rest
			b.mu.Lock()
			b.delivering = false
			b.mu.Unlock()
		}
	}()
	for len(b.events) > 0 {
		evs := b.events
		b.events = nil
		b.mu.Unlock()
		for _, e := range evs {
			b.emit(e)
		}
		b.mu.Lock()
	}
	b.delivering = false
	done = true
	b.mu.Unlock()
}

func (b *Breaker) emit(e event) {
	c := b.conf()
	if b.link != nil && !e.remote {
		b.link.Propose(e.fromGen, e.snap)
	}
	if c.onChange != nil && e.from != e.to {
		c.onChange(c.name, e.from, e.to)
	}
}
