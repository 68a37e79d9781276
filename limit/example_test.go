package limit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nop-platform/retry/limit"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	l, err := limit.New(limit.Initial(10))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p, err := l.Acquire(ctx)
	if errors.Is(err, limit.ErrLimited) {
		fmt.Println("refused: too many calls in flight")
		return
	}
	resp, err := http.Get(srv.URL)
	switch {
	case err != nil:
		p.Done(limit.Failed)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		resp.Body.Close()
		p.Done(limit.Overloaded)
	default:
		resp.Body.Close()
		p.Done(limit.OK)
		fmt.Println(resp.Status)
	}
	fmt.Println("limit:", l.Limit(), "in flight:", l.InFlight())
	// Output:
	// 200 OK
	// limit: 10 in flight: 0
}

func ExampleLimiter_AcquireAt() {
	l, _ := limit.New(limit.Initial(1), limit.Min(1), limit.Max(1))
	_, err := l.AcquireAt(timeZero)
	_, err2 := l.AcquireAt(timeZero)
	fmt.Println(err, errors.Is(err2, limit.ErrLimited))
	// Output: <nil> true
}

var timeZero = time.Now()
