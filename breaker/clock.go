package breaker

import "time"

// This file dates the successes of a FailureRate breaker. A success is
// counted in a striped counter without reading the clock (a reading costs
// several times a whole successful call), so something else must say when
// it was made: the breaker's tick, a timer that fires one bucket width after
// the first success that found it idle, and again every width while
// successes keep coming. Each tick (and each failure, which reads the clock
// anyway) moves the counted successes into the window's current bucket, so
// every success is dated less than one bucket late, whatever the pattern of
// bursts and idle spells: counting alone cannot tell successes made just
// before an idle spell from successes made just after it.
//
// The tick is a time.AfterFunc timer: no goroutine waits for it, and the one
// that runs it ends at once. It stops itself at the first tick that finds no
// success, so an idle breaker costs nothing and a breaker that is no longer
// used can be collected one tick after its last call.

// arm starts the tick unless it is due. Called by a success that found it
// idle, about once per idle spell.
//
//go:noinline
func (b *Breaker) arm() {
	if b.armed.CompareAndSwap(false, true) {
		b.tick.Reset(time.Duration(b.win.width))
	}
}

// onTick dates the successes counted since the last tick or failure, and
// comes again while there were some.
func (b *Breaker) onTick() {
	b.mu.Lock()
	n := b.succ.take()
	if stateOf(b.word.Load()) == Closed {
		b.putLocked(b.now(), n)
	} // else stragglers of a closed generation that ended: dropped
	b.unlock()
	if n > 0 {
		b.tick.Reset(time.Duration(b.win.width))
		return
	}
	b.armed.Store(false)
	// A success counted after the take may have found the tick due and
	// left it to us: look once more, after clearing armed, so that either
	// it sees armed clear and arms, or we see its count.
	if b.succ.any() {
		b.arm()
	}
}
