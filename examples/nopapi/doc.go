// Package nopapi is a small typed client for the NOP API: the
// specification's frontend services (assets, access, auth and dashboard
// statistics), each call made through the retrying HTTP client of
// retryhttp, as the frontend's services all go through its central
// apiClient.
//
//	c, err := nopapi.New("https://nop.example.com", nopapi.OnUnauthorized(func(method, path string) {
//		showLogin() // the specification's redirect to login
//	}))
//	_, err = c.Login(ctx, "admin", password)  // keeps the bearer token
//	page, err := c.ListAssets(ctx, 1, 100)    // GET /api/v1/assets/?page=1&size=100
//
// It is an application of the toolkit, in a module of its own, not part of
// it.
//
// # Retries
//
// Reads (every GET) are retried as retryhttp retries them: network errors,
// 5xx, 429 and 408, up to 3 retries with exponential backoff from 1s,
// Retry-After honoured, each attempt bounded by DefaultAttemptTimeout.
// Other 4xx are returned at once as an *APIError; a 401 is never retried,
// and calls the OnUnauthorized hook. retryhttp's per-host retry budget is
// on: once the API's failed retries have spent it (25 retries after 503s,
// refilled by successes), retries stop until calls succeed again (the *APIError's Cause then matches
// retry.ErrBudgetExhausted); Retry(retryhttp.Budget(nil)) turns it off.
//
// Login is not idempotent: each one may create a session and counts against
// the server's lockout and rate limits, and the NOP API does not honour an
// Idempotency-Key. So Login sends no such key and is not retried once the
// request may have reached the server (after a 503, a 429 or a dropped
// connection the caller decides); it is retried only when the connection
// was never made, which proves the server never saw it.
//
// Retry options apply at three levels, as in retryhttp: Retry for the
// client, WithRetry for the calls made with a context, and the defaults.
//
// # Errors
//
// A response other than 2xx is an *APIError with the status, the API's
// "detail" message and the start of the body; it matches ErrUnauthorized
// (401) or ErrNotFound (404) with errors.Is. A network failure that
// outlasted the retries wraps the *retry.Error of retryhttp, which holds
// every attempt's error. A response that does not decode wraps the JSON
// error. Every error keeps its cause for errors.Is and errors.As.
package nopapi
