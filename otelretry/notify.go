package otelretry

import (
	"context"
	"errors"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/internal/labels"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// The names of the span events, and of their attributes.
const (
	EventAttempt        = "retry.attempt"         // an attempt of retry.Do ended (with Option only)
	EventWait           = "retry.wait"            // a retry is scheduled after a delay
	EventBudgetRejected = "retry.budget_rejected" // a retry budget refused the retry
	EventLimited        = "retry.limited"         // a concurrency limit refused an attempt before it was sent
	EventGiveUp         = "retry.give_up"         // the call gave up while the failure was retryable
	EventBreakerOpen    = "breaker.rejected"      // a circuit breaker rejected the attempt

	AttrAttempt     = attribute.Key("retry.attempt")       // int: the attempt that ended, 1 for the first
	AttrAttempts    = attribute.Key("retry.attempts")      // int: attempts made
	AttrMaxAttempts = attribute.Key("retry.max_attempts")  // int: attempts allowed
	AttrDelay       = attribute.Key("retry.delay")         // float: the wait before the next attempt, in seconds
	AttrCause       = attribute.Key("retry.cause")         // string: why the call gave up, as in retry.exhausted
	AttrError       = attribute.Key("retry.error")         // string: the error's message
	AttrBreaker     = attribute.Key("breaker.name")        // string: the breaker's Name
	AttrBreakerWait = attribute.Key("breaker.retry_after") // float: seconds until the breaker probes again
)

// Notify records e: pass it to retry.Notify or retryhttp.Notify.
//
//	t := retryhttp.NewTransport(tel.Transport(nil), retryhttp.Notify(tel.Notify))
//
// It counts e in the metrics (see the package documentation) and, when the
// call's span records (trace.SpanFromContext(e.Context): for retryhttp the
// caller's span, such as otelhttp's), adds the call's decisions to it as
// span events: each retry's wait (retry.wait), a budget's refusal
// (retry.budget_rejected), a breaker's rejection (breaker.rejected), a
// concurrency limit's refusal (retry.limited: retry.attempt is the attempt
// that was not sent) and the give-up (retry.give_up). The attempts
// themselves are Transport's spans, or for retry.Do, events that Option
// adds. Events of kinds it does not know are ignored.
//
// With no span recording, Notify takes no lock and allocates nothing once
// e.Name has been seen.
func (t *Telemetry) Notify(e retry.Event) {
	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	t.record(ctx, &e)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		decision(span, &e)
	}
}

// decision adds e to span when it reports a decision.
func decision(span trace.Span, e *retry.Event) {
	switch e.Kind {
	case retry.EventAttempt:
		var oe *breaker.OpenError
		if e.Err != nil && errors.As(e.Err, &oe) {
			span.AddEvent(EventBreakerOpen, trace.WithAttributes(AttrAttempt.Int(e.Attempt),
				AttrBreaker.String(oe.Name), attribute.String("breaker.state", oe.State.String()),
				AttrBreakerWait.Float64(oe.RetryAfter().Seconds())))
		}
	case retry.EventRetry:
		span.AddEvent(EventWait, trace.WithAttributes(append(failure(e.Err),
			AttrAttempt.Int(e.Attempt), AttrDelay.Float64(e.Delay.Seconds()))...))
	case retry.EventBudgetRejected:
		span.AddEvent(EventBudgetRejected, trace.WithAttributes(append(failure(e.Err),
			AttrAttempt.Int(e.Attempt))...))
	case retry.EventLimited:
		span.AddEvent(EventLimited, trace.WithAttributes(append(failure(e.Err),
			AttrAttempt.Int(e.Attempt))...))
	case retry.EventGiveUp:
		span.AddEvent(EventGiveUp, trace.WithAttributes(AttrAttempts.Int(e.Attempt),
			AttrMaxAttempts.Int(e.MaxAttempts), AttrCause.String(labels.CauseNames[labels.CauseOf(e.Err)])))
	}
}

// failure returns the attributes of an attempt's error: error.type and
// retry.error; none for nil.
func failure(err error) []attribute.KeyValue {
	if err == nil {
		return nil
	}
	return []attribute.KeyValue{semconv.ErrorTypeKey.String(errorType(err)), AttrError.String(err.Error())}
}
