// Package retrytest helps test code that retries HTTP requests, with real
// network faults on the loopback interface rather than mocks.
//
// NewServer starts an httptest.Server that plays a script, one step per
// request: statuses (with Retry-After or any header), connections hung up
// or reset mid-request, slow responses. It records every request, body
// included, and the connection it came on, so a test can check that a body
// was replayed byte for byte and that retries reused one connection.
//
//	srv := retrytest.NewServer(
//		retrytest.Status(503, "Retry-After", "1").Times(2),
//		retrytest.Hangup(),
//		retrytest.Status(200))
//	defer srv.Close()
//
// NewTransport returns an *http.Transport that counts its dials and round
// trips, and RefusedURL an address where connections are refused.
package retrytest
