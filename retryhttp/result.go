package retryhttp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// ErrAttemptTimeout is matched by the error of an attempt that AttemptTimeout
// cut short.
var ErrAttemptTimeout = errors.New("retryhttp: attempt timed out")

// StatusError stands for an attempt that got a status the condition retries,
// in a *retry.Error's list of attempts and in Notify's events. The response
// itself was drained and closed.
type StatusError struct {
	StatusCode int    // such as 503
	Status     string // such as "503 Service Unavailable"
}

func (e *StatusError) Error() string { return "retryhttp: " + e.Status }

// statusText returns "503 Service Unavailable", the form used in logs.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// Result describes how a Transport obtained a response.
type Result struct {
	// Attempts is the number of attempts made, the first included.
	Attempts int
	// Cause says why the transport returned a response that it would
	// otherwise have retried, before its retries ran out: an error matching
	// retry.ErrBudgetExhausted when a retry budget refused the retry, one
	// matching context.DeadlineExceeded when the next delay would pass the
	// context's deadline, the context's error when it was done, or the error
	// of Request.GetBody. It is nil otherwise. The same causes appear as the
	// Cause of a *retry.Error when the last attempt failed without a
	// response.
	Cause error
}

type resultKey struct{}

// ResultOf reports how resp was obtained, when a Transport retried it or
// stopped early (the Transport then sets resp.Request to a copy of the
// request that carries the Result). For any other response it reports one
// attempt, and for a nil response, zero.
func ResultOf(resp *http.Response) Result {
	if resp == nil {
		return Result{}
	}
	if resp.Request != nil {
		if r, ok := resp.Request.Context().Value(resultKey{}).(*Result); ok {
			return *r
		}
	}
	return Result{Attempts: 1}
}

// markResult attaches r to resp through a copy of its request.
func markResult(resp *http.Response, req *http.Request, attempts int, cause error) {
	if attempts <= 1 && cause == nil {
		return
	}
	base := resp.Request
	if base == nil {
		base = req
	}
	r := &Result{Attempts: attempts, Cause: cause}
	resp.Request = base.WithContext(context.WithValue(base.Context(), resultKey{}, r))
}
