package retryhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// attempt sends one request through the base transport, under the attempt
// timeout, if any, and the host's concurrency limit, if any (limit.go).
func (c *call) attempt(req *http.Request) (*http.Response, error) {
	if c.lim != nil {
		return c.limitedAttempt(req)
	}
	return c.send(req)
}

// send is attempt without the concurrency limit.
func (c *call) send(req *http.Request) (*http.Response, error) {
	base := c.t.transport()
	d := c.pol.attemptTimeout
	if d <= 0 {
		return roundTrip(base, req)
	}
	actx, cancel := context.WithCancelCause(req.Context())
	a := &attemptBody{cancel: cancel, d: d}
	timer := time.AfterFunc(d, a.expire)
	resp, err := roundTrip(base, req.WithContext(actx))
	if !timer.Stop() && c.ctx.Err() == nil {
		// The attempt's own timer fired: whatever came back is cut short.
		// Its callback may not have run yet; run it here (the first cause
		// wins), so that the cause is set before it is read.
		a.expire()
		if err == nil {
			resp.Body.Close()
			err = context.Cause(actx)
		} else if !errors.Is(err, ErrAttemptTimeout) {
			err = fmt.Errorf("%w: %w", context.Cause(actx), err)
		}
		cancel(nil)
		return nil, err
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	// The response's body needs the attempt's context until it is closed.
	a.ReadCloser = resp.Body
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = &attemptRWBody{a, rwc}
	} else {
		resp.Body = a
	}
	return resp, nil
}

// roundTrip sends req through base, turning a nil response with a nil
// error, from a broken RoundTripper, into an error, as http.Client does.
func roundTrip(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	resp, err := base.RoundTrip(req)
	if resp == nil && err == nil {
		return nil, fmt.Errorf("retryhttp: RoundTripper %T returned a nil *Response with a nil error", base)
	}
	return resp, err
}

// attemptBody cancels an attempt's context when the attempt times out or
// its response body is closed.
type attemptBody struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
	d      time.Duration
}

func (a *attemptBody) expire() { a.cancel(fmt.Errorf("%w after %v", ErrAttemptTimeout, a.d)) }

func (a *attemptBody) Close() error {
	err := a.ReadCloser.Close()
	a.cancel(nil)
	return err
}

// attemptRWBody is attemptBody for the writable body of a 101 response.
type attemptRWBody struct {
	*attemptBody
	w io.Writer
}

func (b *attemptRWBody) Write(p []byte) (int, error) { return b.w.Write(p) }
