package nopapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nop-platform/retry/retryhttp"
)

// Errors matched by an *APIError's status, with errors.Is.
var (
	ErrUnauthorized = errors.New("nopapi: unauthorized") // 401: log in again
	ErrNotFound     = errors.New("nopapi: not found")    // 404
)

// snippetMax bounds APIError.Body.
const snippetMax = 512

// APIError is a response other than 2xx. It matches ErrUnauthorized or
// ErrNotFound by status. It follows package retry's conventions, so that a
// retry.Do around a call agrees with the client: Retryable reports whether
// the client retries the status, RetryAfter the response's Retry-After
// (though such a loop multiplies the client's own attempts). It is not
// modified once returned.
type APIError struct {
	Method     string        // such as "GET"
	Path       string        // the API path, such as "/api/v1/assets/"
	StatusCode int           // such as 503
	Status     string        // such as "503 Service Unavailable"
	Detail     string        // the API's message: the body's "detail" string; "" when none
	Body       string        // the start of the body, at most 512 bytes
	Attempts   int           // attempts made, the first included
	Wait       time.Duration // the response's Retry-After; 0 when none
	// Cause says why the client stopped retrying before its retries ran
	// out (retryhttp.ResultOf): an error matching retry.ErrBudgetExhausted
	// when the host's retry budget refused, or context.DeadlineExceeded
	// when the next wait would pass the deadline; nil otherwise.
	Cause error
}

// Error names the call and the status, then the API's message (or the
// start of the body) and the attempts.
func (e *APIError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = strings.TrimSpace(e.Body)
	}
	s := fmt.Sprintf("nopapi: %s %s: %s", e.Method, e.Path, e.Status)
	if msg != "" {
		s += ": " + msg
	}
	switch {
	case e.Cause != nil:
		s += fmt.Sprintf(" (after %d attempts: %v)", e.Attempts, e.Cause)
	case e.Attempts > 1:
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap returns Cause.
func (e *APIError) Unwrap() error { return e.Cause }

// Is reports whether target is the sentinel of e's status.
func (e *APIError) Is(target error) bool {
	return target == ErrUnauthorized && e.StatusCode == http.StatusUnauthorized ||
		target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// Retryable reports whether the status is one the client retries: 5xx,
// 429 or 408.
func (e *APIError) Retryable() bool {
	return e.StatusCode >= 500 && e.StatusCode <= 599 ||
		e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// RetryAfter returns Wait.
func (e *APIError) RetryAfter() time.Duration { return e.Wait }

// newAPIError reads the start of resp's body into an *APIError. The caller
// closes the body.
func newAPIError(method, path string, resp *http.Response) *APIError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	res := retryhttp.ResultOf(resp)
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Status: resp.Status,
		Attempts: res.Attempts, Cause: res.Cause}
	var body struct {
		Detail any `json:"detail"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.Detail, _ = body.Detail.(string)
	}
	if len(data) > snippetMax {
		data = data[:snippetMax]
	}
	e.Body = strings.ToValidUTF8(string(data), "")
	if v := resp.Header.Get("Retry-After"); v != "" {
		e.Wait, _ = retryhttp.ParseRetryAfter(v, time.Now())
	}
	return e
}
