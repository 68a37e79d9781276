package main

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/nop-platform/retry/otelretry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// demoTracesPerPhase is how many of our client's requests --otel-stdout
// traces in each phase: enough to show a clean request, retries, a give-up
// and the breaker's rejections, few enough to read.
const demoTracesPerPhase = 2

// demoRootSpan names the span of a traced demo request.
const demoRootSpan = "retry demo request"

// demoTracing is --otel-stdout: OpenTelemetry spans of a few of our
// client's requests, written to stdout by the stdout exporter, one JSON
// object a line.
type demoTracing struct {
	tp     *sdktrace.TracerProvider
	tel    *otelretry.Telemetry
	tracer trace.Tracer
	traced [maxPhases]atomic.Int32
}

// startTracing sets up d.tracing; stop flushes and ends it.
func (d *demo) startTracing() (stop func(), err error) {
	exp, err := stdouttrace.New(stdouttrace.WithWriter(lockedWriter{d}))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(demoRootSampler{})))
	tel, err := otelretry.New(otelretry.TracerProvider(tp), otelretry.Propagator(propagation.TraceContext{}))
	if err != nil {
		return nil, err
	}
	d.tracing = &demoTracing{tp: tp, tel: tel, tracer: tp.Tracer("github.com/nop-platform/retry/cmd/retry")}
	return func() { _ = tp.Shutdown(context.Background()) }, nil
}

// transport wraps base with a span per attempt when tracing.
func (d *demo) tracedTransport(base http.RoundTripper) http.RoundTripper {
	if d.tracing == nil {
		return base
	}
	return d.tracing.tel.Transport(base)
}

// traceRequest starts the span of a demo request when tracing and this
// phase has traces left; end ends it.
func (d *demo) traceRequest(ctx context.Context) (_ context.Context, end func()) {
	tr := d.tracing
	if tr == nil {
		return ctx, func() {}
	}
	p := d.phase.Load()
	if tr.traced[p].Add(1) > demoTracesPerPhase {
		return ctx, func() {}
	}
	ctx, span := tr.tracer.Start(ctx, demoRootSpan, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("demo.phase", demoPhases[p].name)))
	return ctx, func() { span.End() }
}

// demoRootSampler samples the demo's request spans and drops every other
// span that has no parent (the attempts of requests not traced).
type demoRootSampler struct{}

func (demoRootSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	res := sdktrace.SamplingResult{Decision: sdktrace.Drop, Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState()}
	if p.Name == demoRootSpan {
		res.Decision = sdktrace.RecordAndSample
	}
	return res
}

func (demoRootSampler) Description() string { return "demo requests only" }

// lockedWriter writes to the demo's output under its lock, so that spans
// and the demo's lines do not interleave.
type lockedWriter struct{ d *demo }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.d.out.Write(p)
}
