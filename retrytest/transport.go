package retrytest

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Transport is an *http.Transport of its own (no connections shared with
// http.DefaultTransport) that counts dials, connections and round trips.
// It is safe for concurrent use.
type Transport struct {
	*http.Transport
	dials, conns, trips atomic.Int64
}

// NewTransport returns a Transport; call CloseIdleConnections when finished.
func NewTransport() *Transport {
	tr := &Transport{}
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr.Transport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			tr.dials.Add(1)
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				tr.conns.Add(1)
			}
			return c, err
		},
		MaxIdleConnsPerHost: 16,
	}
	return tr
}

// RoundTrip counts the request and sends it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.trips.Add(1)
	return t.Transport.RoundTrip(req)
}

// Dials returns the number of connections attempted.
func (t *Transport) Dials() int { return int(t.dials.Load()) }

// Conns returns the number of connections made.
func (t *Transport) Conns() int { return int(t.conns.Load()) }

// RoundTrips returns the number of requests sent.
func (t *Transport) RoundTrips() int { return int(t.trips.Load()) }

// RefusedURL returns the URL of a loopback port where nothing listens, so
// that connecting is refused at once: the port of a listener just closed. It
// panics if it cannot listen, as httptest.NewServer does.
func RefusedURL() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("retrytest: " + err.Error())
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
