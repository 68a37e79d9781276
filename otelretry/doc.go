// Package otelretry traces and measures the retries of
// github.com/nop-platform/retry with OpenTelemetry: which request retried,
// why, how long each attempt and wait took, and what the retry budget or
// circuit breaker decided. It lives in a module of its own, so that users of
// the core never download OpenTelemetry.
package otelretry
