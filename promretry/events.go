package promretry

import (
	"context"
	"errors"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
	"github.com/prometheus/client_golang/prometheus"
)

// Causes of giving up: the values of retry_exhausted_total's cause label.
const (
	causeAttempts = iota // every attempt was used
	causeDeadline        // the context's deadline passed, or the next delay would pass it
	causeCanceled        // the context was canceled
	causeBudget          // a retry budget refused the retry
	causeLimited         // a concurrency limit (package limit) refused the retry
	causeOther           // anything else, such as a request body that could not be replayed
	nCauses
)

var causeNames = [nCauses]string{"attempts", "deadline", "canceled", "budget", "limited", "other"}

// opMetrics are the series of one operation.
type opMetrics struct {
	success, failure prometheus.Counter
	retries          prometheus.Counter
	delay            prometheus.Observer
	exhausted        [nCauses]prometheus.Counter
	rejected         prometheus.Counter
}

// newOp makes every series of an operation at once, so that each exists,
// at 0, before its first increase (which rate and increase would
// otherwise miss).
func (m *Metrics) newOp(name string) *opMetrics {
	o := &opMetrics{
		success:  m.attempts.WithLabelValues(name, "success"),
		failure:  m.attempts.WithLabelValues(name, "error"),
		retries:  m.retries.WithLabelValues(name),
		delay:    m.delay.WithLabelValues(name),
		rejected: m.rejected.WithLabelValues(name),
	}
	for i := range o.exhausted {
		o.exhausted[i] = m.exhausted.WithLabelValues(name, causeNames[i])
	}
	return o
}

// Notify records e. Pass it to retry.Notify or retryhttp.Notify:
//
//	retry.Do(ctx, fn, retry.Name("fetch-assets"), retry.Notify(m.Notify))
//
// The operation label is e.Name: the retry.Name of a call, or for
// retryhttp the route pattern or the client's retryhttp.Name. An attempt
// counts as "success" when its Err is nil: for retryhttp, any response the
// client does not retry, a 404 included (retry_http_requests_total has the
// status class). Events of kinds it does not know are ignored.
//
// Notify takes no lock and allocates nothing once e.Name has been seen.
func (m *Metrics) Notify(e retry.Event) {
	o := m.ops.get(e.Name)
	switch e.Kind {
	case retry.EventAttempt:
		if e.Err == nil {
			o.success.Inc()
		} else {
			o.failure.Inc()
		}
	case retry.EventRetry:
		o.retries.Inc()
		o.delay.Observe(e.Delay.Seconds())
	case retry.EventGiveUp:
		o.exhausted[causeOf(e.Err)].Inc()
	case retry.EventBudgetRejected:
		o.rejected.Inc()
	}
}

// causeOf classifies the error of an EventGiveUp, a *retry.Error.
func causeOf(err error) int {
	re, ok := err.(*retry.Error)
	if !ok {
		if re = findError(err); re == nil {
			return causeOther
		}
	}
	// Only the Cause is inspected: errors.Is on re itself would walk (and
	// allocate) its list of attempts.
	switch c := re.Cause; {
	case c == nil:
		return causeAttempts
	case errors.Is(c, retry.ErrBudgetExhausted):
		return causeBudget
	case errors.Is(c, limit.ErrLimited):
		return causeLimited
	case errors.Is(c, context.DeadlineExceeded): // retry.ErrDeadline included
		return causeDeadline
	case errors.Is(c, context.Canceled):
		return causeCanceled
	}
	return causeOther
}

// findError returns the *retry.Error in err's tree, or nil. It is a function
// of its own so that causeOf's common case does not pay for errors.As.
func findError(err error) *retry.Error {
	var re *retry.Error
	if errors.As(err, &re) {
		return re
	}
	return nil
}
