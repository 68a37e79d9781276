package retryhttp_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// fakeBudget allows a fixed number of retries and records what it is told.
type fakeBudget struct {
	mu       sync.Mutex
	left     int
	requests int
	cancels  int
	outcomes []string
}

func (b *fakeBudget) CancelRetry(t retry.Ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t != 0 {
		b.cancels++
		b.left++
	}
}

func (b *fakeBudget) Request() { b.mu.Lock(); b.requests++; b.mu.Unlock() }
func (b *fakeBudget) AllowRetry(o retry.Outcome) (retry.Ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == 0 {
		return 0, false
	}
	b.left--
	return retry.Ticket(b.left + 1), true
}
func (b *fakeBudget) Outcome(t retry.Ticket, o retry.Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := "first "
	if t != 0 {
		s = "retry "
	}
	s += o.String()
	b.outcomes = append(b.outcomes, s)
}

func TestBudgetRejectsOnStatus(t *testing.T) {
	b := &fakeBudget{left: 1}
	srv, _, c := setup(t, steps(retrytest.Respond(503, "busy")),
		retryhttp.Budget(func(string) retry.Budget { return b }))
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 503 || body != "busy" {
		t.Errorf("got %d %q, want the last 503 intact", resp.StatusCode, body)
	}
	r := retryhttp.ResultOf(resp)
	if r.Attempts != 2 || !errors.Is(r.Cause, retry.ErrBudgetExhausted) {
		t.Errorf("ResultOf = %+v, want 2 attempts and ErrBudgetExhausted", r)
	}
	if want := []string{"first overloaded", "retry overloaded"}; b.requests != 1 || !reflect.DeepEqual(b.outcomes, want) {
		t.Errorf("budget saw %d requests and %q, want 1 and %q", b.requests, b.outcomes, want)
	}
}

func TestBudgetRejectsOnNetworkError(t *testing.T) {
	b := &fakeBudget{}
	c := &http.Client{Transport: retryhttp.NewTransport(nil, append(quick,
		retryhttp.Budget(func(string) retry.Budget { return b }))...)}
	_, err := c.Get(retrytest.RefusedURL())
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 1 || !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Errorf("err = %v, want a *retry.Error after 1 attempt with ErrBudgetExhausted", err)
	}
}

// The transport asks budgetFor on every request, with the request's host;
// a budget.Group keeps one budget per host.
func TestBudgetPerHost(t *testing.T) {
	var g budget.Group
	var mu sync.Mutex
	asked := map[string]int{}
	budgetFor := func(host string) retry.Budget {
		mu.Lock()
		asked[host]++
		mu.Unlock()
		return g.For(host)
	}
	a, _, c := setup(t, steps(retrytest.Status(503), retrytest.Status(200)), retryhttp.Budget(budgetFor))
	b := retrytest.NewServer()
	defer b.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, u := range []string{a.URL, b.URL, a.URL} {
				resp, err := c.Get(u)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	hostA, hostB := a.Listener.Addr().String(), b.Listener.Addr().String()
	if asked[hostA] != 16 || asked[hostB] != 8 || len(asked) != 2 {
		t.Errorf("budgetFor asked %v; want %s 16 times and %s 8 times", asked, hostA, hostB)
	}
	if g.Len() != 2 {
		t.Errorf("the group holds %d budgets, want one per host", g.Len())
	}
	if st := g.Get(hostA).Stats(); st.Requests != 16 || st.Retries != 1 {
		t.Errorf("host A's budget saw %d requests and %d retries; want 16 and 1", st.Requests, st.Retries)
	}
}

// With no Budget option a client has a budget per host: against a host that
// is down, 16 concurrent callers make about one attempt per request once the
// first failed retries have closed the budget, instead of four; a healthy
// host on the same client keeps its retries.
func TestDefaultBudget(t *testing.T) {
	down := retrytest.NewServer(retrytest.Status(503))
	defer down.Close()
	flaky := retrytest.NewServer(retrytest.Status(503), retrytest.Respond(200, "ok"))
	defer flaky.Close()
	client := retryhttp.NewClient(retryhttp.BaseDelay(0), retryhttp.Logger(nil))
	defer client.CloseIdleConnections()
	const callers, each = 16, 25
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range each {
				resp, err := client.Get(down.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	requests := callers * each
	if perRequest := float64(len(down.Requests())) / float64(requests); perRequest > 1.25 {
		t.Errorf("%.2f attempts per request against a down host, want at most 1.25 (naive: 4)", perRequest)
	}
	resp, err := client.Get(flaky.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || retryhttp.ResultOf(resp).Attempts != 2 {
		t.Errorf("another host: %s after %d attempts, want 200 after 2: budgets are per host", resp.Status, retryhttp.ResultOf(resp).Attempts)
	}
	g := client.Transport.(*retryhttp.Transport).Budgets()
	if g == nil || g.Len() != 2 {
		t.Fatalf("Budgets() = %v, want the group holding both hosts' budgets", g)
	}
	if st := g.Get(down.Listener.Addr().String()).Stats(); st.Requests != int64(requests) || st.Denied == 0 {
		t.Errorf("the down host's budget: %+v; want %d requests and some denied retries", st, requests)
	}
	if rt := retryhttp.NewTransport(nil, retryhttp.Budget(nil)); rt.Budgets() != nil {
		t.Errorf("Budgets() with Budget(nil) = %v, want nil", rt.Budgets())
	}
}

// Budget(nil) turns budgets off.
func TestBudgetOff(t *testing.T) {
	srv, _, c := setup(t, steps(retrytest.Status(503)), retryhttp.Budget(nil))
	resp, err := get(t, c, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

// A fresh default client gives a host with no sign of trouble every retry
// the request asks for, even when every answer is a 503: MaxRetries(5)
// makes 6 attempts, and 3 concurrent first requests with the default 3
// retries make 12. Once the host has used up its budget's Burst, a refused
// retry writes one log record that names the host and says why.
func TestBudgetHealthyHostGetsItsRetries(t *testing.T) {
	srv := retrytest.NewServer(retrytest.Status(503))
	defer srv.Close()
	var logs bytes.Buffer
	client := retryhttp.NewClient(retryhttp.BaseDelay(0),
		retryhttp.Logger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	defer client.CloseIdleConnections()
	do := func(opts ...retryhttp.Option) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := client.Do(retryhttp.WithRetry(req, opts...))
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	do(retryhttp.MaxRetries(5))
	if n := len(srv.Requests()); n != 6 {
		t.Errorf("MaxRetries(5) against a 503: %d attempts, want 6", n)
	}
	other := retrytest.NewServer(retrytest.Status(503))
	defer other.Close()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			resp, err := client.Get(other.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	if n := len(other.Requests()); n != 12 {
		t.Errorf("3 concurrent first requests against a 503: %d attempts, want 12", n)
	}
	if strings.Contains(logs.String(), "throttling") {
		t.Fatalf("a refusal logged while the budget had room:\n%s", logs.String())
	}
	for range 20 { // 5 + 20 x 5 overloaded retries wanted; the Burst holds 25
		do(retryhttp.MaxRetries(5))
	}
	host := srv.Listener.Addr().String()
	if n := strings.Count(logs.String(), "retry budget for "+host+" is throttling retries: "); n != 1 {
		t.Errorf("%d throttling records, want 1:\n%s", n, logs.String())
	}
}

// When GetBody fails, the retry the budget granted is given back and never
// announced: no retry event and no log line for a retry that is not made.
func TestGetBodyErrorAnnouncesNoRetry(t *testing.T) {
	b := &fakeBudget{left: 5}
	var events []retry.Event
	var log bytes.Buffer
	srv, _, c := setup(t, steps(retrytest.Respond(503, "busy")),
		retryhttp.Budget(func(string) retry.Budget { return b }),
		retryhttp.Logger(slog.New(slog.NewTextHandler(&log, nil))),
		retryhttp.Notify(func(e retry.Event) { events = append(events, e) }))
	errGone := errors.New("body gone")
	req := newRequest(t, "PUT", srv.URL, "x")
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	for _, e := range events {
		if e.Kind == retry.EventRetry {
			t.Errorf("event %v: a retry announced that is not made", e.Kind)
		}
	}
	if log.Len() != 0 {
		t.Errorf("logged %q, want no retry line", log.String())
	}
	if b.left != 5 || b.cancels != 1 {
		t.Errorf("budget left %d after %d cancels, want 5 after 1: the grant given back", b.left, b.cancels)
	}
}
