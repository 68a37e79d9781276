package promretry

import (
	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/internal/labels"
	"github.com/prometheus/client_golang/prometheus"
)

// opMetrics are the series of one operation.
type opMetrics struct {
	success, failure prometheus.Counter
	retries          prometheus.Counter
	delay            prometheus.Observer
	exhausted        [labels.NCauses]prometheus.Counter
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
		o.exhausted[i] = m.exhausted.WithLabelValues(name, labels.CauseNames[i])
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
	o := m.ops.Get(e.Name)
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
		o.exhausted[labels.CauseOf(e.Err)].Inc()
	case retry.EventBudgetRejected:
		o.rejected.Inc()
	}
}
