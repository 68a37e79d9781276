package retryhttp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"syscall"

	"github.com/nop-platform/retry"
)

// DefaultCondition reports whether an attempt's result is worth retrying by
// default: a network error, or a response with status 5xx, 429 (Too Many
// Requests) or 408 (Request Timeout). Not retried: other statuses, and
// errors that cannot heal by themselves: TLS certificate and handshake
// record errors, invalid options, and errors that declare themselves not
// retryable (a Retryable() bool method returning false, as retry.Permanent
// and an open circuit breaker's errors do). Use it to build a Condition:
//
//	retryhttp.Condition(func(resp *http.Response, err error) bool {
//		return retryhttp.DefaultCondition(resp, err) ||
//			resp != nil && resp.StatusCode == http.StatusConflict // resp is nil when err is not
//	})
func DefaultCondition(resp *http.Response, err error) bool {
	if err != nil {
		return retryableError(err)
	}
	return resp != nil && retryableStatus(resp.StatusCode)
}

func retryableStatus(code int) bool {
	return code >= 500 && code <= 599 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}

// retryableError is true for every error except those known not to heal.
// An HTTP client's "network error" is any failure without a response, and
// transports return many unexported error types (HTTP/2 stream and GOAWAY
// errors among them), so the rule is a deny list.
func retryableError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		r   interface{ Retryable() bool }
	)
	switch {
	case errors.As(err, &cve), errors.As(err, &rhe), errors.As(err, &uae),
		errors.As(err, &hne), errors.As(err, &cie):
		return false
	case errors.Is(err, retry.ErrInvalidOption):
		return false
	case errors.As(err, &r):
		return r.Retryable()
	}
	return true
}

// statusSet is a set of status codes 100-599, for Statuses.
type statusSet [10]uint64

func (s *statusSet) add(code int) { s[code/64] |= 1 << (code % 64) }

func (s statusSet) has(code int) bool {
	return code >= 0 && code < 640 && s[code/64]&(1<<(code%64)) != 0
}

func (s statusSet) condition(resp *http.Response, err error) bool {
	if err != nil {
		return retryableError(err)
	}
	return resp != nil && s.has(resp.StatusCode)
}

// idempotent reports whether req may be repeated after it reached the server.
func idempotent(req *http.Request, p *policy) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	if p.idempotent {
		return true
	}
	// As net/http's own retry logic: the key's presence counts, even with a
	// nil value (a header that is present but not sent).
	_, ok := req.Header["Idempotency-Key"]
	if !ok {
		_, ok = req.Header["X-Idempotency-Key"]
	}
	return ok
}

// neverSent reports whether err proves that the request never left: the
// connection to the server (or proxy) was never made.
func neverSent(err error) bool {
	for e := err; e != nil; {
		var op *net.OpError
		if !errors.As(e, &op) {
			break
		}
		if op.Op == "dial" {
			return true
		}
		e = op.Err
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}
