package retrytest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nop-platform/retry/retrytest"
)

func do(t *testing.T, c *http.Client, method, url, body string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func TestScript(t *testing.T) {
	srv := retrytest.NewServer(
		retrytest.Status(503, "Retry-After", "2").Times(2),
		retrytest.Respond(201, "made", "Location", "/x/1"),
		retrytest.Status(200))
	defer srv.Close()
	tr := retrytest.NewTransport()
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	type reply struct {
		code         int
		body, header string
	}
	var got []reply
	for i := range 5 {
		resp, body, err := do(t, c, "PUT", srv.URL+"/p?q=1", "body"+string(rune('0'+i)))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, reply{resp.StatusCode, body, resp.Header.Get("Retry-After") + resp.Header.Get("Location")})
	}
	want := []reply{{503, "Service Unavailable\n", "2"}, {503, "Service Unavailable\n", "2"}, {201, "made", "/x/1"}, {200, "OK\n", ""}, {200, "OK\n", ""}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reply %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 5 || reqs[3].Method != "PUT" || reqs[3].URL != "/p?q=1" || string(reqs[3].Body) != "body3" || reqs[3].Conn != 1 {
		t.Errorf("requests %+v", reqs)
	}
	if srv.Conns() != 1 || tr.Conns() != 1 || tr.Dials() != 1 || tr.RoundTrips() != 5 {
		t.Errorf("server conns %d, transport conns %d, dials %d, round trips %d; want 1, 1, 1, 5",
			srv.Conns(), tr.Conns(), tr.Dials(), tr.RoundTrips())
	}
}

func TestFaults(t *testing.T) {
	srv := retrytest.NewServer(retrytest.Hangup(), retrytest.Reset(), retrytest.Status(200).After(50*time.Millisecond))
	defer srv.Close()
	tr := retrytest.NewTransport()
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if _, _, err := do(t, c, "POST", srv.URL, "x"); err == nil {
		t.Error("hangup: no error")
	}
	if _, _, err := do(t, c, "POST", srv.URL, "x"); err == nil {
		t.Error("reset: no error")
	}
	start := time.Now()
	if _, body, err := do(t, c, "POST", srv.URL, "x"); err != nil || body != "OK\n" {
		t.Errorf("slow: %q, %v", body, err)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("slow step answered after %v, want at least 50ms", el)
	}
	if srv.Conns() != 3 {
		t.Errorf("%d connections, want 3: faults close theirs", srv.Conns())
	}
}

// Close does not wait for a slow step.
func TestCloseEndsSlowSteps(t *testing.T) {
	srv := retrytest.NewServer(retrytest.Status(200).After(time.Hour))
	tr := retrytest.NewTransport()
	defer tr.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(srv.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	srv.Close()
	<-errc
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Close took %v", el)
	}
}

func TestRefusedURL(t *testing.T) {
	tr := retrytest.NewTransport()
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Get(retrytest.RefusedURL())
	if !errors.Is(err, syscall.ECONNREFUSED) || tr.Dials() != 1 || tr.Conns() != 0 {
		t.Errorf("err = %v, dials %d, conns %d; want connection refused, 1, 0", err, tr.Dials(), tr.Conns())
	}
}

func ExampleNewServer() {
	srv := retrytest.NewServer(
		retrytest.Status(503, "Retry-After", "1").Times(2),
		retrytest.Respond(200, "ready"))
	defer srv.Close()
	tr := retrytest.NewTransport()
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	for range 3 {
		resp, err := client.Get(srv.URL + "/status")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %q Retry-After=%q\n", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	fmt.Println(len(srv.Requests()), "requests on", srv.Conns(), "connection;", tr.Dials(), "dial")
	// Output:
	// 503 "Service Unavailable\n" Retry-After="1"
	// 503 "Service Unavailable\n" Retry-After="1"
	// 200 "ready" Retry-After=""
	// 3 requests on 1 connection; 1 dial
}
