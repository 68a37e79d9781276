package retryhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// TestMain fails the run if goroutines of net/http or of this module
// outlive the tests: every server and transport the tests made is closed by
// then, and the transport starts none of its own.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := settle(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// settle waits up to 5s for the goroutines that could leak to end.
func settle() error {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := leaked()
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d leaked goroutines:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leaked returns the stacks of other goroutines that run code of net/http
// or of this module.
func leaked() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i > 0 && (strings.Contains(g, "net/http.") || strings.Contains(g, "nop-platform/retry")) {
			out = append(out, g)
		}
	}
	return out
}

// quick are the options of most tests: 1ms, 2ms, 4ms delays, no logs, and
// no retry budget, so that a test of the retry rules sees every retry; the
// tests of the default budget build their clients without it.
var quick = []retryhttp.Option{retryhttp.BaseDelay(time.Millisecond), retryhttp.Jitter(0), retryhttp.Logger(nil), retryhttp.Budget(nil)}

// setup starts a server playing steps and returns it with a counting base
// transport and a client over it with quick options then opts.
func setup(t *testing.T, steps []retrytest.Step, opts ...retryhttp.Option) (*retrytest.Server, *retrytest.Transport, *http.Client) {
	t.Helper()
	srv := retrytest.NewServer(steps...)
	t.Cleanup(srv.Close)
	base := retrytest.NewTransport()
	t.Cleanup(base.CloseIdleConnections)
	rt, err := retryhttp.New(base, append(append([]retryhttp.Option(nil), quick...), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, base, &http.Client{Transport: rt}
}

func steps(s ...retrytest.Step) []retrytest.Step { return s }

// readAll reads and closes the body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
