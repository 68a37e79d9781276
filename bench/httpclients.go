package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/timeout"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/nop-platform/retry/retryhttp"
)

// An HTTPClient sends GET requests through one library's HTTP integration.
type HTTPClient struct {
	Name string
	// Get sends a GET request for url. It returns the final response, whose
	// body the caller must close, or an error.
	Get func(ctx context.Context, url string) (*http.Response, error)
	// CloseIdleConnections closes the idle connections of the client's pool.
	CloseIdleConnections func()
}

// HTTPClients returns each library's HTTP client configured with p, "bare"
// first: a plain http.Client, the floor. With a nil base each uses the
// transport it uses by default (http.DefaultTransport, and go-cleanhttp's
// pooled transport for go-retryablehttp); otherwise every client sends through
// base, which lets a test count attempts or give each client its own pool.
//
// Logging is off everywhere. Each library keeps its own idea of what to retry;
// they agree on network errors, 429 and 503. A positive p.AttemptTimeout is
// set through each library's own per-attempt timeout: retryhttp.AttemptTimeout;
// the http.Client's Timeout for the plain clients and go-retryablehttp (which
// calls its http.Client once per attempt); a failsafe-go timeout policy inside
// the retry policy.
func HTTPClients(p Policy, base http.RoundTripper) []HTTPClient {
	return []HTTPClient{
		stdHTTPClient("bare", &http.Client{Transport: base, Timeout: p.AttemptTimeout}),
		nopHTTPClient("nop", p, base),
		retryableHTTPClient(p, base),
		failsafeHTTPClient("failsafe", p, base),
	}
}

// HTTPRetriers returns the retry libraries without an HTTP integration
// (avast, cenkalti, sethvargo), each wrapping a plain http.Client the way
// a careful user would: network errors and 5xx, 429 and 408 are retried,
// and a discarded response is drained and closed so that its connection is
// reused. When the retries run out the last error is returned.
func HTTPRetriers(p Policy, base http.RoundTripper) []HTTPClient {
	var out []HTTPClient
	for _, r := range Retriers(p) {
		switch r.Name {
		case "avast", "cenkalti", "sethvargo":
			out = append(out, wrapHTTP(r, &http.Client{Transport: base, Timeout: p.AttemptTimeout}))
		}
	}
	return out
}

func stdHTTPClient(name string, c *http.Client) HTTPClient {
	return HTTPClient{
		Name: name,
		Get: func(ctx context.Context, url string) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return nil, err
			}
			return c.Do(req)
		},
		CloseIdleConnections: c.CloseIdleConnections,
	}
}

// nopHTTPClient is our client with p and then extra options (such as
// retryhttp.Budget(nil)), its retry budget on by default.
func nopHTTPClient(name string, p Policy, base http.RoundTripper, extra ...retryhttp.Option) HTTPClient {
	opts := []retryhttp.Option{
		retryhttp.MaxRetries(p.Retries()),
		retryhttp.BaseDelay(p.Delay),
		retryhttp.MaxDelay(p.maxDelay()),
		retryhttp.Jitter(0),
		retryhttp.Logger(nil),
	}
	if p.AttemptTimeout > 0 {
		opts = append(opts, retryhttp.AttemptTimeout(p.AttemptTimeout))
	}
	opts = append(opts, extra...)
	c := retryhttp.NewClient(opts...)
	if base != nil {
		c = &http.Client{Transport: retryhttp.NewTransport(base, opts...)}
	}
	return stdHTTPClient(name, c)
}

func retryableHTTPClient(p Policy, base http.RoundTripper) HTTPClient {
	c := retryablehttp.NewClient()
	c.RetryMax = p.Retries()
	c.RetryWaitMin = p.Delay
	c.RetryWaitMax = p.maxDelay()
	c.Logger = nil
	if base != nil {
		c.HTTPClient = &http.Client{Transport: base}
	}
	c.HTTPClient.Timeout = p.AttemptTimeout // http.Client's Timeout bounds each attempt here
	return HTTPClient{
		Name: "retryablehttp",
		Get: func(ctx context.Context, url string) (*http.Response, error) {
			req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return nil, err
			}
			return c.Do(req)
		},
		CloseIdleConnections: c.HTTPClient.CloseIdleConnections,
	}
}

func failsafeHTTPClient(name string, p Policy, base http.RoundTripper, extra ...failsafe.Policy[*http.Response]) HTTPClient {
	b := failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(p.Attempts)
	if p.Delay > 0 {
		b = b.WithBackoff(p.Delay, p.maxDelay())
	}
	// extra (a limiter, a throttler) between the retry policy and the
	// timeout: each attempt goes through it.
	policies := append([]failsafe.Policy[*http.Response]{b.Build()}, extra...)
	if p.AttemptTimeout > 0 {
		// Inside the retry policy, so that it bounds each attempt.
		policies = append(policies, timeout.New[*http.Response](p.AttemptTimeout))
	}
	c := &http.Client{Transport: failsafehttp.NewRoundTripper(base, policies...)}
	return stdHTTPClient(name, c)
}

// StatusError is the error of an attempt that got a retryable status,
// in the wrappers of HTTPRetriers.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return fmt.Sprintf("status %d", e.Code) }

// retryableStatus is the status rule every HTTP integration measured here
// shares: 5xx, 429 and 408.
func retryableStatus(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}

func wrapHTTP(r Retrier, c *http.Client) HTTPClient {
	return HTTPClient{
		Name: r.Name,
		Get: func(ctx context.Context, url string) (*http.Response, error) {
			var resp *http.Response
			err := r.Do(ctx, func(ctx context.Context) error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					return err
				}
				res, err := c.Do(req)
				if err != nil {
					return err
				}
				if retryableStatus(res.StatusCode) {
					drain(res.Body)
					return &StatusError{res.StatusCode}
				}
				resp = res
				return nil
			})
			if err != nil {
				return nil, err
			}
			if resp == nil {
				return nil, errors.New("bench: no response")
			}
			return resp, nil
		},
		CloseIdleConnections: c.CloseIdleConnections,
	}
}

// drain reads up to 64 KiB of body, so that its connection can be reused,
// and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}
