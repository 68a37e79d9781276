package limit

import "time"

// Outcome is how an admitted call ended, as reported to Permit.Done.
type Outcome uint8

const (
	// OK: the call got its answer; its latency is a sample of how loaded
	// the dependency is.
	OK Outcome = iota
	// Failed: the call failed in a way that says nothing about load (a
	// refused connection, a fast error, a caller that gave up): the permit
	// is given back and the latency ignored.
	Failed
	// Overloaded: the dependency showed overload (the call timed out, or
	// the answer was 429 Too Many Requests or 503 Service Unavailable): the
	// limit is cut by Backoff, at most once for the calls admitted since
	// the previous cut (as TCP halves its window at most once per round
	// trip).
	Overloaded
)

var outcomeNames = [...]string{"ok", "failed", "overloaded"}

// String returns "ok", "failed" or "overloaded".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// Permit is the right to make one call, given by Acquire. Report the
// call's end with exactly one call of Done or DoneAt; a second report of
// the same Permit (or of a copy) is a bug and skews the count of calls in
// flight.
//
// A Permit is a small value: passing and reporting it allocates nothing.
// Its methods are safe for concurrent use with the Limiter's. Reporting on
// the zero Permit does nothing.
type Permit struct {
	l     *Limiter
	start int64 // ns since the Limiter's epoch
}

// Done reports that the call ended now with outcome o.
func (p Permit) Done(o Outcome) {
	if p.l != nil {
		p.l.done(p.start, p.l.now(), o)
	}
}

// DoneAt is Done at time now, for tests; it reads no clock.
func (p Permit) DoneAt(now time.Time, o Outcome) {
	if p.l != nil {
		p.l.done(p.start, p.l.since(now), o)
	}
}

// maxSample caps one latency sample, in µs: about 71 minutes.
const maxSample = 1 << 32

// bigSample is the shortest sample, in µs (about a second), added with a
// check that the window's sum keeps below half its bits (sumRoom): a few
// hundred long calls ending in one window (long polls) would otherwise
// carry into the count. Shorter samples are added at once: it takes 2^19
// of them in one window to fill the other half.
const (
	bigSample = 1 << 20
	sumRoom   = accMask >> 1
)

func (l *Limiter) done(start, now int64, o Outcome) {
	l.release()
	switch o {
	case OK:
		us := uint64(min(max((now-start)/1000, 1), maxSample))
		if us < bigSample {
			l.acc.Add(1<<accShift | us)
		} else {
			l.addBig(us)
		}
	case Overloaded:
		if start >= l.lastCut.Load() {
			l.cut(start, now)
		}
		return
	default:
		return
	}
	if now >= l.next.Load() {
		l.endWindow(now)
	}
}

// addBig adds a long sample to the window unless its sum would pass
// sumRoom; the sample is then dropped (the window is long overdue to end).
func (l *Limiter) addBig(us uint64) {
	for {
		v := l.acc.Load()
		if v&accMask+us > sumRoom || l.acc.CompareAndSwap(v, v+(1<<accShift|us)) {
			return
		}
	}
}
