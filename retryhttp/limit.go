package retryhttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/nop-platform/retry/limit"
)

// Limit puts an adaptive concurrency limit in front of every attempt:
// before each request the transport calls limiterFor with the destination
// host (the URL's host and port in lower case, without the scheme's
// default port, as for Budget), and every attempt of that
// request takes a permit from the Limiter it returns before it is sent and
// gives it back when its response headers arrive or it fails. The limiter
// learns from each attempt's time to headers, and counts as overload an
// attempt that runs out of its AttemptTimeout and a 429 or 503 response.
// limiterFor is called on every request, so it must be cheap and safe for
// concurrent use, and should return the same Limiter for the same host: a
// limit.Group's Get method is made for this. A nil Limiter lets every
// attempt through. Limit(nil) turns limits off.
//
// When the limit refuses a request's first attempt, RoundTrip returns an
// error matching limit.ErrLimited at once (with a limit.Queue, when the
// queue is full or the attempt's wait in it runs out), and Notify sees a
// retry.EventLimited; the transport does not retry it. When the limit is
// full as a retry is due, or refuses it after the wait, the transport stops
// and returns the last result: a response whose ResultOf(resp).Cause matches
// limit.ErrLimited, or an error wrapping a *retry.Error with that Cause.
//
// With a Limiter made with limit.Queue, an attempt that finds the limit
// full waits its turn for up to the queue's wait (under the request's
// context; the AttemptTimeout starts once it is sent), and a retry is
// stopped only when the queue is full too.
//
// Default: off. A limit must learn before it can be right: a new limiter
// allows limit.DefaultInitial (20) attempts in flight per host and raises
// that only while they are used, so a client that starts hundreds of slow
// requests to one healthy host at once (long polls, downloads) would see
// some refused until it has learnt; see bench/README.md for the
// measurements of the overload scenario and the healthy host.
//
//	var limits limit.Group // one Limiter per host, default options
//	client := retryhttp.NewClient(retryhttp.Limit(limits.Get), retryhttp.AttemptTimeout(time.Second))
func Limit(limiterFor func(host string) *limit.Limiter) Option {
	return Option{kind: kLimit, v: limiterFor}
}

// limiterOf returns the Limiter of a request to host (a hostKey), or nil.
func (t *Transport) limiterOf(host string) *limit.Limiter {
	if t.limiterFor == nil {
		return nil
	}
	return t.limiterFor(host)
}

// limitedAttempt is attempt with a permit from c.lim: it returns a
// *limitedError at once when the limit refuses, and otherwise reports the
// attempt's outcome when its headers arrive or it fails (Failed if the base
// transport panics, so that the permit is never lost).
func (c *call) limitedAttempt(req *http.Request) (*http.Response, error) {
	p, err := c.lim.Acquire(c.ctx)
	if err != nil {
		closeBody(req) // not sent, but RoundTrip always closes the body
		if errors.Is(err, limit.ErrLimited) {
			return nil, &limitedError{host: req.URL.Host, err: err}
		}
		return nil, err
	}
	o := limit.Failed // if the base transport panics
	defer func() { p.Done(o) }()
	resp, err := c.send(req)
	o = c.limitOutcome(resp, err)
	return resp, err
}

// limitOutcome judges an attempt for the limiter: a timeout of the attempt
// (not the caller's), a 429 or a 503 is overload; any other error, and a
// 5xx, says nothing about load; everything else is a latency sample.
func (c *call) limitOutcome(resp *http.Response, err error) limit.Outcome {
	switch {
	case err != nil:
		if c.ctx.Err() == nil && errors.Is(err, ErrAttemptTimeout) {
			return limit.Overloaded
		}
		return limit.Failed
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return limit.Overloaded
	case resp.StatusCode >= 500:
		return limit.Failed
	}
	return limit.OK
}

// limitedError is the error of an attempt that the limit refused.
type limitedError struct {
	host string
	err  error // limit.ErrLimited
}

func (e *limitedError) Error() string {
	return fmt.Sprintf("retryhttp: %s: %v", e.host, e.err)
}

func (e *limitedError) Unwrap() error   { return e.err }
func (e *limitedError) Retryable() bool { return false }
