package otelretry

import (
	"net/http"

	"github.com/nop-platform/retry/internal/labels"
	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// routeAttrs are the measurement options of one route.
type routeAttrs struct {
	codes [labels.NCodes][]metric.AddOption
}

func newRouteAttrs(name string) *routeAttrs {
	r := new(routeAttrs)
	for i := range r.codes {
		r.codes[i] = addOpt(attribute.String("route", name), attribute.String("code", labels.CodeNames[i]))
	}
	return r
}

// Requests returns a RoundTripper that sends requests through rt and
// counts each in retry.http.requests by route and result: the class of the
// status rt returned ("2xx" to "5xx"), or "error" when it returned no
// response. The route is rt.NameOf(req): the pattern of the route that
// matched, or rt's retryhttp.Name. A request is counted once, however many
// attempts it took (give rt retryhttp.Notify(t.Notify) to count attempts).
// It forwards CloseIdleConnections to rt and, apart from rt's route
// lookup, allocates nothing once a route has been seen.
func (t *Telemetry) Requests(rt *retryhttp.Transport) http.RoundTripper {
	return &requests{rt: rt, t: t}
}

type requests struct {
	rt *retryhttp.Transport
	t  *Telemetry
}

func (q *requests) RoundTrip(req *http.Request) (*http.Response, error) {
	r := q.t.routes.Get(q.rt.NameOf(req))
	resp, err := q.rt.RoundTrip(req)
	q.t.requests.Add(req.Context(), 1, r.codes[labels.CodeOf(resp, err)]...)
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped Transport.
func (q *requests) CloseIdleConnections() { q.rt.CloseIdleConnections() }
