// Package otelretry traces and measures the retries of
// github.com/nop-platform/retry with OpenTelemetry: which request retried,
// why, how long each attempt and wait took, and what the retry budget or the
// circuit breaker decided; and the metrics of package promretry, for users
// on OTLP. It lives in a module of its own, so that users of the core never
// download OpenTelemetry.
//
// Create one Telemetry and hand its methods to the hooks of the core
// packages:
//
//	tel, err := otelretry.New() // the global tracer, meter and propagator
//
//	// retry.Do: a span per call, attempts and decisions as its events
//	opt := tel.Option("fetch-assets")
//	err = retry.Do(ctx, fetch, opt, retry.MaxAttempts(5))
//
//	// retryhttp: a client span per attempt under the caller's span,
//	// decisions as events of the caller's span, requests counted by route
//	rt := retryhttp.NewTransport(tel.Transport(nil), retryhttp.Notify(tel.Notify))
//	client := &http.Client{Transport: otelhttp.NewTransport(tel.Requests(rt))}
//
//	// breaker and budget: transitions, and state read at each collection
//	cb := breaker.New(breaker.Name("payments"), breaker.OnStateChange(tel.OnStateChange))
//	err = tel.Breaker(cb)
//	err = tel.Budget("inventory", b) // or tel.BudgetGroup(g)
//
// # Traces
//
// For retry.Do, Option gives each call a span named after the operation,
// of kind internal, whose context the attempts run under. Its events are
// retry.attempt (each attempt's end: retry.attempt, and for a failure
// error.type and retry.error, the message), retry.wait (a retry is
// scheduled: retry.attempt, retry.delay in seconds, the error),
// retry.budget_rejected (a retry budget refused the retry),
// breaker.rejected (an open circuit breaker rejected the attempt:
// breaker.name, breaker.state, breaker.retry_after in seconds),
// retry.limited (retryhttp's concurrency limit refused an attempt before it
// was sent: retry.attempt, the error) and retry.give_up (retry.attempts, retry.max_attempts, retry.cause). A call
// that fails has status Error, error.type and, for a give-up, retry.cause.
//
// For retryhttp, Transport goes under the retryhttp.Transport and gives
// each attempt a client span that follows the OpenTelemetry HTTP semantic
// conventions (see Transport): named after the method, with
// http.request.resend_count on retries, server.address and server.port,
// url.full with credentials and signatures REDACTED, the status and
// error.type. Each attempt carries its own span's trace context to the
// server. The decisions (retry.wait, retry.budget_rejected,
// breaker.rejected, retry.limited, retry.give_up) go to the caller's span, the one in the
// request's context, through Notify.
//
// With otelhttp, wrap it outside: otelhttp.NewTransport(tel.Requests(rt))
// makes one span for the request, as the application sees it, and the
// attempt spans are its children (see the otelhttp example). The HTTP
// conventions prefer attempt spans alone; that logical parent is otelhttp's.
//
// error.type is, for a response, its status code ("503"); for an error, one
// of breaker_open, budget_exhausted, limited (a concurrency limit refused
// the attempt), timeout (a deadline, an attempt
// timeout, a network timeout), canceled, dns_error, connection_refused,
// connection_reset, connection_closed (the peer closed the connection: EOF)
// and tls_error, else the error's Go type, fully qualified, as otelhttp
// reports it ("net/url.Error"). An attempt that the caller's own
// cancellation ends is not an error.
//
// # Metrics
//
//	retry.attempts{operation, outcome}           counter    attempts that ended: "success" or "error"
//	retry.retries{operation}                     counter    retries scheduled
//	retry.delay{operation}                       histogram  delay before each retry, in seconds (see Buckets)
//	retry.exhausted{operation, cause}            counter    calls that gave up while the failure was retryable
//	retry.budget.rejected{operation}             counter    retries a retry budget refused
//	retry.budget.available{budget}               gauge      retries the budget would allow now
//	retry.budget.credit{budget}                  gauge      tokens in the budget's bucket, 0 to Burst
//	retry.http.requests{route, code}             counter    retryhttp requests, by final result
//	circuit_breaker.state{name}                  gauge      0 closed, 1 open, 2 half-open
//	circuit_breaker.transitions{name, from, to}  counter    state changes: "closed", "open", "half-open"
//
// They mean what package promretry's metrics mean, with its attribute
// names and values, and through OpenTelemetry's Prometheus translation they
// get its metric names (retry.attempts becomes retry_attempts_total,
// retry.delay with unit s retry_delay_seconds), so promretry's alerts.yml
// and dashboard.json apply. As there, at most MaxNames names of each kind
// get values of their own. Not yet here: promretry's concurrency-limit
// gauges (retry_limit, retry_limit_in_flight, retry_limit_rejected_total,
// from package limit), so the dashboard's "Concurrency limits" row stays
// empty over OTLP; a limit's refusals still show as retry.limited span
// events and as retry.exhausted with cause "limited".
//
// # Cost
//
// With no tracer provider installed (the global one before
// otel.SetTracerProvider, or a no-op provider), nothing is traced and
// nothing allocated: a no-op tracer's Start would allocate a context, so
// each call first checks the provider's type, once per provider, and skips
// tracing. The global provider is read at each call, so one set later is
// used from then on. (OpenTelemetry's eBPF auto-instrumentation, which
// hooks the unset global provider, is not seen.) Metrics cost an atomic map
// lookup and the instrument's work; they allocate nothing once a name has
// been seen.
package otelretry
