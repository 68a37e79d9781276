package otelretry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/otelretry"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Option traces each retry.Do call: a span named after the operation, with
// each attempt's end and each wait as events.
func ExampleTelemetry_Option() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	tel, err := otelretry.New(otelretry.TracerProvider(tp))
	if err != nil {
		panic(err)
	}
	opt := tel.Option("fetch-assets") // build it once

	n := 0
	err = retry.Do(context.Background(), func(context.Context) error {
		if n++; n < 3 {
			return errors.New("connection refused")
		}
		return nil
	}, opt, retry.BaseDelay(time.Millisecond), retry.Jitter(0))
	fmt.Println("err:", err)

	s := spans.GetSpans()[0]
	fmt.Println(s.Name, s.SpanKind, s.Status.Code)
	for _, e := range s.Events {
		fmt.Print("  ", e.Name)
		for _, a := range e.Attributes {
			if a.Key == otelretry.AttrAttempt || a.Key == otelretry.AttrDelay {
				fmt.Printf(" %s=%s", a.Key, a.Value.String())
			}
		}
		fmt.Println()
	}
	// Output:
	// err: <nil>
	// fetch-assets internal Unset
	//   retry.attempt retry.attempt=1
	//   retry.wait retry.attempt=1 retry.delay=0.001
	//   retry.attempt retry.attempt=2
	//   retry.wait retry.attempt=2 retry.delay=0.002
	//   retry.attempt retry.attempt=3
}
