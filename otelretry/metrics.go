package otelretry

import (
	"context"
	"errors"
	"fmt"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/internal/labels"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The names of the instruments. Exported by OpenTelemetry's Prometheus
// exporter they become package promretry's metric names (retry.attempts
// becomes retry_attempts_total, retry.delay with unit s becomes
// retry_delay_seconds), and their attributes are promretry's labels, so
// promretry's alerts and dashboard apply unchanged.
const (
	NameAttempts          = "retry.attempts"              // counter{operation, outcome}
	NameRetries           = "retry.retries"               // counter{operation}
	NameDelay             = "retry.delay"                 // histogram{operation}, seconds
	NameExhausted         = "retry.exhausted"             // counter{operation, cause}
	NameBudgetRejected    = "retry.budget.rejected"       // counter{operation}
	NameBudgetAvailable   = "retry.budget.available"      // gauge{budget}
	NameBudgetCredit      = "retry.budget.credit"         // gauge{budget}
	NameHTTPRequests      = "retry.http.requests"         // counter{route, code}
	NameBreakerState      = "circuit_breaker.state"       // gauge{name}: 0 closed, 1 open, 2 half-open
	NameBreakerTransition = "circuit_breaker.transitions" // counter{name, from, to}
)

// instruments are the metric instruments and the attribute sets prepared
// for each name.
type instruments struct {
	attempts, retries, exhausted, rejected metric.Int64Counter
	requests, transitions                  metric.Int64Counter
	delay                                  metric.Float64Histogram

	ops      labels.Set[opAttrs]
	routes   labels.Set[routeAttrs]
	cbs      labels.Set[breakerAttrs]
	observed observed
}

// opAttrs are the measurement options of one operation.
type opAttrs struct {
	success, failure, op []metric.AddOption
	delay                []metric.RecordOption
	causes               [labels.NCauses][]metric.AddOption
}

func addOpt(kv ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

func newOpAttrs(name string) *opAttrs {
	op := attribute.String("operation", name)
	o := &opAttrs{
		success: addOpt(op, attribute.String("outcome", "success")),
		failure: addOpt(op, attribute.String("outcome", "error")),
		op:      addOpt(op),
		delay:   []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(op))},
	}
	for i := range o.causes {
		o.causes[i] = addOpt(op, attribute.String("cause", labels.CauseNames[i]))
	}
	return o
}

func newInstruments(m metric.Meter, buckets []float64, maxNames int) (*instruments, error) {
	ins := &instruments{
		ops:    labels.Set[opAttrs]{Max: maxNames, Make: newOpAttrs},
		routes: labels.Set[routeAttrs]{Max: maxNames, Make: newRouteAttrs},
		cbs:    labels.Set[breakerAttrs]{Max: maxNames, Make: newBreakerAttrs},
	}
	var errs []error
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	ins.attempts = counter(NameAttempts, "{attempt}", `Attempts that ended, by operation and outcome ("success" or "error").`)
	ins.retries = counter(NameRetries, "{retry}", "Retries scheduled, by operation.")
	ins.exhausted = counter(NameExhausted, "{call}", `Calls that gave up while the failure was still retryable, by operation and cause ("attempts", "deadline", "canceled", "budget", "limited", "other").`)
	ins.rejected = counter(NameBudgetRejected, "{retry}", "Retries that a retry budget refused, by operation.")
	ins.requests = counter(NameHTTPRequests, "{request}", `HTTP requests through retryhttp, each counted once whatever its retries, by route and final result ("1xx".."5xx", "other", "error").`)
	ins.transitions = counter(NameBreakerTransition, "{transition}", `Circuit breaker state changes, by breaker name and states ("closed", "open", "half-open").`)
	var err error
	ins.delay, err = m.Float64Histogram(NameDelay, metric.WithUnit("s"),
		metric.WithDescription("Delay before each retry, in seconds, by operation."),
		metric.WithExplicitBucketBoundaries(buckets...))
	errs = append(errs, err)
	errs = append(errs, ins.registerObservers(m))
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otelretry: %w", err)
	}
	return ins, nil
}

// record counts e.
func (ins *instruments) record(ctx context.Context, e *retry.Event) {
	o := ins.ops.Get(e.Name)
	switch e.Kind {
	case retry.EventAttempt:
		if e.Err == nil {
			ins.attempts.Add(ctx, 1, o.success...)
		} else {
			ins.attempts.Add(ctx, 1, o.failure...)
		}
	case retry.EventRetry:
		ins.retries.Add(ctx, 1, o.op...)
		ins.delay.Record(ctx, e.Delay.Seconds(), o.delay...)
	case retry.EventGiveUp:
		ins.exhausted.Add(ctx, 1, o.causes[labels.CauseOf(e.Err)]...)
	case retry.EventBudgetRejected:
		ins.rejected.Add(ctx, 1, o.op...)
	}
}
