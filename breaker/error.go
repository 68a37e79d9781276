package breaker

import (
	"errors"
	"fmt"
	"time"
)

// ErrOpen is matched, with errors.Is, by the error a breaker returns when it
// rejects a call: it is open, or half-open with every probe slot taken.
var ErrOpen = errors.New("breaker: open")

// OpenError is the error a breaker returns when it rejects a call without
// making it. It matches ErrOpen; find it with errors.As for the details.
//
// It follows two conventions of package retry: Retryable reports false, so
// retry.Do stops at once instead of retrying a rejection, and RetryAfter says
// when to come back. An *OpenError is not modified after it is returned, so
// it is safe to share. The zero OpenError describes an unnamed open breaker
// that may probe at once.
type OpenError struct {
	// Name is the breaker's name; "" when it has none.
	Name string
	// State is Open, or HalfOpen when every probe slot was taken; any
	// other value reads as Open.
	State State
	// wait is the time from the rejection until a probe may be let through.
	wait time.Duration
}

// RetryAfter returns the time from the rejection until the breaker lets the
// next probe through: the rest of the recovery timeout when Open, 0 when
// HalfOpen (a probe slot frees as soon as a running probe ends).
func (e *OpenError) RetryAfter() time.Duration { return e.wait }

// Retryable reports false: retrying a rejected call at once is pointless.
func (e *OpenError) Retryable() bool { return false }

// Is reports whether target is ErrOpen.
func (e *OpenError) Is(target error) bool { return target == ErrOpen }

// Error says which breaker rejected the call and when it will probe again.
func (e *OpenError) Error() string {
	who := "breaker"
	if e.Name != "" {
		who = fmt.Sprintf("breaker %q", e.Name)
	}
	if e.State == HalfOpen {
		return who + " is half-open: every probe slot is taken"
	}
	return fmt.Sprintf("%s is open: next probe in %v", who, e.wait)
}
