package nopapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/nop-platform/retry/retrytest"
)

const (
	assetsRoute = "GET /api/v1/assets/"
	loginRoute  = "POST /api/v1/auth/login"
	statsRoute  = "GET /api/v1/dashboard/stats"
)

// newClient returns a client of f with the test token, tiny delays and no
// logging; opts come last.
func newClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	c, err := New(url, append([]Option{Token(testToken), Retry(
		retryhttp.BaseDelay(time.Millisecond), retryhttp.MaxDelay(5*time.Millisecond), retryhttp.Logger(nil),
	)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadsAreRetried(t *testing.T) {
	tests := []struct {
		name   string
		faults []fault
	}{
		{"503", []fault{unavailable, unavailable}},
		{"dropped connection", []fault{hangup, hangup}},
		{"500 then 408", []fault{{status: 500}, {status: 408}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, 10)
			f.add(statsRoute, tt.faults...)
			s, err := newClient(t, f.URL).DashboardStats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s.TotalAssets != 10 || s.OnlineAssets+s.OfflineAssets != 10 {
				t.Fatalf("got %+v", s)
			}
			if got := f.count(statsRoute); got < len(tt.faults)+1 {
				t.Fatalf("server saw %d requests; want at least %d", got, len(tt.faults)+1)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFakeAPI(t, 10)
	f.add(assetsRoute, fault{status: http.StatusTooManyRequests, header: []string{"Retry-After", "1"}})
	c := newClient(t, f.URL, Retry(retryhttp.MaxDelay(3*time.Second)))
	start := time.Now()
	p, err := c.ListAssets(context.Background(), 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 2500*time.Millisecond {
		t.Fatalf("took %v; want about the 1s of Retry-After", d)
	}
	if len(p.Items) != 5 || f.count(assetsRoute) != 2 {
		t.Fatalf("got %d items after %d requests", len(p.Items), f.count(assetsRoute))
	}
}

func TestSlowResponseIsRetried(t *testing.T) {
	f := newFakeAPI(t, 10)
	f.add(statsRoute, fault{delay: 5 * time.Second})
	c := newClient(t, f.URL, Retry(retryhttp.AttemptTimeout(100*time.Millisecond)))
	start := time.Now()
	if _, err := c.DashboardStats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second || f.count(statsRoute) != 2 {
		t.Fatalf("took %v and %d requests; want a quick second attempt", d, f.count(statsRoute))
	}
}

func TestGivesUpWithAnAPIError(t *testing.T) {
	f := newFakeAPI(t, 10)
	f.add(statsRoute, unavailable, unavailable, unavailable, unavailable, unavailable)
	_, err := newClient(t, f.URL).DashboardStats(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Detail != "Service Unavailable" || ae.Attempts != 4 {
		t.Fatalf("got %#v; want a 503 *APIError after 4 attempts", err)
	}
	if !ae.Retryable() || f.count(statsRoute) != 4 {
		t.Fatalf("retryable %v, %d requests", ae.Retryable(), f.count(statsRoute))
	}
	want := "nopapi: GET /api/v1/dashboard/stats: 503 Service Unavailable: Service Unavailable (after 4 attempts)"
	if err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
}

func TestLoginIsNotRetriedOnceSent(t *testing.T) {
	for _, ft := range []fault{unavailable, hangup, {status: 429, header: []string{"Retry-After", "0"}}} {
		f := newFakeAPI(t, 10)
		f.add(loginRoute, ft)
		c := newClient(t, f.URL, Token(""))
		if _, err := c.Login(context.Background(), testUser, testPassword); err == nil {
			t.Fatalf("%+v: login succeeded", ft)
		}
		if n := f.count(loginRoute); n != 1 {
			t.Fatalf("%+v: server saw %d logins; want 1", ft, n)
		}
		if c.Token() != "" {
			t.Fatalf("%+v: token set to %q", ft, c.Token())
		}
	}
}

func TestLoginIsNotRepeatableEvenWhenAsked(t *testing.T) {
	f := newFakeAPI(t, 10)
	f.add(loginRoute, unavailable)
	c := newClient(t, f.URL, Retry(retryhttp.Idempotent(true)))
	ctx := WithRetry(context.Background(), retryhttp.Idempotent(true))
	_, err := c.Login(ctx, testUser, testPassword)
	if ae := (*APIError)(nil); !errors.As(err, &ae) || ae.StatusCode != 503 || f.count(loginRoute) != 1 {
		t.Fatalf("got %v after %d logins; want a 503 after 1", err, f.count(loginRoute))
	}
}

// A login that never reached the server (the dial failed) is safe to retry.
func TestLoginIsRetriedWhenNeverSent(t *testing.T) {
	c := newClient(t, retrytest.RefusedURL())
	_, err := c.Login(context.Background(), testUser, testPassword)
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 4 {
		t.Fatalf("got %v; want a *retry.Error after 4 attempts", err)
	}
}

func TestLogin(t *testing.T) {
	f := newFakeAPI(t, 10)
	var hooked int
	c := newClient(t, f.URL, Token(""), OnUnauthorized(func(string, string) { hooked++ }))
	_, err := c.Login(context.Background(), testUser, "wrong")
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "Incorrect username or password") {
		t.Fatalf("wrong password: got %v", err)
	}
	tok, err := c.Login(context.Background(), testUser, testPassword)
	if err != nil || tok != testToken || c.Token() != testToken {
		t.Fatalf("got %q, %v", tok, err)
	}
	if _, err := c.DashboardStats(context.Background()); err != nil {
		t.Fatalf("with the token: %v", err)
	}
	if hooked != 0 {
		t.Fatalf("OnUnauthorized called %d times for a login", hooked)
	}
}

func TestUnauthorizedCallsTheHook(t *testing.T) {
	f := newFakeAPI(t, 10)
	type hit struct{ method, path string }
	var hooked []hit
	var c *Client
	c = newClient(t, f.URL+"/", Token("expired"), OnUnauthorized(func(method, path string) {
		hooked = append(hooked, hit{method, path})
		c.SetToken("") // as an app that sends the user to its login page
	}))
	_, err := c.DashboardStats(context.Background())
	var ae *APIError
	if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &ae) || ae.Detail != "Not authenticated" {
		t.Fatalf("got %v; want an *APIError matching ErrUnauthorized", err)
	}
	if len(hooked) != 1 || hooked[0] != (hit{"GET", "/api/v1/dashboard/stats"}) || c.Token() != "" {
		t.Fatalf("hook calls %v, token %q", hooked, c.Token())
	}
	if f.count(statsRoute) != 1 {
		t.Fatalf("a 401 was retried: %d requests", f.count(statsRoute))
	}
}

func TestPaging(t *testing.T) {
	f := newFakeAPI(t, 250)
	c := newClient(t, f.URL)
	p, err := c.ListAssets(context.Background(), 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 50 || p.Total != 250 || p.Pages != 3 || p.Page != 3 || p.Items[0].ID != "201" {
		t.Fatalf("page 3: %d items, %+v", len(p.Items), *p)
	}

	f.add(assetsRoute, fault{}, unavailable) // the second page fails once
	var ids []string
	for a, err := range c.AllAssets(context.Background(), 100) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if len(ids) != 250 || ids[0] != "1" || ids[249] != "250" {
		t.Fatalf("got %d assets", len(ids))
	}
	if n := f.count(assetsRoute); n != 1+4 {
		t.Fatalf("%d requests; want 1 + 3 pages + 1 retry", n)
	}
	for _, bad := range [][2]int{{0, 10}, {1, 0}} {
		if _, err := c.ListAssets(context.Background(), bad[0], bad[1]); err == nil {
			t.Fatalf("ListAssets%v: no error", bad)
		}
	}
	if n := f.count(assetsRoute); n != 5 {
		t.Fatalf("bad arguments were sent")
	}
}

func TestAllAssetsStopsOnError(t *testing.T) {
	f := newFakeAPI(t, 30)
	f.add(assetsRoute, fault{}, fault{status: 400})
	var n int
	var last error
	for _, err := range newClient(t, f.URL).AllAssets(context.Background(), 10) {
		n++
		last = err
	}
	var ae *APIError
	if n != 11 || !errors.As(last, &ae) || ae.StatusCode != 400 {
		t.Fatalf("got %d values, last %v; want 10 assets then the 400", n, last)
	}
}

func TestPerRequestOverrides(t *testing.T) {
	five := []fault{unavailable, unavailable, unavailable, unavailable, unavailable}

	// More retries than the default, with the client's retry budget off so
	// that the test does not depend on the budget's state.
	f := newFakeAPI(t, 10)
	f.add(statsRoute, five...)
	ctx := WithRetry(context.Background(), retryhttp.MaxRetries(5))
	if _, err := newClient(t, f.URL, Retry(retryhttp.Budget(nil))).DashboardStats(ctx); err != nil || f.count(statsRoute) != 6 {
		t.Fatalf("MaxRetries(5): %v after %d requests; want success after 6", err, f.count(statsRoute))
	}
	f = newFakeAPI(t, 10)
	f.add(statsRoute, five...)
	// With the default budget too: a host with no sign of trouble gets
	// every retry asked for (issue 14; the issue 5 budget stopped after 4).
	_, err := newClient(t, f.URL).DashboardStats(ctx)
	if err != nil || f.count(statsRoute) != 6 {
		t.Fatalf("MaxRetries(5) with the default budget: %v after %d requests; want success after 6",
			err, f.count(statsRoute))
	}

	f = newFakeAPI(t, 10)
	f.add(statsRoute, five...)
	ctx = WithRetry(context.Background(), retryhttp.MaxRetries(0))
	if _, err := newClient(t, f.URL).DashboardStats(ctx); err == nil || f.count(statsRoute) != 1 {
		t.Fatalf("MaxRetries(0): %v after %d requests; want a 503 after 1", err, f.count(statsRoute))
	}

	// The specification's custom retryCondition: retry only 503.
	f = newFakeAPI(t, 10)
	f.add(statsRoute, fault{status: 500})
	ctx = WithRetry(context.Background(), retryhttp.Statuses(503))
	_, err = newClient(t, f.URL).DashboardStats(ctx)
	if ae := (*APIError)(nil); !errors.As(err, &ae) || ae.StatusCode != 500 || f.count(statsRoute) != 1 {
		t.Fatalf("Statuses(503): %v after %d requests; want a 500 after 1", err, f.count(statsRoute))
	}

	if _, err := newClient(t, f.URL).DashboardStats(WithRetry(context.Background(), retryhttp.Logger(nil))); !errors.Is(err, retry.ErrInvalidOption) {
		t.Fatalf("a transport option per request: got %v; want retry.ErrInvalidOption", err)
	}
}

func TestAccess(t *testing.T) {
	f := newFakeAPI(t, 10)
	c := newClient(t, f.URL)
	all, err := c.ListAccess(context.Background())
	if err != nil || len(all) != 2 || all[0].Protocol != "ssh" {
		t.Fatalf("got %+v, %v", all, err)
	}
	a, err := c.GetAccess(context.Background(), "a2")
	if err != nil || a.Port != 161 {
		t.Fatalf("got %+v, %v", a, err)
	}
	_, err = c.GetAccess(context.Background(), "nope")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) || f.count("GET /api/v1/access/nope") != 1 {
		t.Fatalf("got %v after %d requests; want ErrNotFound, not retried", err, f.count("GET /api/v1/access/nope"))
	}
	for _, id := range []string{"", "..", "a/b", "a?b", "a b"} {
		if _, err := c.GetAccess(context.Background(), id); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("GetAccess(%q): %v", id, err)
		}
	}
}

func TestErrorsKeepCauses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/dashboard/stats" {
			w.Write([]byte(`{"total_assets": "many"}`))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(strings.Repeat("stack trace line\n", 100)))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)

	_, err := c.DashboardStats(context.Background())
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "decoding the response") {
		t.Fatalf("got %v; want a JSON type error", err)
	}

	_, err = c.ListAccess(WithRetry(context.Background(), retryhttp.MaxRetries(0)))
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || len(ae.Body) != 512 || ae.Detail != "" {
		t.Fatalf("got %v; want a 500 with a 512-byte body snippet", err)
	}

	_, err = newClient(t, retrytest.RefusedURL(), Retry(retryhttp.MaxRetries(1))).ListAccess(context.Background())
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 2 {
		t.Fatalf("got %v; want a *retry.Error after 2 attempts", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, u := range []string{"", "nop.example.com", "ftp://x", "http://", "://"} {
		if _, err := New(u); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	if _, err := New("http://x", OnUnauthorized(nil)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("OnUnauthorized(nil): %v", err)
	}
	if _, err := New("http://x", Option{}); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("zero Option: %v", err)
	}
	if _, err := New("http://x", Retry(retryhttp.MaxRetries(-1))); !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("MaxRetries(-1): %v", err)
	}
}

func TestBasePath(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.RequestURI()
		w.Write([]byte(`{"items": [], "pages": 0}`))
	}))
	defer srv.Close()
	if _, err := newClient(t, srv.URL+"/nop/").ListAssets(context.Background(), 2, 100); err != nil {
		t.Fatal(err)
	}
	if got != "/nop/api/v1/assets/?page=2&size=100" {
		t.Fatalf("request to %s", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFakeAPI(t, 50)
	c := newClient(t, f.URL)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := c.ListAssets(context.Background(), 1+i%3, 20); err != nil {
					t.Error(err)
					return
				}
				c.SetToken(testToken)
			}
		})
	}
	wg.Wait()
}
