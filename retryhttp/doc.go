// Package retryhttp is a retrying HTTP client: the NOP specification's
// frontend API client and its withRetry, in Go.
//
// Most callers want NewClient:
//
//	client := retryhttp.NewClient()
//	resp, err := client.Get("http://inventory.internal/api/v1/assets/")
//
// With no options a request is tried up to 4 times (3 retries), waiting about
// 1s, 2s and 4s between attempts (exponential backoff from 1s, capped at 10s,
// plus up to 30% random jitter).
//
// Retries are also limited by a retry budget per destination host, on by
// default (see Budget and package budget): a host with no sign of trouble
// gets every retry; once its failed retries have spent the budget (25
// retries after 503s, refilled by successes), retries stop until requests
// to that host succeed again, so a host that is down sees about one attempt
// per request instead of four, while under random failures every retry is
// still made.
//
// What is retried (DefaultCondition): network errors, 5xx, 429 and 408.
// Other 4xx are returned at once; 401 is never retried, whatever the
// condition, and calls the OnUnauthorized hook. Retry-After on a 429 or 503 is
// honoured, capped by the maximum delay. A request is retried after it may
// have reached the server only if it is idempotent: GET, HEAD, OPTIONS,
// TRACE, PUT or DELETE, an Idempotency-Key (or X-Idempotency-Key) header, or
// the Idempotent option. A failure that proves the request never left (the
// dial failed) is retried for any method. A request body is replayed only
// through Request.GetBody, which http.NewRequest sets for in-memory bodies; a
// body without GetBody is sent once.
//
// What the client returns:
//
//   - the first response that is not retried, with err == nil;
//   - when the retries run out on a status, the last response, body intact,
//     with err == nil (ResultOf tells how many attempts it took);
//   - when they run out on network errors, an error wrapping a *retry.Error
//     that holds each attempt's error (a *StatusError for an attempt that
//     got a retryable status); errors.As finds it through the *url.Error of
//     http.Client;
//   - when a retry budget (see Budget) refuses a retry, or the next wait
//     would pass the context's deadline, the last result at once: the
//     response, with ResultOf(resp).Cause saying why, or a *retry.Error
//     with that Cause;
//   - a network error that is not retried (not idempotent, or not retryable)
//     unchanged.
//
// The caller's context bounds everything: it is never retried once done, a
// wait stops the moment it is, and a wait that would pass its deadline is not
// started. http.Client.Timeout therefore bounds all attempts together;
// AttemptTimeout bounds each one.
//
// Policies come in three layers, each field taken from the first layer that
// sets it: the request's (WithRetry), the route's (Route, or a config file
// read by LoadConfig), and the client's (options to NewClient, then the
// defaults). Routes use http.ServeMux patterns such as
// "GET /api/v1/assets/{id}" and "api.example.com/", and the most specific
// pattern wins, as in ServeMux.
//
// Each retry is logged at level Warn, by default to slog.Default(), as the
// specification prints it:
//
//	[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)
//
// Notify reports each attempt, retry and give-up as a retry.Event, for
// metrics and tracing (package promretry turns them into Prometheus
// metrics). An event names its request by the pattern of the route that
// matched it ("GET /api/v1/assets/{id}") or else by the client's Name
// ("http" by default), never by its URL, so that the names stay few.
package retryhttp
