package limit

import (
	"math"
	"time"
)

// estimator is the limit's state between windows; the Limiter's mu guards
// it.
type estimator struct {
	limit float64
	begun int64                    // when the current window began, in ns since epoch
	means [DefaultBaseline]float64 // the last windows' average latencies, in ns
	n, i  int                      // how many of means are set; where the next goes
}

// baseline returns the no-load latency: the lowest window average of the
// last DefaultBaseline windows, in ns; 0 before the first window.
func (e *estimator) baseline() float64 {
	b := 0.0
	for _, m := range e.means[:e.n] {
		if b == 0 || m < b {
			b = m
		}
	}
	return b
}

// window moves the limit after a window whose successful calls took mean
// ns on average, with at most peak calls in flight at once.
func (e *estimator) window(mean float64, peak int64, c *config) {
	e.means[e.i] = mean
	e.i = (e.i + 1) % len(e.means)
	e.n = min(e.n+1, len(e.means))
	if 2*float64(peak) < e.limit {
		return // not using the limit: nothing learnt about it
	}
	g := min(max(c.tolerance*e.baseline()/mean, 0.5), 1)
	e.limit = min(max(e.limit*g+math.Sqrt(e.limit), float64(c.min)), float64(c.max))
}

// cut applies an overload signal.
func (e *estimator) cut(c *config) {
	e.limit = max(e.limit*c.backoff, float64(c.min))
}

// windowLength returns how long the next window lasts at least.
func (e *estimator) windowLength(c *config) int64 {
	return int64(min(max(time.Duration(2*e.baseline()), c.window), DefaultMaxWindow))
}

// endWindow ends the current window if it is due and no other goroutine is
// ending it.
func (l *Limiter) endWindow(now int64) {
	if !l.mu.TryLock() {
		return
	}
	defer l.mu.Unlock()
	if now < l.next.Load() {
		return
	}
	n := l.acc.Load() >> accShift
	if n < DefaultSamples && now-l.est.begun < int64(DefaultMaxWindow) {
		return // too few samples yet
	}
	acc := l.acc.Swap(0)
	if n = acc >> accShift; n > 0 {
		mean := float64(acc&accMask) * 1000 / float64(n)
		l.est.window(mean, l.peak.Swap(l.inflight.Load()), &l.c)
		l.publish()
	}
	l.begin(now)
}

// cut applies an overload signal from a call admitted at start, unless
// another cut since then has already accounted for it.
func (l *Limiter) cut(start, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if start < l.lastCut.Load() {
		return
	}
	l.est.cut(&l.c)
	l.publish()
	l.lastCut.Store(now)
	// The window's samples were taken under the old limit.
	l.acc.Store(0)
	l.peak.Store(l.inflight.Load())
	l.begin(now)
}

// begin starts a window at now. l.mu must be held.
func (l *Limiter) begin(now int64) {
	l.est.begun = now
	l.next.Store(now + l.est.windowLength(&l.c))
}

// publish makes the estimator's limit the one grab reads, and grants any
// new room to waiters. float64(Max) may round up past the largest int64
// (Max(math.MaxInt)), so Max itself is stored when the estimate reaches it.
func (l *Limiter) publish() {
	n := int64(l.c.max)
	if l.est.limit < float64(l.c.max) {
		n = int64(l.est.limit)
	}
	l.limit.Store(n)
	l.grant() // a raised limit has room for waiters
}
