package promretry

import (
	"net/http"

	"github.com/nop-platform/retry/internal/labels"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/prometheus/client_golang/prometheus"
)

// routeMetrics are the series of one route.
type routeMetrics struct {
	codes [labels.NCodes]prometheus.Counter
}

func (m *Metrics) newRoute(name string) *routeMetrics {
	r := new(routeMetrics)
	for i := range r.codes {
		r.codes[i] = m.requests.WithLabelValues(name, labels.CodeNames[i])
	}
	return r
}

// Transport returns a RoundTripper that sends requests through t and
// counts each in retry_http_requests_total by route and result: the class
// of the status that t returned ("2xx" to "5xx"), or "error" when it
// returned no response. The route is t.NameOf(req): the pattern of the
// route that matched, or t's retryhttp.Name. A request is counted once,
// however many attempts it took; give t retryhttp.Notify(m.Notify) as well
// to count attempts and retries:
//
//	t := retryhttp.NewTransport(nil, retryhttp.Name("inventory"), retryhttp.Notify(m.Notify))
//	client := &http.Client{Transport: m.Transport(t)}
//
// The RoundTripper forwards CloseIdleConnections to t. Apart from t's route
// lookup, it allocates nothing once a route has been seen.
func (m *Metrics) Transport(t *retryhttp.Transport) http.RoundTripper {
	return &transport{t: t, m: m}
}

type transport struct {
	t *retryhttp.Transport
	m *Metrics
}

func (rt *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := rt.m.routes.Get(rt.t.NameOf(req))
	resp, err := rt.t.RoundTrip(req)
	r.codes[labels.CodeOf(resp, err)].Inc()
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped Transport.
func (rt *transport) CloseIdleConnections() { rt.t.CloseIdleConnections() }
