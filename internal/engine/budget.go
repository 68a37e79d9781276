package engine

// Budget is retry.Budget: it limits retries across many calls. This file is
// the one place that talks to a budget.
type Budget interface {
	Request()
	AllowRetry() bool
	Outcome(retry, ok bool)
}

// retryCanceler is the optional method that gives back a granted retry.
type retryCanceler interface{ CancelRetry() }

// refuser is the optional method that says why a budget refused a retry;
// report is true at most once per window while refusals go on.
type refuser interface {
	Refusal() (reason string, report bool)
}

// ticket marks a granted retry whose outcome the budget still awaits.
type ticket bool

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
	l.Budget.Outcome(l.attempt > 1, o == OutcomeOK)
	l.ticket = false
}

// grant asks the budget for the next retry.
func (l *Loop) grant() bool {
	if l.Budget == nil {
		return true
	}
	if !l.Budget.AllowRetry() {
		return false
	}
	l.ticket = true
	return true
}

// cancelRetry gives back a granted retry that will not be made.
func (l *Loop) cancelRetry() {
	if !l.ticket {
		return
	}
	l.ticket = false
	if rc, ok := l.Budget.(retryCanceler); ok {
		rc.CancelRetry()
	}
}

// refusal returns the budget's reason for refusing, when it is time to log it.
func (l *Loop) refusal() (string, bool) {
	if r, ok := l.Budget.(refuser); ok {
		return r.Refusal()
	}
	return "", false
}
