package budget

// The failure gate. Its state is debt: failed retries net of successes.
// Each failed retry adds 1 (up to Tolerance); each success, of a first
// attempt or of a retry, takes 1 off, down to -1, or to -slack while
// retries are in flight; time forgives debt above 0 at one failure per
// Window, slower than a lone caller with exponential backoff fails, so that
// it cannot keep a dead dependency's gate open. Retries pass while
// debt <= Tolerance-1.
//
// A new Budget starts at debt 0: it lets Tolerance failed retries through
// before it stops them. Successes bank credit below 0. One failure's worth
// lets a lone caller's next call keep its retries after a call that failed
// every attempt by chance. Two, earned while retries are in flight, let
// many callers' retries that were in flight together fail in a run by
// chance while other calls succeed. A dead dependency is stopped after
// Tolerance failed retries, plus what was banked.
//
// When the gate closes it goes dark: until some call succeeds, each retry
// it lets through (because time forgave a failure) is a probe, counted as
// failed until its outcome says otherwise. So a gate reopened by time lets
// one retry through per forgiven failure, not every retry that concurrent
// callers ask for before the first of them fails.
//
// Every function here needs b.mu.

// slack is the number of failed retries a run of successes earns beyond
// Tolerance.
const slack = 2

// gateOpen brings the gate up to date and reports whether a retry may pass.
func (b *Budget) gateOpen(now int64) bool {
	b.catchUp(now)
	return b.debt <= b.tol-1+eps
}

// admitted records a retry the gate let through.
func (b *Budget) admitted() {
	b.inflight++
	if b.dark {
		b.debt++
		b.probes++
	}
	b.settle()
}

// record records the outcome of an attempt.
func (b *Budget) record(now int64, retry, ok bool) {
	b.catchUp(now)
	if retry {
		b.inflight = max(b.inflight-1, 0)
	}
	switch {
	case ok:
		if retry && b.probes > 0 {
			b.probes--
			b.debt-- // the probe's provisional failure
		}
		floor := -1.0
		if b.inflight > 0 {
			floor = -slack
		}
		if b.debt > floor {
			b.debt = max(b.debt-1, floor)
		}
		b.dark = false
	case retry:
		if b.probes > 0 {
			b.probes-- // counted when it was let through
		} else {
			b.debt = min(b.debt+1, b.tol)
		}
		if b.debt > b.tol-1+eps {
			b.dark = true
		}
	}
	b.settle()
}

// withdrawn takes back a retry the gate let through that will not be made.
func (b *Budget) withdrawn(now int64) {
	b.catchUp(now)
	b.inflight = max(b.inflight-1, 0)
	if b.probes > 0 {
		b.probes--
		b.debt-- // the probe's provisional failure
	}
	b.settle()
}

// settle sets dirty: whether a first attempt's success could change the
// gate, so Outcome must take the lock to record it.
func (b *Budget) settle() {
	rest := b.debt <= -slack || (b.debt <= -1 && b.inflight == 0)
	b.dirty.Store(!rest || b.dark || b.probes > 0)
}

// catchUp forgives failures for the time since the last update; it never
// earns slack.
func (b *Budget) catchUp(now int64) {
	if now <= b.debtAt {
		return
	}
	if b.debt > 0 {
		b.debt = max(b.debt-float64(now-b.debtAt)*b.regain, 0)
	}
	b.debtAt = now
}
