package otelretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/attribute"
)

func TestMethod(t *testing.T) {
	tests := []struct {
		give, name, attrs string
	}{
		{"GET", "GET", "http.request.method=GET"},
		{"", "GET", "http.request.method=GET"},
		{"QUERY", "QUERY", "http.request.method=QUERY"},
		{"get", "GET", "http.request.method=GET http.request.method_original=get"},
		{"PURGE", "HTTP", "http.request.method=_OTHER http.request.method_original=PURGE"},
	}
	for _, tt := range tests {
		name, kv := method(tt.give)
		if name != tt.name || join(kv) != tt.attrs {
			t.Errorf("method(%q) = %q, %s; want %q, %s", tt.give, name, join(kv), tt.name, tt.attrs)
		}
	}
}

func TestServer(t *testing.T) {
	tests := []struct {
		give, host string
		port       int
	}{
		{"http://example.com/x", "example.com", 80},
		{"https://example.com/x", "example.com", 443},
		{"https://example.com:8443/x", "example.com", 8443},
		{"http://127.0.0.1:9/", "127.0.0.1", 9},
		{"http://[::1]:8080/", "::1", 8080},
		{"http://[::1]/", "::1", 80},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", tt.give, nil)
		if host, port := server(req); host != tt.host || port != tt.port {
			t.Errorf("server(%s) = %q, %d; want %q, %d", tt.give, host, port, tt.host, tt.port)
		}
	}
}

func TestFullURL(t *testing.T) {
	tests := []struct{ give, want string }{
		{"https://example.com/a?b=c#frag", "https://example.com/a?b=c#frag"},
		{"https://user:pass@example.com/", "https://REDACTED:REDACTED@example.com/"},
		{"https://user@example.com/", "https://REDACTED:REDACTED@example.com/"},
		{"https://s3/o?X-Amz-Signature=abc&X-Amz-Credential=k&color=blue", "https://s3/o?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&color=blue"},
		{"https://h/?sig=s&SIG=kept&AWSAccessKeyId=a&Signature=x&X-Goog-Signature=y&X-Amz-Security-Token=z",
			"https://h/?sig=REDACTED&SIG=kept&AWSAccessKeyId=REDACTED&Signature=REDACTED&X-Goog-Signature=REDACTED&X-Amz-Security-Token=REDACTED"},
		{"https://h/?%73ig=s&sig&a=%zz", "https://h/?%73ig=REDACTED&sig=REDACTED&a=%zz"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.give)
		if err != nil {
			t.Fatal(err)
		}
		if got := fullURL(u); got != tt.want {
			t.Errorf("fullURL(%s) = %s, want %s", tt.give, got, tt.want)
		}
		if u.String() != tt.give && !strings.Contains(tt.give, "%73") {
			t.Errorf("fullURL modified its URL: %s", u)
		}
	}
}

// FuzzRedactQuery: no value of a sensitive key survives, as url.ParseQuery
// reads the result, and a query with no sensitive key is kept byte for
// byte.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"", "a=b", "sig=x&a=b", "%73ig=x", "sig", "a=b&&sig=1=2", "Signature=%zz;x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := redactQuery(q)
		if strings.Count(got, "&") != strings.Count(q, "&") {
			t.Fatalf("redactQuery(%q) = %q: parameters added or lost", q, got)
		}
		sensitive := false
		for _, part := range strings.Split(got, "&") {
			key, value, _ := strings.Cut(part, "=")
			if k, err := url.QueryUnescape(key); err == nil && sensitiveQuery[k] {
				sensitive = true
				if value != Redacted {
					t.Fatalf("redactQuery(%q) = %q: %s keeps its value", q, got, k)
				}
			}
		}
		if !sensitive && got != q {
			t.Fatalf("redactQuery(%q) = %q: changed a query with no sensitive key", q, got)
		}
	})
}

type myErr struct{}

func (myErr) Error() string { return "mine" }

func TestErrorType(t *testing.T) {
	tests := []struct {
		give error
		want string
	}{
		{&retryhttp.StatusError{StatusCode: 503}, "503"},
		{fmt.Errorf("x: %w", &breaker.OpenError{Name: "p"}), "breaker_open"},
		{retry.ErrBudgetExhausted, "budget_exhausted"},
		{fmt.Errorf("%w after 1s", retryhttp.ErrAttemptTimeout), "timeout"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "canceled"},
		{&net.DNSError{Err: "no such host", Name: "x"}, "dns_error"},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "connection_refused"},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, "connection_reset"},
		{io.EOF, "connection_closed"},
		{fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), "connection_closed"},
		{myErr{}, "github.com/nop-platform/retry/otelretry.myErr"},
		{&url.Error{Op: "Get", Err: myErr{}}, "net/url.Error"},
		{errors.New("plain"), "errors.errorString"},
	}
	for _, tt := range tests {
		if got := errorType(tt.give); got != tt.want {
			t.Errorf("errorType(%v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func join(kv []attribute.KeyValue) string {
	s := make([]string, len(kv))
	for i, a := range kv {
		s[i] = string(a.Key) + "=" + a.Value.String()
	}
	return strings.Join(s, " ")
}
