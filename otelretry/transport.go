package otelretry

import (
	"context"
	"errors"
	"net/http"

	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Transport returns a RoundTripper that sends requests through base
// (http.DefaultTransport when nil) with a client span for each: put it
// under a retryhttp.Transport, which sends each attempt through it, and
// every attempt gets a span of its own, a child of the caller's span,
// following the OpenTelemetry HTTP semantic conventions:
//
//	rt := retryhttp.NewTransport(tel.Transport(nil), retryhttp.Notify(tel.Notify))
//	client := &http.Client{Transport: otelhttp.NewTransport(rt)} // otelhttp: the caller's span
//
// The span is named after the method ("GET"; "HTTP" for a method not
// known), of kind client, with http.request.method (and
// http.request.method_original when it differs), server.address,
// server.port (the scheme's default when the URL has none), url.full
// (credentials and signatures REDACTED), http.request.resend_count on
// retries (1 for the first retry, from retryhttp.AttemptOf),
// http.response.status_code, network.protocol.version and, for a failure,
// error.type: the status code for a status of 400 or more (span status
// Error, no description), else the class of the error (span status Error
// with its message; see the package documentation for the classes). An
// attempt ended by the caller's own cancellation is not an error. The span
// ends when base returns the response headers, not when the body is read.
//
// The span's trace context is written into a copy of the request's header
// by the propagator (see Propagator), so the server's span is a child of
// the attempt's; the caller's request and header are never modified.
//
// With no tracer installed the request goes to base as it is: no copy, no
// allocation. Transport forwards CloseIdleConnections to base.
func (t *Telemetry) Transport(base http.RoundTripper) http.RoundTripper {
	return &transport{t: t, base: base}
}

type transport struct {
	t    *Telemetry
	base http.RoundTripper
}

func (a *transport) next() http.RoundTripper {
	if a.base == nil {
		return http.DefaultTransport
	}
	return a.base
}

func (a *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tr := a.t.tracer()
	if tr == nil || req.URL == nil {
		return a.next().RoundTrip(req)
	}
	name, attrs := method(req.Method)
	host, port := server(req)
	attrs = append(attrs, semconv.ServerAddress(host), semconv.ServerPort(port), semconv.URLFull(fullURL(req.URL)))
	if n := retryhttp.AttemptOf(req.Context()); n > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(n-1))
	}
	ctx, span := tr.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()

	send := req.WithContext(ctx)
	send.Header = req.Header.Clone()
	if send.Header == nil {
		send.Header = make(http.Header)
	}
	a.t.propagator().Inject(ctx, propagation.HeaderCarrier(send.Header))
	resp, err := a.next().RoundTrip(send)
	if span.IsRecording() {
		outcome(span, req.Context(), resp, err)
	}
	return resp, err
}

// outcome records the result of an attempt on its span.
func outcome(span trace.Span, ctx context.Context, resp *http.Response, err error) {
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return // the caller's cancellation is not an error
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
		span.SetStatus(codes.Error, err.Error())
		return
	}
	kv := []attribute.KeyValue{semconv.HTTPResponseStatusCode(resp.StatusCode)}
	if resp.ProtoMajor > 0 {
		kv = append(kv, semconv.NetworkProtocolVersion(protoVersion(resp)))
	}
	if resp.StatusCode >= 400 || resp.StatusCode < 100 {
		kv = append(kv, semconv.ErrorTypeKey.String(statusString(resp.StatusCode)))
		span.SetStatus(codes.Error, "")
	}
	span.SetAttributes(kv...)
}

// protoVersion returns network.protocol.version: "1.1", "2".
func protoVersion(resp *http.Response) string {
	switch {
	case resp.ProtoMajor == 1 && resp.ProtoMinor == 1:
		return "1.1"
	case resp.ProtoMajor == 1 && resp.ProtoMinor == 0:
		return "1.0"
	case resp.ProtoMajor == 2:
		return "2"
	case resp.ProtoMajor == 3:
		return "3"
	}
	return itoa(resp.ProtoMajor) + "." + itoa(resp.ProtoMinor)
}

// CloseIdleConnections closes the idle connections of base, if it has such
// a method.
func (a *transport) CloseIdleConnections() {
	type closer interface{ CloseIdleConnections() }
	if c, ok := a.next().(closer); ok {
		c.CloseIdleConnections()
	}
}
