package bench

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/nop-platform/retry/retryhttp"
)

var tables = flag.Bool("tables", false, "print the failure tables (also BENCH_TABLES=1)")

// Sizes of the table runs: small enough that all tables run in seconds
// (waits are 1ms, 2ms and 4ms), large enough for a stable percentage.
const (
	outageRequests    = 50
	transientRequests = 1000
	transientRate     = 0.3
	transientSeed     = 9
	connRequests      = 20
)

// TestTables prints, for every HTTP peer with the same policy (3 retries,
// waits of 1ms, 2ms and 4ms, no jitter): attempts per request in a full
// outage (every attempt 503, or every dial refused); success rate and attempts
// per request under 30% independent transient 503s (seeded, server side, so
// every library meets the same faults); and TCP connections the server
// accepted for 20 sequential requests that each fail twice, and for 20
// requests in an outage. It runs only with -tables or BENCH_TABLES=1:
//
//	BENCH_TABLES=1 go test -run Tables -v github.com/nop-platform/retry/bench
//	go test -run Tables -v github.com/nop-platform/retry/bench -args -tables
//
// needTables skips t, saying why, unless the long table runs were asked
// for with -tables or BENCH_TABLES=1: they take minutes, and print tables
// rather than check targets.
func needTables(t *testing.T) {
	t.Helper()
	if !*tables && os.Getenv("BENCH_TABLES") != "1" {
		t.Skip("tables run only with -tables or BENCH_TABLES=1")
	}
}

func TestTables(t *testing.T) {
	needTables(t)
	p := Tables
	var b strings.Builder
	fmt.Fprintf(&b, "\nPolicy: %d retries, waits %v doubling to %v, no jitter; each client on its own connection pool.\n\n",
		p.Retries(), p.Delay, p.MaxDelay)
	fmt.Fprintf(&b, "| library | outage 503: attempts/req | outage refused: attempts/req | 30%% transient: success | 30%% transient: attempts/req | conns, %d req failing twice | conns, %d req in outage |\n",
		connRequests, connRequests)
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range tableClients(p, nil) {
		name := c.Name
		client := func() HTTPClient { return clientNamed(tableClients(p, newTransport(t)), name) } // a fresh pool

		s := newServer(t, failAlways)
		runRequests(t, client(), s, outageRequests)
		outage := float64(s.attempts.Load()) / outageRequests

		tr := newTransport(t)
		refusedClient := clientNamed(tableClients(p, tr), name)
		url := refusedURL(t)
		for range outageRequests {
			_, _ = get(t, refusedClient, url)
		}
		refused := float64(tr.n.Load()) / outageRequests

		s = newServer(t, failRandom(transientRate, transientSeed))
		ok := runRequests(t, client(), s, transientRequests)
		success := 100 * float64(ok) / transientRequests
		transient := float64(s.attempts.Load()) / transientRequests

		s = newServer(t, failTwice)
		runRequests(t, client(), s, connRequests)
		connsTwice := s.conns.Load()

		s = newServer(t, failAlways)
		runRequests(t, client(), s, connRequests)
		connsOutage := s.conns.Load()

		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f%% | %.2f | %d | %d |\n",
			name, outage, refused, success, transient, connsTwice, connsOutage)
	}
	fmt.Fprintf(&b, "\nNaive retry with 3 retries under %.0f%% failures: success 1-%.1f^4 = %.2f%%.\n",
		100*transientRate, transientRate, 100*(1-transientRate*transientRate*transientRate*transientRate))
	b.WriteString("nop has its retry budget on by default; nop-nobudget is the same client with retryhttp.Budget(nil).\n")
	b.WriteString("avast, cenkalti and sethvargo have no HTTP integration: they wrap a plain http.Client\n" +
		"(bench/httpclients.go) that drains and closes every discarded response.\n")
	fmt.Print(b.String())
}

// tableClients is allHTTP with, after nop, our client with its retry budget
// off: naive retry through our transport.
func tableClients(p Policy, base http.RoundTripper) []HTTPClient {
	cs := allHTTP(p, base)
	return append(cs[:2:2], append([]HTTPClient{nopHTTPClient("nop-nobudget", p, base, retryhttp.Budget(nil))}, cs[2:]...)...)
}

// runRequests sends n sequential requests with ids 1..n through c to s and
// returns how many ended with a 200.
func runRequests(t *testing.T, c HTTPClient, s *server, n int) int {
	ok := 0
	for id := 1; id <= n; id++ {
		if code, err := get(t, c, s.url(id)); err == nil && code == 200 {
			ok++
		}
	}
	c.CloseIdleConnections()
	return ok
}

func clientNamed(cs []HTTPClient, name string) HTTPClient {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	panic("no client " + name)
}
