package limit

import (
	"context"
	"time"
)

// A Limiter with a queue (the Queue option) lets a call that finds the
// limit full wait, first come first served, for a call in flight to end;
// without one it refuses the call at once.
//
// The protocol between a waiter and a call that ends: the waiter counts
// itself in l.waiting, then, if none waits ahead of it, tries once more to
// be admitted, then queues, all under l.qmu; an ending call gives its slot
// back (l.inflight), then looks at l.waiting. Both are sequentially
// consistent atomics, so either the waiter sees the slot or the ending call
// sees the waiter (or the waiters queued ahead, who are counted too), and a
// slot is never free while a waiter sleeps. A refused grab leaves
// l.inflight untouched, so a grant never fails for a slot that is free.

// waiter is a call waiting for a slot.
type waiter struct {
	ch      chan struct{} // receives once the slot is granted
	granted bool          // guarded by l.qmu
}

// wait is Acquire's slow path when the limit refused: it waits up to the
// queue's MaxWait, or until ctx ends, for a slot.
func (l *Limiter) wait(ctx context.Context) (Permit, error) {
	l.qmu.Lock()
	l.waiting.Add(1)
	if len(l.queue) == 0 && l.grab() { // a free slot is the first waiter's
		l.waiting.Add(-1)
		l.qmu.Unlock()
		return Permit{l: l, start: l.now()}, nil
	}
	if len(l.queue) >= l.c.queue {
		l.waiting.Add(-1)
		l.qmu.Unlock()
		l.rejected.Add(1)
		return Permit{}, ErrLimited
	}
	w := &waiter{ch: make(chan struct{}, 1)}
	l.queue = append(l.queue, w)
	l.qmu.Unlock()

	t := time.NewTimer(l.c.maxWait)
	defer t.Stop()
	var err error
	select {
	case <-w.ch:
		return Permit{l: l, start: l.now()}, nil
	case <-t.C:
		err = ErrLimited
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.qmu.Lock()
	if w.granted { // granted as the wait ended: the slot is this call's
		l.qmu.Unlock()
		if err == ErrLimited {
			return Permit{l: l, start: l.now()}, nil
		}
		l.release() // the caller has gone: pass the slot on
		return Permit{}, err
	}
	for i, q := range l.queue {
		if q == w {
			l.queue = append(l.queue[:i], l.queue[i+1:]...)
			break
		}
	}
	l.waiting.Add(-1)
	l.qmu.Unlock()
	if err == ErrLimited {
		l.rejected.Add(1)
	}
	return Permit{}, err
}

// release gives back the slot of a call that ended, and grants it to the
// first waiter, if any, while the limit allows.
func (l *Limiter) release() {
	l.inflight.Add(-1)
	l.grant()
}

// grant gives free slots to the waiters in turn, while the limit allows:
// after a call ends, and after the limit is published (it may have risen
// while calls wait; the same protocol as a call's end, with l.limit for
// l.inflight). It may be called with l.mu held (l.mu, then l.qmu).
func (l *Limiter) grant() {
	if l.waiting.Load() == 0 {
		return
	}
	l.qmu.Lock()
	defer l.qmu.Unlock()
	for len(l.queue) > 0 && l.grab() {
		w := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.waiting.Add(-1)
		w.granted = true
		w.ch <- struct{}{}
	}
}

// grab counts a call in flight if the limit allows it. A call it refuses
// is never counted, not even for a moment: a passing count could make a
// grant refuse the last free slot while its waiter sleeps.
func (l *Limiter) grab() bool {
	for {
		n := l.inflight.Load()
		if n >= l.limit.Load() {
			return false
		}
		if l.inflight.CompareAndSwap(n, n+1) {
			if n+1 > l.peak.Load() {
				l.raisePeak(n + 1)
			}
			return true
		}
	}
}
