package retryhttp_test

import (
	"errors"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

// fakeBudget allows a fixed number of retries and records what it is told.
type fakeBudget struct {
	mu       sync.Mutex
	left     int
	requests int
	outcomes []string
}

func (b *fakeBudget) Request() { b.mu.Lock(); b.requests++; b.mu.Unlock() }
func (b *fakeBudget) AllowRetry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == 0 {
		return false
	}
	b.left--
	return true
}
func (b *fakeBudget) Outcome(retry, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := "first"
	if retry {
		s = "retry"
	}
	if ok {
		s += " ok"
	} else {
		s += " failed"
	}
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
	if want := []string{"first failed", "retry failed"}; b.requests != 1 || !reflect.DeepEqual(b.outcomes, want) {
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

func TestBudgetPerHost(t *testing.T) {
	var mu sync.Mutex
	var hosts []string
	newBudget := func(host string) retry.Budget {
		mu.Lock()
		defer mu.Unlock()
		hosts = append(hosts, host)
		return &fakeBudget{left: 100}
	}
	a, _, c := setup(t, steps(retrytest.Status(503), retrytest.Status(200)), retryhttp.Budget(newBudget))
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
	sort.Strings(hosts)
	want := []string{a.Listener.Addr().String(), b.Listener.Addr().String()}
	sort.Strings(want)
	if !reflect.DeepEqual(hosts, want) {
		t.Errorf("budgets made for %q, want one per host %q", hosts, want)
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
