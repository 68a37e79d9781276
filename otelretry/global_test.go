package otelretry_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/otelretry"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

// A Telemetry made before the global tracer provider is set traces once it
// is set, and stops when a no-op provider replaces it. The test runs in a
// child process, so that the global provider of this one stays unset for
// the other tests and benchmarks.
func TestGlobalProviderSetLater(t *testing.T) {
	if os.Getenv("OTELRETRY_GLOBAL_CHILD") != "1" {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestGlobalProviderSetLater$", "-test.count=1")
		cmd.Env = append(os.Environ(), "OTELRETRY_GLOBAL_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	tel, err := otelretry.New()
	if err != nil {
		t.Fatal(err)
	}
	opt := tel.Option("op")
	fn := func(context.Context) error { return nil }
	_ = retry.Do(context.Background(), fn, opt) // nothing to record it yet

	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	otel.SetTracerProvider(tp)
	_ = retry.Do(context.Background(), fn, opt)
	_ = retry.Do(context.Background(), fn, opt)
	if n := len(spans.GetSpans()); n != 2 {
		t.Fatalf("%d spans after the provider was set, want 2", n)
	}
	otel.SetTracerProvider(noop.NewTracerProvider())
	_ = retry.Do(context.Background(), fn, opt)
	if n := len(spans.GetSpans()); n != 2 {
		t.Fatalf("%d spans after a no-op provider replaced it, want still 2", n)
	}
}
