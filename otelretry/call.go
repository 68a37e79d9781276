package otelretry

import (
	"context"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/internal/labels"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Option traces and measures retry.Do calls named name (it sets
// retry.Name(name) too; "" means retry's default, "call"):
//
//	opt := tel.Option("fetch-assets") // once, then for every call
//	err := retry.Do(ctx, fetch, opt, retry.MaxAttempts(5))
//
// Each call gets a span named name (kind internal), a child of ctx's span,
// that spans every attempt and wait; the attempts run under its context,
// so spans they start are its children. Its events are each attempt's end
// (retry.attempt: its number and, for a failure, error.type and
// retry.error), and the decisions that Notify adds: each retry's wait with
// its delay, a budget's refusal, a breaker's rejection, a concurrency
// limit's refusal and the give-up with its cause. Its attributes are retry.attempts, retry.max_attempts and, if
// the call failed, error.type and retry.cause (for a give-up); its status
// is then Error with the error's message. Metrics are recorded as by
// Notify.
//
// Build the option once: with no tracer installed a call costs what
// Notify costs, and allocates nothing. A call whose function panics has its
// span ended as the panic goes on up, with status Error and error.type
// "panic".
func (t *Telemetry) Option(name string) retry.Option {
	if name == "" {
		name = "call"
	}
	return retry.Options(retry.Name(name), retry.Around(t.around(name)), retry.Notify(t.notifyCall))
}

// around returns the Around of calls named name: it starts their span,
// or with no tracer does nothing at all.
func (t *Telemetry) around(name string) func(context.Context) (context.Context, func(error)) {
	return func(ctx context.Context) (context.Context, func(error)) {
		tr := t.tracer()
		if tr == nil {
			return ctx, nil
		}
		ctx, span := tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal))
		return ctx, func(err error) {
			if err != nil && span.IsRecording() {
				span.SetStatus(codes.Error, err.Error())
				span.SetAttributes(semconv.ErrorTypeKey.String(callErrorType(err)))
				if re, ok := err.(*retry.Error); ok {
					span.SetAttributes(AttrCause.String(labels.CauseNames[labels.CauseOf(re)]))
				}
			}
			span.End()
		}
	}
}

// callErrorType is error.type for the error a call returned: for a
// give-up, the class of its cause, else of its last attempt's error.
func callErrorType(err error) string {
	if re, ok := err.(*retry.Error); ok {
		switch {
		case re.Cause != nil:
			return errorType(re.Cause)
		case len(re.Errors) > 0:
			return errorType(re.Errors[len(re.Errors)-1])
		}
	}
	return errorType(err)
}

// notifyCall is Notify for the calls of Option: it adds each attempt to
// the call's span as well.
func (t *Telemetry) notifyCall(e retry.Event) {
	if e.Kind == retry.EventAttempt && e.Context != nil {
		if span := trace.SpanFromContext(e.Context); span.IsRecording() {
			span.AddEvent(EventAttempt, trace.WithAttributes(append(failure(e.Err), AttrAttempt.Int(e.Attempt))...))
			span.SetAttributes(AttrAttempts.Int(e.Attempt), AttrMaxAttempts.Int(e.MaxAttempts))
		}
	}
	t.Notify(e)
}
