package otelretry

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/nop-platform/retry/internal/labels"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/nop-platform/retry/otelretry"

// Defaults.
const (
	DefaultMaxNames = 256          // distinct attribute values kept per kind of name
	Other           = labels.Other // the value that names past MaxNames share
)

// DefaultBuckets are the bounds, in seconds, of the retry.delay histogram:
// those of package promretry, from a millisecond to a minute.
var DefaultBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// ErrInvalidOption is matched by the error of New for an invalid option.
var ErrInvalidOption = errors.New("otelretry: invalid option")

// Option configures New.
type Option struct{ apply func(*config) error }

type config struct {
	tp       trace.TracerProvider
	mp       metric.MeterProvider
	prop     propagation.TextMapPropagator
	buckets  []float64
	maxNames int
}

// TracerProvider sets where spans go. Default: the global provider
// (otel.GetTracerProvider), read at each call, so that one set later with
// otel.SetTracerProvider is used from then on.
func TracerProvider(tp trace.TracerProvider) Option {
	return Option{func(c *config) error {
		if tp == nil {
			return fmt.Errorf("%w: TracerProvider(nil)", ErrInvalidOption)
		}
		c.tp = tp
		return nil
	}}
}

// MeterProvider sets where metrics go. Default: the global provider
// (otel.GetMeterProvider), whose instruments follow a provider set later.
func MeterProvider(mp metric.MeterProvider) Option {
	return Option{func(c *config) error {
		if mp == nil {
			return fmt.Errorf("%w: MeterProvider(nil)", ErrInvalidOption)
		}
		c.mp = mp
		return nil
	}}
}

// Propagator sets how Transport writes each attempt's trace context into
// its request headers. Default: the global propagator
// (otel.GetTextMapPropagator), read at each attempt.
func Propagator(p propagation.TextMapPropagator) Option {
	return Option{func(c *config) error {
		if p == nil {
			return fmt.Errorf("%w: Propagator(nil)", ErrInvalidOption)
		}
		c.prop = p
		return nil
	}}
}

// Buckets sets the bounds, in seconds, of the retry.delay histogram; they
// must be increasing. Default DefaultBuckets.
func Buckets(bounds ...float64) Option {
	return Option{func(c *config) error {
		if len(bounds) == 0 {
			return fmt.Errorf("%w: Buckets(): no bounds", ErrInvalidOption)
		}
		for i, b := range bounds {
			if math.IsNaN(b) || math.IsInf(b, 0) || i > 0 && b <= bounds[i-1] {
				return fmt.Errorf("%w: Buckets%v: bounds must be increasing finite numbers", ErrInvalidOption, bounds)
			}
		}
		c.buckets = slices.Clone(bounds)
		return nil
	}}
}

// MaxNames bounds the distinct operation names, routes and breaker names,
// each kind on its own, that get attribute values of their own in metrics;
// past n, new names are recorded as Other ("_other"). Default
// DefaultMaxNames (256); n must be at least 1.
func MaxNames(n int) Option {
	return Option{func(c *config) error {
		if n < 1 {
			return fmt.Errorf("%w: MaxNames(%d): must be at least 1", ErrInvalidOption, n)
		}
		c.maxNames = n
		return nil
	}}
}

// Telemetry traces and measures the retries of package retry and
// retryhttp, the decisions of retry budgets and the state of circuit
// breakers with OpenTelemetry. Hand its methods to the hooks of the core
// packages: Option to retry.Do, Transport and Notify to retryhttp,
// OnStateChange to breaker.OnStateChange; see the package documentation.
//
// A Telemetry is safe for concurrent use. With no tracer provider installed
// (the global one before otel.SetTracerProvider, or a no-op provider) it
// starts no spans and allocates nothing. The zero Telemetry is not usable;
// create one with New.
type Telemetry struct {
	tracing
	prop propagation.TextMapPropagator // nil: the global one
	*instruments
}

// New returns a Telemetry, or an error matching ErrInvalidOption for an
// invalid option, or one from the meter provider when it refuses an
// instrument.
func New(opts ...Option) (*Telemetry, error) {
	c := config{buckets: DefaultBuckets, maxNames: DefaultMaxNames}
	for _, o := range opts {
		if o.apply == nil {
			return nil, fmt.Errorf("%w: the zero Option", ErrInvalidOption)
		}
		if err := o.apply(&c); err != nil {
			return nil, err
		}
	}
	mp := c.mp
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	ins, err := newInstruments(mp.Meter(ScopeName, metric.WithInstrumentationVersion(Version)), c.buckets, c.maxNames)
	if err != nil {
		return nil, err
	}
	t := &Telemetry{prop: c.prop, instruments: ins}
	t.tracing.init(c.tp)
	return t, nil
}

// Version is the version of this package reported with its scope.
const Version = "0.1.0"

func (t *Telemetry) propagator() propagation.TextMapPropagator {
	if t.prop != nil {
		return t.prop
	}
	return otel.GetTextMapPropagator()
}
