package promretry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/promretry"
	"github.com/nop-platform/retry/retryhttp"
)

// BenchmarkNotify is the cost of recording one event of a known operation.
func BenchmarkNotify(b *testing.B) {
	events := []struct {
		name string
		e    retry.Event
	}{
		{"attempt", retry.Event{Kind: retry.EventAttempt, Name: "GET /api/v1/assets/{id}"}},
		{"retry", retry.Event{Kind: retry.EventRetry, Name: "GET /api/v1/assets/{id}", Delay: 250 * time.Millisecond, Err: errFlaky}},
		{"give-up", retry.Event{Kind: retry.EventGiveUp, Name: "GET /api/v1/assets/{id}", Err: &retry.Error{Attempts: 4}}},
	}
	m, err := promretry.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, ev := range events {
		b.Run(ev.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Notify(ev.e)
			}
		})
	}
	b.Run("attempt-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.Notify(events[0].e)
			}
		})
	})
}

func BenchmarkOnStateChange(b *testing.B) {
	m, _ := promretry.New(nil)
	b.ReportAllocs()
	for b.Loop() {
		m.OnStateChange("payments", breaker.Closed, breaker.Open)
	}
}

// BenchmarkTransport is the cost of counting a request by route, against
// an in-memory base transport: "bare" is retryhttp alone.
func BenchmarkTransport(b *testing.B) {
	m, _ := promretry.New(nil)
	base := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	for _, routes := range []bool{false, true} {
		var opts []retryhttp.Option
		name := "no-routes"
		if routes {
			opts = append(opts, retryhttp.Route("GET /api/v1/assets/{id}"), retryhttp.Route("/api/"))
			name = "routes"
		}
		rt := retryhttp.NewTransport(base, opts...)
		req, _ := http.NewRequest("GET", "http://h/api/v1/assets/42", nil)
		for _, wrap := range []string{"bare", "counted"} {
			var t http.RoundTripper = rt
			if wrap == "counted" {
				t = m.Transport(rt)
			}
			b.Run(name+"/"+wrap, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					t.RoundTrip(req)
				}
			})
		}
	}
}
