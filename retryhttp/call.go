package retryhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/internal/engine"
	"github.com/nop-platform/retry/limit"
)

// call is one RoundTrip: the request, its effective policy and its budget.
type call struct {
	t      *Transport
	req    *http.Request
	ctx    context.Context
	pol    policy
	budget retry.Budget
	name   string // for events: the route's pattern or the Transport's Name
	host   string // the budget's key, for its log record

	lim *limit.Limiter // the host's concurrency limit, or nil (limit.go)
}

// run makes the attempts: the HTTP adapter of the retry engine. It makes
// one attempt, classifies the result, discards a response that is retried,
// and builds the request for the next attempt; the engine decides the rest.
func (c *call) run() (*http.Response, error) {
	req := c.req
	l := engine.Loop{
		MaxAttempts: c.pol.retries + 1, Base: c.pol.base, Max: c.pol.max, Jitter: c.pol.jitter,
		Name: c.name, BudgetName: c.host, Logger: c.t.log(), LogRetry: logRetry, Arg: req,
		NewError: newError,
	}
	if c.budget != nil {
		l.Budget = c.budget
	}
	if c.t.notify != nil {
		l.Notify, l.NotifyArg = notify, c.t.notify
	}
	l.Begin(c.ctx)
	defer l.Finish()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	send := req
	for {
		resp, err := c.attempt(send)
		if _, ok := err.(*limitedError); ok {
			if l.Limited(err) == engine.Done {
				return nil, err // the first attempt: returned as it is
			}
			return nil, l.Err()
		}
		res, unauthorized := c.classify(resp, err, replayable)
		switch l.End(res) {
		case engine.Done:
			if unauthorized && c.t.onUnauthorized != nil {
				c.t.onUnauthorized(resp)
			}
			return c.response(resp, l.Attempt(), nil), err
		case engine.Stop:
			return c.stop(&l, resp)
		}
		// The retry is granted; it is announced in Wait, unless the limit
		// has no room for it or the body cannot be replayed.
		if c.lim != nil && c.lim.Full() {
			l.Limited(&limitedError{host: c.host, err: limit.ErrLimited})
			return c.stop(&l, resp)
		}
		body, gerr := nextBody(req)
		if gerr != nil {
			l.Abandon(gerr)
			return c.stop(&l, resp)
		}
		discard(resp)
		if l.Wait() == engine.Stop {
			closeReadCloser(body)
			return nil, l.Err()
		}
		send = req.WithContext(context.WithValue(c.ctx, attemptKey{}, l.Attempt()))
		send.Body = body
	}
}

// classify judges an attempt's result for the engine. unauthorized is true
// for a 401, which is never retried.
func (c *call) classify(resp *http.Response, err error, replayable bool) (res engine.Result, unauthorized bool) {
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		return engine.Result{}, true
	}
	if !c.wants(resp, err) {
		return engine.Result{Err: err}, false // not retried: nothing for the budget to count
	}
	res.Err = err
	if err == nil {
		res.Err = &StatusError{StatusCode: resp.StatusCode, Status: statusText(resp.StatusCode)}
	}
	// Safe to repeat: the body can be replayed, and the request is
	// idempotent or provably never left.
	res.Retryable = replayable && (idempotent(c.req, &c.pol) || err != nil && neverSent(err))
	if res.Retryable && c.ctx.Err() == nil { // else not retried, or the engine gives up with the context's error
		res.Outcome = outcomeOf(resp, err)
		res.RetryAfter = retryAfter(resp)
	}
	return res, false
}

// outcomeOf classifies a failure the condition retries, for the budget.
func outcomeOf(resp *http.Response, err error) engine.Outcome {
	if err != nil {
		var t interface{ Timeout() bool }
		if errors.Is(err, ErrAttemptTimeout) || errors.Is(err, context.DeadlineExceeded) ||
			errors.As(err, &t) && t.Timeout() {
			return engine.OutcomeTimedOut
		}
		return engine.OutcomeTransient
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusServiceUnavailable,
		resp.Header.Get("Retry-After") != "":
		return engine.OutcomeOverloaded
	}
	return engine.OutcomeTransient
}

// wants applies the condition.
func (c *call) wants(resp *http.Response, err error) bool {
	if c.pol.cond != nil {
		return c.pol.cond(resp, err)
	}
	return DefaultCondition(resp, err)
}

// response returns resp, marked with how it was obtained when it took
// retries or stopped early.
func (c *call) response(resp *http.Response, attempts int, cause error) *http.Response {
	if resp != nil {
		markResult(resp, c.req, attempts, cause)
	}
	return resp
}

// stop ends the call while the last failure was still retryable: the last
// response, intact and marked with the cause, or the *retry.Error.
func (c *call) stop(l *engine.Loop, resp *http.Response) (*http.Response, error) {
	if resp == nil {
		return nil, l.Err()
	}
	return c.response(resp, l.Attempt(), l.Cause()), nil
}

// newError is the engine's give-up error for a request.
func newError(attempts int, errs []error, cause error) error {
	return &retry.Error{Attempts: attempts, Errors: errs, Cause: cause}
}

// notify passes an engine event to fn, the Transport's func(retry.Event).
func notify(fn any, e engine.Event) {
	fn.(func(retry.Event))(retry.Event{Kind: retry.EventKind(e.Kind), Name: e.Name, Attempt: e.Attempt,
		MaxAttempts: e.MaxAttempts, Delay: e.Delay, Elapsed: e.Elapsed, Err: e.Err, Context: e.Context})
}

// attemptKey carries the number of a retry's attempt in its request's
// context; see AttemptOf.
type attemptKey struct{}

// AttemptOf returns, for the context of a request that a Transport sends to
// its base RoundTripper, the number of the attempt: 1 for the first (and for
// any context that is not such a request's), 2 for the first retry, and so
// on. A RoundTripper under the Transport uses it to tell retries apart, as
// tracing does for http.request.resend_count. The Transport sets it only on
// retries, so a first attempt costs nothing more.
func AttemptOf(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok {
		return n
	}
	return 1
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

// drainLimit bounds how much of a discarded response body is read so that
// its connection can be reused; a longer body's connection is closed.
const drainLimit = 64 << 10

// drainTime bounds how long a discarded body is read: a body that stalls
// after its headers is closed instead, at the cost of its connection, so
// that it cannot delay the next attempt by more than this. Loopback and LAN
// peers send 64 KiB well within it.
const drainTime = 10 * time.Millisecond

// discard drains and closes a response that will not be returned, within
// drainLimit bytes and drainTime. The bound relies on Close unblocking a
// Read from another goroutine, as net/http's bodies do; a base transport
// whose bodies do not is bounded only by its own behaviour.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	if resp.ContentLength > drainLimit {
		resp.Body.Close() // too long to drain: give up the connection
		return
	}
	var once sync.Once
	closeBody := func() { once.Do(func() { resp.Body.Close() }) }
	t := time.AfterFunc(drainTime, closeBody)
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	t.Stop()
	closeBody() // Close runs once, by the timer or here
}
