package retryhttp

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/backoff"
	"github.com/nop-platform/retry/limit"
)

// drainLimit bounds how much of a discarded response body is read so that
// its connection can be reused; a longer body's connection is closed.
const drainLimit = 64 << 10

// call is one RoundTrip: the request, its effective policy and what its
// attempts have produced.
type call struct {
	t      *Transport
	req    *http.Request
	ctx    context.Context
	pol    policy
	budget retry.Budget
	errs   []error   // each failed attempt's error, for *retry.Error
	start  time.Time // for events
	name   string    // for events: the route's pattern or the Transport's Name

	lim *limit.Limiter // the host's concurrency limit, or nil (limit.go)
}

// run makes the attempts.
func (c *call) run() (*http.Response, error) {
	req := c.req
	if c.budget != nil {
		c.budget.Request()
	}
	if c.t.notify != nil {
		c.start = time.Now()
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	send := req
	var timer *time.Timer
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(send)
		if ok, r, e := c.refused(attempt, err); ok {
			return r, e
		}
		if err == nil && resp.StatusCode == http.StatusUnauthorized {
			c.outcome(attempt, true, nil)
			if c.t.onUnauthorized != nil {
				c.t.onUnauthorized(resp)
			}
			return c.response(resp, attempt, nil), nil
		}
		if !c.wants(resp, err) {
			c.outcome(attempt, err == nil, err)
			return c.response(resp, attempt, nil), err
		}
		failure := err
		if err == nil {
			failure = &StatusError{StatusCode: resp.StatusCode, Status: statusText(resp.StatusCode)}
		}
		c.outcome(attempt, false, failure)
		if !replayable || !(idempotent(req, &c.pol) || err != nil && neverSent(err)) {
			return c.response(resp, attempt, nil), err // not safe to repeat
		}
		c.errs = append(c.errs, failure)
		if attempt > c.pol.retries || c.ctx.Err() != nil {
			return c.stop(resp, attempt, c.ctx.Err())
		}
		delay := c.pol.delay(attempt, rand.Float64(), retryAfter(resp))
		if dl, ok := c.ctx.Deadline(); ok && delay > 0 && time.Until(dl) < delay {
			return c.stop(resp, attempt, retry.ErrDeadline)
		}
		body, gerr := nextBody(req)
		if gerr != nil {
			return c.stop(resp, attempt, gerr)
		}
		if c.budget != nil && !c.budget.AllowRetry() {
			closeReadCloser(body)
			c.event(retry.EventBudgetRejected, attempt, 0, failure)
			return c.stop(resp, attempt, retry.ErrBudgetExhausted)
		}
		if lerr := c.limitFull(req.URL.Host, attempt, body); lerr != nil {
			return c.stop(resp, attempt, lerr)
		}
		c.event(retry.EventRetry, attempt, delay, failure)
		if l := c.t.log(); l != nil {
			logRetry(c.ctx, l, req, attempt, c.pol.retries, delay, resp, err)
		}
		discard(resp)
		if delay > 0 {
			if timer == nil {
				timer = time.NewTimer(delay)
				defer timer.Stop()
			} else {
				timer.Reset(delay)
			}
			select {
			case <-c.ctx.Done():
				closeReadCloser(body)
				c.cancelRetry()
				return nil, c.giveUp(attempt, c.ctx.Err())
			case <-timer.C:
			}
		}
		send = new(http.Request)
		*send = *req
		send.Body = body
	}
}

// wants applies the condition.
func (c *call) wants(resp *http.Response, err error) bool {
	if c.pol.cond != nil {
		return c.pol.cond(resp, err)
	}
	return DefaultCondition(resp, err)
}

// cancelRetry gives back to the budget a retry it granted that will not be
// made, when the budget can take it back (package budget's can).
func (c *call) cancelRetry() {
	if rc, ok := c.budget.(interface{ CancelRetry() }); ok {
		rc.CancelRetry()
	}
}

// outcome reports an attempt's end to the budget and to Notify.
func (c *call) outcome(attempt int, ok bool, err error) {
	if c.budget != nil {
		c.budget.Outcome(attempt > 1, ok)
	}
	c.event(retry.EventAttempt, attempt, 0, err)
}

func (c *call) event(kind retry.EventKind, attempt int, delay time.Duration, err error) {
	if c.t.notify == nil {
		return
	}
	c.t.notify(retry.Event{Kind: kind, Name: c.name, Attempt: attempt, MaxAttempts: c.pol.retries + 1,
		Delay: delay, Elapsed: time.Since(c.start), Err: err})
}

// response returns resp, marked with how it was obtained when it took
// retries or stopped early.
func (c *call) response(resp *http.Response, attempt int, cause error) *http.Response {
	if resp != nil {
		markResult(resp, c.req, attempt, cause)
	}
	return resp
}

// stop ends the call while the last failure was still retryable: the last
// response, intact, or a *retry.Error.
func (c *call) stop(resp *http.Response, attempt int, cause error) (*http.Response, error) {
	if resp == nil {
		return nil, c.giveUp(attempt, cause)
	}
	if c.t.notify != nil {
		c.event(retry.EventGiveUp, attempt, 0, &retry.Error{Attempts: attempt, Errors: c.errs, Cause: cause})
	}
	return c.response(resp, attempt, cause), nil
}

// giveUp returns the *retry.Error for the failures so far.
func (c *call) giveUp(attempt int, cause error) error {
	e := &retry.Error{Attempts: attempt, Errors: c.errs, Cause: cause}
	c.event(retry.EventGiveUp, attempt, 0, e)
	return e
}

// delay returns the wait before retry n, given a uniform random number u in
// [0, 1) and the wait the server asked for with Retry-After (0 for none).
func (p *policy) delay(n int, u float64, retryAfter time.Duration) time.Duration {
	if p.max <= 0 {
		return 0
	}
	d := backoff.Exponential{Base: p.base, Max: p.max, Jitter: p.jitter}.Pick(n, u)
	if retryAfter > d {
		d = min(retryAfter, p.max)
	}
	return d
}

// nextBody returns a fresh copy of req's body for a retry.
func nextBody(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody == nil {
		return req.Body, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, errGetBody(err)
	}
	return b, nil
}

func closeReadCloser(rc io.ReadCloser) {
	if rc != nil && rc != http.NoBody {
		rc.Close()
	}
}

// discard drains and closes a response that will not be returned.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	resp.Body.Close()
}
