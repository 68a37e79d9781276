package otelretry_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/otelretry"
	"github.com/nop-platform/retry/retryhttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace/noop"
)

// ok is an in-memory base transport that answers 200 at once.
var ok = roundTripFunc(func(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: http.NoBody, ProtoMajor: 1, ProtoMinor: 1}, nil
})

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// silent returns the Telemetry of each set-up without a recording tracer:
// the global providers as the tests leave them (never set), an explicit
// no-op tracer provider, and the global tracer provider with metrics going
// to an SDK meter provider.
func silent(t testing.TB) map[string]*otelretry.Telemetry {
	global, err := otelretry.New()
	if err != nil {
		t.Fatal(err)
	}
	nop, err := otelretry.New(otelretry.TracerProvider(noop.NewTracerProvider()))
	if err != nil {
		t.Fatal(err)
	}
	// Metrics to an SDK meter provider, spans to none.
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	metrics, err := otelretry.New(otelretry.MeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*otelretry.Telemetry{"global": global, "noop": nop, "metrics-only": metrics}
}

// With no tracer installed, a call that succeeds at once allocates nothing
// more than it would without otelretry: nothing for retry.Do, and for
// retryhttp nothing beyond what the base transport allocates.
func TestNoTracerAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	req, _ := http.NewRequest(http.MethodGet, "http://h/api/v1/assets/42", nil)
	bare := retryhttp.NewTransport(ok, retryhttp.Logger(nil))
	baseline := testing.AllocsPerRun(1000, func() { bare.RoundTrip(req) })
	for name, tel := range silent(t) {
		opt := tel.Option("fetch")
		if n := testing.AllocsPerRun(1000, func() { _ = retry.Do(ctx, fn, opt) }); n != 0 {
			t.Errorf("%s: retry.Do with Option: %v allocations per call, want 0", name, n)
		}
		rt := tel.Requests(retryhttp.NewTransport(tel.Transport(ok), retryhttp.Notify(tel.Notify), retryhttp.Logger(nil)))
		if n := testing.AllocsPerRun(1000, func() { rt.RoundTrip(req) }); n != baseline {
			t.Errorf("%s: retryhttp with otelretry: %v allocations per request, want %v as without", name, n, baseline)
		}
	}
}

// BenchmarkDo is a retry.Do call that succeeds at once: bare, with
// otelretry's Option and no tracer (global, noop), and with a recording SDK
// tracer.
func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = retry.Do(ctx, fn, retry.Name("fetch"))
		}
	})
	tels := silent(b)
	tels["sdk"] = newRig(b).tel
	for _, name := range []string{"global", "noop", "metrics-only", "sdk"} {
		opt := tels[name].Option("fetch")
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = retry.Do(ctx, fn, opt)
			}
		})
	}
}

// BenchmarkTransport is a request that succeeds at once through retryhttp
// against an in-memory base: bare, and with otelretry's Transport, Notify
// and Requests.
func BenchmarkTransport(b *testing.B) {
	req, _ := http.NewRequest(http.MethodGet, "http://h/api/v1/assets/42", nil)
	b.Run("bare", func(b *testing.B) {
		rt := retryhttp.NewTransport(ok, retryhttp.Logger(nil))
		b.ReportAllocs()
		for b.Loop() {
			rt.RoundTrip(req)
		}
	})
	tels := silent(b)
	tels["sdk"] = newRig(b).tel
	for _, name := range []string{"global", "noop", "metrics-only", "sdk"} {
		tel := tels[name]
		rt := tel.Requests(retryhttp.NewTransport(tel.Transport(ok), retryhttp.Notify(tel.Notify), retryhttp.Logger(nil)))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rt.RoundTrip(req)
			}
		})
	}
}
