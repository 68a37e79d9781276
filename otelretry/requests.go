package otelretry

import (
	"net/http"

	"github.com/nop-platform/retry/retryhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Values of retry.http.requests' code.
const (
	code1xx = iota
	code2xx
	code3xx
	code4xx
	code5xx
	codeOther // a status outside 100-599
	codeError // no response
	nCodes
)

var codeNames = [nCodes]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other", "error"}

// routeAttrs are the measurement options of one route.
type routeAttrs struct {
	codes [nCodes][]metric.AddOption
}

func newRouteAttrs(name string) *routeAttrs {
	r := new(routeAttrs)
	for i := range r.codes {
		r.codes[i] = addOpt(attribute.String("route", name), attribute.String("code", codeNames[i]))
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
	r := q.t.routes.get(q.rt.NameOf(req))
	resp, err := q.rt.RoundTrip(req)
	q.t.requests.Add(req.Context(), 1, r.codes[codeOf(resp, err)]...)
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped Transport.
func (q *requests) CloseIdleConnections() { q.rt.CloseIdleConnections() }

func codeOf(resp *http.Response, err error) int {
	switch {
	case err != nil || resp == nil:
		return codeError
	case resp.StatusCode < 100 || resp.StatusCode > 599:
		return codeOther
	}
	return resp.StatusCode/100 - 1
}
