package otelretry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"syscall"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// knownMethods are the methods of RFC 9110, PATCH and QUERY: the "known"
// methods of the HTTP semantic conventions.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "CONNECT": true,
	"OPTIONS": true, "TRACE": true, "PATCH": true, "QUERY": true,
}

// method returns the span name's {method} and the method attributes:
// http.request.method, and http.request.method_original when the method
// is not known as given.
func method(m string) (name string, attrs []attribute.KeyValue) {
	if m == "" {
		m = http.MethodGet // net/http's meaning of ""
	}
	if knownMethods[m] {
		return m, []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(m)}
	}
	orig := semconv.HTTPRequestMethodOriginal(m)
	if up := strings.ToUpper(m); knownMethods[up] {
		return up, []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(up), orig}
	}
	return "HTTP", []attribute.KeyValue{semconv.HTTPRequestMethodKey.String("_OTHER"), orig}
}

// server returns server.address and server.port: the host the request
// goes to (its URL's, else its Host), and the port, the scheme's default
// when the URL has none.
func server(req *http.Request) (string, int) {
	hostport := req.URL.Host
	if hostport == "" {
		hostport = req.Host
	}
	host, port := hostport, 0
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host = h
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			port = int(n)
		}
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
	}
	if port == 0 {
		port = 80
		if req.URL.Scheme == "https" {
			port = 443
		}
	}
	return host, port
}

// Redacted stands for credentials and signatures in url.full.
const Redacted = "REDACTED"

// sensitiveQuery are the query parameters whose values url.full redacts,
// from the HTTP semantic conventions (matched case-sensitively).
var sensitiveQuery = map[string]bool{
	"X-Amz-Signature": true, "X-Amz-Credential": true, "X-Amz-Security-Token": true,
	"AWSAccessKeyId": true, "Signature": true, "sig": true, "X-Goog-Signature": true,
}

// fullURL returns url.full for u: credentials become REDACTED:REDACTED
// and the values of sensitive query parameters REDACTED; the rest is kept
// as it was written.
func fullURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.UserPassword(Redacted, Redacted)
	}
	c.RawQuery = redactQuery(c.RawQuery)
	return c.String()
}

// redactQuery replaces the values of sensitive parameters in a raw query
// string, keeping everything else byte for byte. A key is compared after
// unescaping, as url.ParseQuery would read it.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	var b strings.Builder
	for i, part := range strings.Split(q, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil && sensitiveQuery[k] {
			part = key + "=" + Redacted
		}
		b.WriteString(part)
	}
	return b.String()
}

// errorType returns error.type for an attempt or call that failed with
// err: one of a short documented list (see the package documentation),
// else the error's Go type, fully qualified, as otelhttp reports it.
func errorType(err error) string {
	var (
		dns    *net.DNSError
		netErr net.Error
		cert   *tls.CertificateVerificationError
		unk    x509.UnknownAuthorityError
		host   x509.HostnameError
		inv    x509.CertificateInvalidError
		rec    tls.RecordHeaderError
	)
	var se *retryhttp.StatusError
	switch {
	case errors.As(err, &se):
		return statusString(se.StatusCode)
	case errors.Is(err, breaker.ErrOpen):
		return "breaker_open"
	case errors.Is(err, retry.ErrBudgetExhausted):
		return "budget_exhausted"
	case errors.Is(err, limit.ErrLimited):
		return "limited"
	case errors.Is(err, retry.ErrPanicked):
		return "panic"
	case errors.Is(err, retryhttp.ErrAttemptTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dns):
		return "dns_error"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection_reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_closed"
	case errors.As(err, &cert), errors.As(err, &unk), errors.As(err, &host), errors.As(err, &inv), errors.As(err, &rec):
		return "tls_error"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	return typeName(err)
}

// typeName returns the fully qualified name of err's type, without the
// pointer: "github.com/nop-platform/retry.Error".
func typeName(err error) string {
	t := reflect.TypeOf(err)
	if t == nil {
		return "_OTHER"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == "" || t.Name() == "" {
		return t.String()
	}
	return t.PkgPath() + "." + t.Name()
}

func itoa(n int) string { return strconv.Itoa(n) }

// statusString is error.type for a status: the code as a string.
func statusString(code int) string { return strconv.Itoa(code) }
