package retryhttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
)

// A client with an adaptive concurrency limit per host: attempts beyond
// what the host has shown it can take are refused at once with an error
// matching limit.ErrLimited, and not retried.
func ExampleLimit() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	var limits limit.Group // one Limiter per host, default options
	client := retryhttp.NewClient(retryhttp.Limit(limits.Get), retryhttp.AttemptTimeout(time.Second))
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	limits.Range(func(host string, l *limit.Limiter) bool {
		st := l.Stats()
		fmt.Println(resp.Status, "limit:", st.Limit, "in flight:", st.InFlight, "rejected:", st.Rejected)
		return true
	})
	// Output: 200 OK limit: 20 in flight: 0 rejected: 0
}
