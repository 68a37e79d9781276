package engine

import (
	"context"
	"time"
)

// Kind says what an Event reports. The values are those of retry.EventKind.
type Kind uint8

const (
	KindAttempt        Kind = iota + 1 // an attempt ended
	KindRetry                          // a retry is scheduled after Delay
	KindGiveUp                         // the loop gave up; Err is the adapter's error
	KindBudgetRejected                 // the budget refused the retry
	KindLimited                        // a concurrency limit refused the attempt numbered Attempt
)

// Event is what a Loop reports to Notify; the adapters turn it into a
// retry.Event. It is a plain value.
type Event struct {
	Kind        Kind
	Name        string
	Attempt     int
	MaxAttempts int
	Delay       time.Duration
	Elapsed     time.Duration
	Err         error
	Context     context.Context
}

// event reports one event about the current attempt, if anyone listens.
func (l *Loop) event(k Kind, delay time.Duration, err error) {
	l.eventAt(k, l.attempt, delay, err)
}

// eventAt reports one event about the attempt numbered attempt.
func (l *Loop) eventAt(k Kind, attempt int, delay time.Duration, err error) {
	if l.Notify == nil {
		return
	}
	l.Notify(l.NotifyArg, Event{Kind: k, Name: l.Name, Attempt: attempt, MaxAttempts: l.MaxAttempts,
		Delay: delay, Elapsed: time.Since(l.start), Err: err, Context: l.ctx})
}
