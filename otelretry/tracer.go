package otelretry

import (
	"reflect"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracing chooses the tracer of each call, or none. Starting a span costs
// an allocation even with a no-op provider (the span goes into a new
// context), so calls skip tracing altogether when the provider is known to
// record nothing: a no-op provider, or the global one before
// otel.SetTracerProvider (whose spans record nothing until a provider is
// set). The test is a type check of the provider, once per provider.
type tracing struct {
	fixed    trace.Tracer // from the provider given to New; nil if none or a no-op
	explicit bool         // a provider was given to New
	global   atomic.Pointer[globalTracer]
}

// globalTracer is the tracer of a global provider, or nil for one that
// records nothing.
type globalTracer struct {
	tp trace.TracerProvider
	t  trace.Tracer
}

func (s *tracing) init(tp trace.TracerProvider) {
	if tp != nil {
		s.explicit = true
		s.fixed = tracerOf(tp)
	}
}

// tracer returns the tracer to use now, or nil when spans would record
// nothing. It allocates nothing once it has seen the provider.
func (s *tracing) tracer() trace.Tracer {
	if s.explicit {
		return s.fixed
	}
	tp := otel.GetTracerProvider()
	// The cache holds only providers of comparable types, so == cannot
	// panic: a tp of another type compares unequal.
	if g := s.global.Load(); g != nil && g.tp == tp {
		return g.t
	}
	g := &globalTracer{tp: tp, t: tracerOf(tp)}
	if reflect.TypeOf(tp).Comparable() {
		s.global.Store(g)
	}
	return g.t
}

// tracerOf returns tp's tracer, or nil when tp records nothing.
func tracerOf(tp trace.TracerProvider) trace.Tracer {
	if silent(tp) {
		return nil
	}
	return tp.Tracer(ScopeName, trace.WithInstrumentationVersion(Version))
}

// silent reports whether tp is known to record nothing.
func silent(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case noop.TracerProvider, *noop.TracerProvider:
		return true
	}
	rt := reflect.TypeOf(tp)
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	switch rt.PkgPath() {
	case "go.opentelemetry.io/otel/internal/global": // not set yet
		return true
	case "go.opentelemetry.io/otel/trace": // trace.NewNoopTracerProvider
		return rt.Name() == "noopTracerProvider"
	}
	return false
}
