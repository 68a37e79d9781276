package otelretry_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nop-platform/retry/otelretry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// rig is a Telemetry wired to an in-memory span exporter and a manual
// metric reader. The global providers are never set by the tests, so that
// they stay the no-op defaults the benchmarks measure.
type rig struct {
	tel    *otelretry.Telemetry
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
}

func newRig(t testing.TB, opts ...otelretry.Option) *rig {
	t.Helper()
	r := &rig{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		r.tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
	})
	opts = append([]otelretry.Option{otelretry.TracerProvider(r.tp), otelretry.MeterProvider(mp),
		otelretry.Propagator(propagation.TraceContext{})}, opts...)
	tel, err := otelretry.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	r.tel = tel
	return r
}

// caller starts the caller's span, as an application or otelhttp would.
func (r *rig) caller(ctx context.Context, name string) (context.Context, trace.Span) {
	return r.tp.Tracer("test").Start(ctx, name)
}

// ended returns the spans ended so far, in the order they started.
func (r *rig) ended() tracetest.SpanStubs {
	s := r.spans.GetSpans()
	sort.SliceStable(s, func(i, j int) bool { return s[i].StartTime.Before(s[j].StartTime) })
	return s
}

// metrics collects the metrics as "name{k=v,...} value" lines, sorted;
// histograms give their count and sum.
func (r *rig) metrics(t testing.TB) []string {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if p.Value != 0 {
						out = append(out, fmt.Sprintf("%s{%s} %d", m.Name, attrs(p.Attributes.ToSlice()), p.Value))
					}
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s{%s} %d", m.Name, attrs(p.Attributes.ToSlice()), p.Value))
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s{%s} %g", m.Name, attrs(p.Attributes.ToSlice()), p.Value))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out = append(out, fmt.Sprintf("%s{%s} count=%d sum=%g", m.Name, attrs(p.Attributes.ToSlice()), p.Count, p.Sum))
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// attrs formats attributes as k=v, sorted by key.
func attrs(kv []attribute.KeyValue) string {
	s := make([]string, len(kv))
	for i, a := range kv {
		s[i] = fmt.Sprintf("%s=%s", a.Key, a.Value.String())
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// printTree writes the spans as a tree: each span's name, kind, status,
// attributes and events, children indented under their parent, in the order
// they started. mask replaces text that differs from run to run (the
// server's address) in what is printed.
func printTree(w io.Writer, spans tracetest.SpanStubs, mask func(string) string) {
	if mask == nil {
		mask = func(s string) string { return s }
	}
	children := map[trace.SpanID][]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if p := s.Parent.SpanID(); s.Parent.IsValid() && ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	var walk func(s tracetest.SpanStub, depth int)
	walk = func(s tracetest.SpanStub, depth int) {
		ind := strings.Repeat("    ", depth)
		status := s.Status.Code.String()
		if s.Status.Description != "" {
			status += " " + mask(s.Status.Description)
		}
		fmt.Fprintf(w, "%s%s (%s) %s\n", ind, s.Name, s.SpanKind, status)
		if a := attrs(s.Attributes); a != "" {
			fmt.Fprintf(w, "%s  attrs: %s\n", ind, mask(a))
		}
		for _, e := range s.Events {
			fmt.Fprintf(w, "%s  event %s: %s\n", ind, e.Name, mask(attrs(e.Attributes)))
		}
		for _, c := range children[s.SpanContext.SpanID()] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
