package retry

import (
	"context"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventAttempt: an attempt ended; Err is nil when it succeeded.
	EventAttempt EventKind = iota + 1
	// EventRetry: a retry is scheduled after Delay; Err is the failure.
	EventRetry
	// EventGiveUp: Do gave up; Err is the *Error it returns.
	EventGiveUp
	// EventBudgetRejected: a retry budget refused the retry; Err is the
	// failure that would have been retried.
	EventBudgetRejected
	// EventLimited: a concurrency limit (package limit) refused an attempt
	// before it was sent; Attempt is the number it would have had, Err
	// matches limit.ErrLimited.
	EventLimited
)

var kindNames = [...]string{"", "attempt", "retry", "give_up", "budget_rejected", "limited"}

// String returns a short lower-case name such as "retry".
func (k EventKind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return "unknown"
}

// Event is what Notify reports. It is a plain value: passing it allocates
// nothing.
type Event struct {
	Kind        EventKind
	Name        string        // the operation, from Name; default "call"
	Attempt     int           // number of the attempt that ended (1 = first call)
	MaxAttempts int           // attempts allowed in all
	Delay       time.Duration // for EventRetry: the wait before the next attempt
	Elapsed     time.Duration // time since Do started
	Err         error
	// Context is the call's context: for Do the one its attempts run
	// under (the caller's, bounded by MaxTime, or as Around passed it on),
	// for retryhttp the request's. A tracer finds its span here.
	Context context.Context
}
