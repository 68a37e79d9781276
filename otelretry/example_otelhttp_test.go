package otelretry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nop-platform/retry/otelretry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// With otelhttp outside retryhttp and otelretry's Transport inside it, a
// request gets one span from otelhttp, the caller's, with one client span
// per attempt as its children; the waits and the give-up are events of
// otelhttp's span. The server answers 503, drops the connection, then
// answers 200.
func Example_otelhttp() {
	srv := retrytest.NewServer(retrytest.Status(503, "Connection", "close"), retrytest.Hangup(), retrytest.Respond(200, "ok"))
	defer srv.Close()

	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	prop := propagation.TraceContext{}

	tel, err := otelretry.New(otelretry.TracerProvider(tp), otelretry.Propagator(prop))
	if err != nil {
		panic(err)
	}
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	// otelhttp (the request's span) → Requests (counts it) → retryhttp
	// (retries) → Transport (a span per attempt) → net/http.
	rt := retryhttp.NewTransport(tel.Transport(base), retryhttp.Notify(tel.Notify),
		retryhttp.BaseDelay(time.Millisecond), retryhttp.Jitter(0), retryhttp.Logger(nil))
	client := &http.Client{Transport: otelhttp.NewTransport(tel.Requests(rt),
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(prop))}

	resp, err := client.Get(srv.URL + "/api/v1/assets/42")
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // otelhttp ends its span here

	printSpans(spans.GetSpans())
	// Output:
	// HTTP GET client status=200
	//   event retry.wait error.type=503 attempt=1
	//   event retry.wait error.type=connection_closed attempt=2
	//   GET client status=503 error.type=503
	//   GET client resend_count=1 error.type=connection_closed
	//   GET client resend_count=2 status=200
}

// printSpans prints each span under its parent, in the order they started,
// with a few of their attributes and events.
func printSpans(spans tracetest.SpanStubs) {
	byParent := map[trace.SpanID][]tracetest.SpanStub{}
	for _, s := range spans {
		byParent[s.Parent.SpanID()] = append(byParent[s.Parent.SpanID()], s)
	}
	var walk func(parent trace.SpanID, depth int)
	walk = func(parent trace.SpanID, depth int) {
		kids := byParent[parent]
		for i := 1; i < len(kids); i++ { // by start time
			for j := i; j > 0 && kids[j].StartTime.Before(kids[j-1].StartTime); j-- {
				kids[j], kids[j-1] = kids[j-1], kids[j]
			}
		}
		for _, s := range kids {
			ind := strings.Repeat("  ", depth)
			line := ind + s.Name + " " + s.SpanKind.String()
			for _, a := range s.Attributes {
				switch a.Key {
				case "http.response.status_code":
					line += " status=" + a.Value.String()
				case "error.type":
					line += " error.type=" + a.Value.String()
				case "http.request.resend_count":
					line += " resend_count=" + a.Value.String()
				}
			}
			fmt.Println(line)
			for _, e := range s.Events {
				line := ind + "  event " + e.Name
				for _, a := range e.Attributes {
					switch a.Key {
					case "retry.attempt":
						line += " attempt=" + a.Value.String()
					case "error.type":
						line += " error.type=" + a.Value.String()
					}
				}
				fmt.Println(line)
			}
			walk(s.SpanContext.SpanID(), depth+1)
		}
	}
	walk(trace.SpanID{}, 0)
}
