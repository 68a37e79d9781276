package engine

import "strconv"

// Outcome says how an attempt ended, for a budget (retry.Outcome).
type Outcome uint8

const (
	OutcomeOK         Outcome = iota // succeeded, or failed in a way not retried
	OutcomeTransient                 // a retryable failure, no sign of overload
	OutcomeOverloaded                // 429, 503, or an error with a RetryAfter
	OutcomeTimedOut                  // the attempt timed out
)

// String returns the outcome's name: "ok", "transient", "overloaded" or
// "timed_out".
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeTransient:
		return "transient"
	case OutcomeOverloaded:
		return "overloaded"
	case OutcomeTimedOut:
		return "timed_out"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Ticket identifies a retry that a Budget granted (retry.Ticket); the zero
// Ticket stands for a first attempt.
type Ticket uint64

// Budget is retry.Budget. This file is the one place that talks to a budget.
type Budget interface {
	Request()
	AllowRetry(o Outcome) (Ticket, bool)
	Outcome(t Ticket, o Outcome)
	CancelRetry(t Ticket)
}

// refuser is the optional method that says why a budget refused a retry;
// report is true at most once per window while refusals go on.
type refuser interface {
	Refusal() (reason string, report bool)
}

// request records a call's first attempt.
func (l *Loop) request() {
	if l.Budget != nil {
		l.Budget.Request()
	}
}

// settle reports an attempt's end, settling its retry's ticket.
func (l *Loop) settle(o Outcome) {
	if l.Budget == nil {
		return
	}
	t := l.ticket
	l.ticket = 0
	l.Budget.Outcome(t, o)
}

// grant asks the budget for the next retry after a failure of kind o.
func (l *Loop) grant(o Outcome) bool {
	if l.Budget == nil {
		return true
	}
	t, ok := l.Budget.AllowRetry(o)
	if !ok {
		return false
	}
	l.ticket = t
	return true
}

// cancelRetry gives back a granted retry that will not be made.
func (l *Loop) cancelRetry() {
	if l.ticket == 0 {
		return
	}
	t := l.ticket
	l.ticket = 0
	l.Budget.CancelRetry(t)
}

// refusal returns the budget's reason for refusing, when it is time to log it.
func (l *Loop) refusal() (string, bool) {
	if r, ok := l.Budget.(refuser); ok {
		return r.Refusal()
	}
	return "", false
}
