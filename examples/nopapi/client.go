package nopapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/nop-platform/retry/retryhttp"
)

// ErrInvalidOption is matched by the error New returns for an invalid
// option or base URL.
var ErrInvalidOption = errors.New("nopapi: invalid option")

// maxResponse bounds a decoded response body.
const maxResponse = 32 << 20

// Client calls the NOP API. It is safe for concurrent use; SetToken may be
// called while calls are in flight (they use the token they started with).
// The zero Client is not usable: use New.
type Client struct {
	base           http.RoundTripper
	baseURL        *url.URL
	http           *http.Client
	token          atomic.Pointer[string]
	onUnauthorized func(method, path string)
	retry          []retryhttp.Option
}

// New returns a client of the API at baseURL, an absolute http or https URL
// such as "https://nop.example.com" (a path in it prefixes every API path).
// It returns an error matching ErrInvalidOption for a bad URL or option,
// and retry.ErrInvalidOption for a bad retryhttp option.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q: want an absolute http or https URL", ErrInvalidOption, baseURL)
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = strings.TrimSuffix(u.Path, "/"), "", "", ""
	c := &Client{baseURL: u}
	for i, o := range opts {
		if o.apply == nil {
			return nil, fmt.Errorf("%w: option %d is the zero Option", ErrInvalidOption, i+1)
		}
		if err := o.apply(c); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
	}
	ropts := append([]retryhttp.Option{
		retryhttp.Name("nop-api"),
		retryhttp.AttemptTimeout(DefaultAttemptTimeout),
	}, c.retry...)
	ropts = append(ropts, retryhttp.OnUnauthorized(c.unauthorized))
	rt, err := retryhttp.New(c.base, ropts...)
	if err != nil {
		return nil, err
	}
	c.http = &http.Client{Transport: rt}
	return c, nil
}

// SetToken sets the bearer token for the calls that start after it; ""
// sends none.
func (c *Client) SetToken(token string) { c.token.Store(&token) }

// Token returns the bearer token: the last one set by Token, SetToken or
// Login.
func (c *Client) Token() string {
	if p := c.token.Load(); p != nil {
		return *p
	}
	return ""
}

// call describes one API call.
type call struct {
	method, path string     // path: the API path, such as "/api/v1/assets/"
	query        url.Values // nil for none
	form         url.Values // a form body; nil for none
	login        bool       // no token, no OnUnauthorized, never repeated once sent
}

// noHookKey marks the context of a Login request, whose 401 is not a
// redirect to login.
type noHookKey struct{}

// do makes the call and decodes a 2xx response's JSON into out.
func (c *Client) do(ctx context.Context, k call, out any) error {
	req, err := c.request(ctx, k)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("nopapi: %s %s: %w", k.method, k.path, err)
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newAPIError(k.method, k.path, resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
		return fmt.Errorf("nopapi: %s %s: decoding the response: %w", k.method, k.path, err)
	}
	return nil
}

// request builds the HTTP request of k.
func (c *Client) request(ctx context.Context, k call) (*http.Request, error) {
	u := *c.baseURL
	u.Path += k.path
	if k.query != nil {
		u.RawQuery = k.query.Encode()
	}
	var body io.Reader
	if k.form != nil {
		body = strings.NewReader(k.form.Encode())
	}
	if k.login {
		ctx = context.WithValue(ctx, noHookKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("nopapi: %s %s: %w", k.method, k.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if k.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if tok := c.Token(); tok != "" && !k.login {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if opts := retryOptions(ctx); len(opts) > 0 {
		req = retryhttp.WithRetry(req, opts...)
	}
	if k.login {
		// Last, so that no level can make it repeatable.
		req = retryhttp.WithRetry(req, retryhttp.Idempotent(false))
	}
	return req, nil
}

// unauthorized is the transport's 401 hook.
func (c *Client) unauthorized(resp *http.Response) {
	req := resp.Request
	if c.onUnauthorized == nil || req == nil || req.Context().Value(noHookKey{}) != nil {
		return
	}
	c.onUnauthorized(req.Method, strings.TrimPrefix(req.URL.Path, c.baseURL.Path))
}
