package breaker

import (
	"context"
	"errors"
)

// Permit is the right to make one call, given by Allow. Report the call's
// outcome with exactly one call of Done, Success, Failure or Abandon; a
// second report of the same Permit (or of a copy) is a bug and may skew the
// counts. An outcome reported after the breaker changed state is ignored.
//
// A Permit is a small value: passing and reporting it allocates nothing. Its
// methods are safe for concurrent use with the breaker's. Reporting on the
// zero Permit does nothing.
type Permit struct {
	b     *Breaker
	w     uint64 // the breaker's word when the call was admitted
	start int64  // when the call was admitted, with SlowCall
}

type outcome uint8

const (
	success outcome = iota
	failure
	ignored
)

// Allow is the two-step form of Do, for code that judges a call after the
// fact, such as an HTTP transport that sees a 503: it asks whether a call may
// be made now and returns a Permit to report the outcome with. A rejection
// returns an *OpenError matching ErrOpen and the zero Permit.
//
//	p, err := cb.Allow()
//	if err != nil {
//		return nil, err
//	}
//	resp, err := base.RoundTrip(req)
//	switch {
//	case err != nil:
//		p.Done(err)
//	case resp.StatusCode >= 500:
//		p.Failure()
//	default:
//		p.Success()
//	}
//
// Allow is safe for concurrent use. In the closed state it takes no lock,
// reads no clock (unless SlowCall is set) and allocates nothing.
func (b *Breaker) Allow() (Permit, error) {
	if w := b.word.Load(); w&slowMask == 0 {
		return Permit{b: b, w: w}, nil
	}
	return b.allowSlow()
}

// Done reports the outcome the way Do judges fn's error: nil is a success;
// an error matching context.Canceled counts neither way (the call was given
// up, by the caller or by the callee's own code, which says nothing about
// the dependency); any other error, context.DeadlineExceeded included (the
// dependency was too slow), is a failure if IsFailure says so, and otherwise
// a success. Done does not see the caller's context: when the caller gave
// up and the call ended with some other error (a closed connection), report
// it with Abandon, as Do does on its own.
func (p Permit) Done(err error) {
	switch {
	case p.b == nil:
	case err == nil:
		p.report(success)
	case errors.Is(err, context.Canceled):
		p.report(ignored)
	case p.b.conf().failure(err):
		p.report(failure)
	default:
		p.report(success)
	}
}

// Success reports that the call succeeded (unless SlowCall finds it slow).
func (p Permit) Success() { p.report(success) }

// Failure reports that the call failed.
func (p Permit) Failure() { p.report(failure) }

// Abandon reports that the call's outcome says nothing about the dependency,
// for instance because the caller gave up on it; a half-open breaker frees
// its probe slot.
func (p Permit) Abandon() { p.report(ignored) }

// report records an outcome; the closed-state success of a breaker with the
// default rules is handled inline with atomic loads only.
func (p Permit) report(o outcome) {
	b := p.b
	if b == nil {
		return
	}
	if o == success && p.w&slowMask == 0 {
		if b.word.Load() >= failOne { // some failures to forget
			b.resetFails(p.w)
		}
		return
	}
	b.reportSlow(p, o)
}
