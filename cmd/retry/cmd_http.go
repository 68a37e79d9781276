package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nop-platform/retry/retryhttp"
)

const httpUsage = `Usage: retry http [flags] URL

Makes one HTTP request with the specification's client retries: network
errors, 5xx, 429 and 408 are retried (Retry-After honoured), other 4xx are
not, and a request that is not idempotent (POST, PATCH) is retried only
when it never reached the server, unless it has an Idempotency-Key. Each
retry is logged to stderr:

  [Retry 1/3] GET /api/v1/assets/ (delay: 1034ms, reason: 503 Service Unavailable)

The response body goes to stdout. Redirects are not followed.

Flags:
  -X METHOD            request method (default GET, or POST with -d)
  -H 'NAME: VALUE'     add a request header; repeatable
  -d DATA              request body; @FILE reads a file and @- stdin; several
                       -d are joined with &. Content-Type defaults to
                       application/x-www-form-urlencoded, as with curl
  --idempotency-key K  send Idempotency-Key: K, so that a POST may be retried
  --max-retries N      retries after the first attempt (default 3; 0 for none)
  --base-delay D       delay before the first retry (default 1s)
  --max-delay D        cap on each delay, Retry-After included (default 10s)
  --jitter F           add up to F times each delay at random, 0 to 10 (default 0.3)
  --attempt-timeout D  bound each attempt until its response headers arrive
  --max-time D         bound the whole request, waits and body included
  -o FILE              write the body to FILE instead of stdout
  -i                   include the status line and headers in the output
  --quiet              do not log retries
  -h, --help           show this help

D is a number of seconds (1.5) or a Go duration (250ms, 1m30s). The
RETRY_* variables do not apply: they configure the backend retry helper.

Exit status: 0 for a 2xx or 3xx response; 22 for any other status (as
curl --fail), with the status on stderr; 6 when the host cannot be
resolved, 7 for other network failures, 28 when --max-time or
--attempt-timeout ran out; 23 when the output cannot be written; 2 for a
usage error; 130 or 143 on INT or TERM.
`

// Exit statuses of retry http, from curl's.
const (
	httpStatusResolve = 6
	httpStatusConnect = 7
	httpStatusHTTP    = 22
	httpStatusWrite   = 23
	httpStatusTimeout = 28
)

// httpJob is one retry http invocation.
type httpJob struct {
	method         string
	headers        []string
	data           []string
	idempotencyKey string
	maxRetries     int
	base, max      time.Duration
	jitter         float64
	attemptTimeout time.Duration
	maxTime        time.Duration
	output         string
	include        bool
	quiet          bool
}

func (j *httpJob) flags() *flag.FlagSet {
	fs := newFlagSet("http")
	j.maxRetries = retryhttp.DefaultMaxRetries
	j.base, j.max, j.jitter = retryhttp.DefaultBaseDelay, retryhttp.DefaultMaxDelay, retryhttp.DefaultJitter
	fs.StringVar(&j.method, "X", "", "")
	fs.Var(listValue{&j.headers}, "H", "")
	fs.Var(listValue{&j.data}, "d", "")
	fs.StringVar(&j.idempotencyKey, "idempotency-key", "", "")
	fs.Var(retriesValue{&j.maxRetries}, "max-retries", "")
	fs.Var(delayValue{&j.base}, "base-delay", "")
	fs.Var(delayValue{&j.max}, "max-delay", "")
	fs.Var(jitterValue{&j.jitter}, "jitter", "")
	fs.Var(delayValue{&j.attemptTimeout}, "attempt-timeout", "")
	fs.Var(delayValue{&j.maxTime}, "max-time", "")
	fs.StringVar(&j.output, "o", "", "")
	fs.BoolVar(&j.include, "i", false, "")
	fs.BoolVar(&j.quiet, "quiet", false, "")
	return fs
}

func cmdHTTP(ctx context.Context, e *env, args []string) error {
	var j httpJob
	fs := j.flags()
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return badUsage("no URL given")
	case len(pos) > 1:
		return badUsage("unexpected argument %q after the URL", pos[1])
	case j.base > j.max:
		return badUsage("--base-delay %s is above --max-delay %s", fmtDur(j.base), fmtDur(j.max))
	case visited(fs)["idempotency-key"] && strings.TrimSpace(j.idempotencyKey) == "":
		return badUsage("--idempotency-key is empty")
	}
	req, err := j.request(ctx, pos[0], e.stdin)
	if err != nil {
		return err
	}
	return j.do(ctx, e, req)
}

// request builds the request. Its body is held in memory, so that the
// transport can replay it through GetBody.
func (j *httpJob) request(ctx context.Context, rawURL string, stdin io.Reader) (*http.Request, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, badUsage("%v", err)
	}
	method := j.method
	if method == "" {
		method = http.MethodGet
		if len(j.data) > 0 {
			method = http.MethodPost
		}
	}
	var body io.Reader
	if len(j.data) > 0 {
		b, err := readData(j.data, stdin)
		if err != nil {
			return nil, badUsage("-d: %v", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, badUsage("-X %q: %v", method, err)
	}
	if len(j.data) > 0 {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range j.headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, badUsage(`-H %q: want "Name: value"`, h)
		}
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	if j.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", j.idempotencyKey)
	}
	return req, nil
}

// parseURL accepts an http or https URL; without a scheme, http is assumed.
func parseURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("bad URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("URL %q: only http and https are supported", s)
	case u.Host == "":
		return nil, fmt.Errorf("URL %q has no host", s)
	}
	return u, nil
}

// readData joins the -d values with &, reading @FILE and @- (stdin).
func readData(data []string, stdin io.Reader) ([]byte, error) {
	var b bytes.Buffer
	for i, d := range data {
		if i > 0 {
			b.WriteByte('&')
		}
		switch {
		case d == "@-":
			if _, err := io.Copy(&b, stdin); err != nil {
				return nil, fmt.Errorf("reading stdin: %v", err)
			}
		case strings.HasPrefix(d, "@"):
			f, err := os.ReadFile(d[1:])
			if err != nil {
				return nil, err
			}
			b.Write(f)
		default:
			b.WriteString(d)
		}
	}
	return b.Bytes(), nil
}

// do sends the request and writes the response.
func (j *httpJob) do(ctx context.Context, e *env, req *http.Request) error {
	opts := []retryhttp.Option{
		retryhttp.MaxRetries(j.maxRetries),
		retryhttp.BaseDelay(j.base),
		retryhttp.MaxDelay(j.max),
		retryhttp.Jitter(j.jitter),
		retryhttp.AttemptTimeout(j.attemptTimeout),
		retryhttp.Logger(slog.New(newLineHandler(e.stderr))),
	}
	if j.quiet {
		opts = append(opts, retryhttp.Logger(nil))
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	client := &http.Client{
		Transport:     retryhttp.NewTransport(base, opts...),
		Timeout:       j.maxTime,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return j.failed(ctx, e, err)
	}
	defer resp.Body.Close()

	if err := j.write(e.stdout, resp); err != nil {
		var werr *writeError
		if errors.As(err, &werr) {
			fmt.Fprintf(e.stderr, "retry http: %v\n", werr.err)
			return exitStatus(httpStatusWrite)
		}
		return j.failed(ctx, e, err)
	}
	if resp.StatusCode >= 400 {
		res := retryhttp.ResultOf(resp)
		msg := fmt.Sprintf("retry http: %s %s: %s", req.Method, req.URL.Redacted(), resp.Status)
		if res.Attempts > 1 {
			msg += fmt.Sprintf(" after %d attempts", res.Attempts)
		}
		if res.Cause != nil {
			msg += fmt.Sprintf(" (stopped early: %v)", res.Cause)
		}
		fmt.Fprintln(e.stderr, msg)
		return exitStatus(httpStatusHTTP)
	}
	return nil
}

// write writes the response (the head too with -i) to stdout or -o's
// file. A failure to write or create the file is a *writeError; any other
// error came from reading the body.
func (j *httpJob) write(stdout io.Writer, resp *http.Response) error {
	w := &errWriter{w: stdout}
	var file *os.File
	if j.output != "" && j.output != "-" {
		var err error
		if file, err = os.Create(j.output); err != nil {
			return &writeError{err}
		}
		w.w = file
	}
	if j.include {
		fmt.Fprintf(w, "%s %s\r\n", resp.Proto, resp.Status)
		_ = resp.Header.Write(w)
		_, _ = io.WriteString(w, "\r\n")
	}
	_, err := io.Copy(w, resp.Body)
	if file != nil {
		if cerr := file.Close(); w.err == nil {
			w.err = cerr
		}
	}
	if w.err != nil {
		return &writeError{w.err}
	}
	return err
}

// errWriter keeps the first error of its writer.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// writeError is a failure to write the output.
type writeError struct{ err error }

func (w *writeError) Error() string { return w.err.Error() }
func (w *writeError) Unwrap() error { return w.err }

// failed reports a request that got no usable response.
func (j *httpJob) failed(ctx context.Context, e *env, err error) error {
	if sig, ok := signalOf(ctx); ok {
		fmt.Fprintf(e.stderr, "retry http: got %s\n", signalName(sig))
		return exitStatus(signalStatus(sig))
	}
	fmt.Fprintf(e.stderr, "retry http: %v\n", err)
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, retryhttp.ErrAttemptTimeout),
		errors.As(err, &ne) && ne.Timeout():
		return exitStatus(httpStatusTimeout)
	case errors.As(err, &dns):
		return exitStatus(httpStatusResolve)
	}
	return exitStatus(httpStatusConnect)
}

// retriesValue is a flag holding a count of retries, 0 or more.
type retriesValue struct{ n *int }

func (v retriesValue) String() string {
	if v.n == nil {
		return ""
	}
	return strconv.Itoa(*v.n)
}

func (v retriesValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return errors.New("not a whole number")
	case n < 0:
		return errors.New("must not be negative")
	}
	*v.n = n
	return nil
}
