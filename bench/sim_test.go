package bench

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/retryhttp"
)

// The failure simulator: the scenarios of issue 5 against the HTTP clients
// with a retry integration, every one with the policy Sim. TestTablesSim
// prints the table, on demand; TestSim* check the simulator itself, quickly,
// on every go test.

// A simConfig sizes the scenarios.
type simConfig struct {
	// (a) outage: a sequential caller meets an outage for outage; attempts
	// per request are counted for the requests started after skip.
	outage, skip time.Duration
	// (a) and (c): callers concurrent callers meet an outage for outage,
	// then transientRate independent failures for after.
	callers int
	after   time.Duration
	// (b) transient: the requests with ids 1 to transientN, by callers
	// callers, each attempt failing with probability transientRate.
	transientN int
	// recovery is measured in buckets of this much, by request start.
	bucket time.Duration
	// (d) overload: a server of workers workers, each request taking
	// service, with a queue of queue; Poisson arrivals at underRate per
	// second for warmFor, then overRate for overFor, then underRate for
	// underFor.
	warmFor             time.Duration
	workers             int
	service             time.Duration
	queue               int
	overRate, underRate float64
	overFor, underFor   time.Duration
	overBucket          time.Duration // buckets in which recovery from overload is judged
}

// lastWindow is the end of the overload run over which goodput after the
// drop is measured: the last 2 s, or the last half of the drop if shorter.
func (cfg simConfig) lastWindow() time.Duration { return min(2*time.Second, cfg.underFor/2) }

var simQueue = flag.Int("simqueue", 0, "queue length of TestTablesSim's overload server, if not the default 150")

// tableConfig is the configuration of TestTablesSim: about 18 s per
// library.
var tableConfig = simConfig{
	outage: 2 * time.Second, skip: time.Second,
	callers: 16, after: 2 * time.Second,
	transientN: 4000,
	bucket:     100 * time.Millisecond,
	workers:    4, service: 20 * time.Millisecond, queue: 150, // capacity 200/s, queue 0.75 s deep
	overRate: 300, underRate: 160, // 0.8x, then 1.5x, then 0.8x
	warmFor: 2 * time.Second, overFor: 3 * time.Second, underFor: 5 * time.Second,
	overBucket: 250 * time.Millisecond,
}

const (
	faultSeed   = 9
	arrivalSeed = 4
	// naiveSuccess is the success rate of 4 attempts under 30% failures.
	naiveSuccess = 1 - transientRate*transientRate*transientRate*transientRate
	// recoveredAt is the success rate that counts as recovered from an
	// outage into 30% failures: within a point of naive retry's 99.19%.
	recoveredAt = naiveSuccess - 0.01
	// overloadRecoveredAt is the success rate that counts as recovered from
	// overload, in every bucket from then on.
	overloadRecoveredAt = 0.95
)

// simClients returns the HTTP clients of the simulator with p, each over a
// fresh connection pool: no retries, ours with its budget (the default) and
// without, and the peers with an HTTP integration.
func simClients(t testing.TB, p Policy) []func() HTTPClient {
	var out []func() HTTPClient
	for _, f := range simClientsFor(t) {
		out = append(out, func() HTTPClient { return f(p) })
	}
	return out
}

// simClientsFor is simClients with the policy given to each maker.
func simClientsFor(t testing.TB) []func(Policy) HTTPClient {
	names := []string{"bare", "nop", "nop-nobudget", "retryablehttp", "failsafe"}
	out := make([]func(Policy) HTTPClient, len(names))
	for i, name := range names {
		out[i] = func(p Policy) HTTPClient {
			base := newPool(t)
			cs := append(HTTPClients(p, base), nopHTTPClient("nop-nobudget", p, base, retryhttp.Budget(nil)))
			return clientNamed(cs, name)
		}
	}
	return out
}

// newPool returns a fresh connection pool that keeps enough idle
// connections for hundreds of concurrent requests (http.DefaultTransport
// keeps 2 per host, which would make every library open and close
// connections all the time under concurrency).
func newPool(t testing.TB) *countingTransport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 1024
	t.Cleanup(tr.CloseIdleConnections)
	return &countingTransport{base: tr}
}

// fault returns whether attempt number attempt of request id fails under
// independent failures of probability p: a hash of both, so that every
// library meets the same faults whatever the order its requests run in.
func fault(p float64, id uint64, attempt int) bool {
	x := faultSeed ^ id*0x9E3779B97F4A7C15 ^ uint64(attempt)*0xD1B54A32D192ED03
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11)/(1<<53) < p
}

// naiveOutcome returns what naive retry with n attempts gets for request id
// under independent failures of probability p: its attempts and whether it
// succeeds.
func naiveOutcome(p float64, id uint64, n int) (attempts int, ok bool) {
	for a := 1; a <= n; a++ {
		if !fault(p, id, a) {
			return a, true
		}
	}
	return n, false
}

func failAll(time.Duration, uint64, int) bool { return true }

func transientFaults(_ time.Duration, id uint64, attempt int) bool {
	return fault(transientRate, id, attempt)
}

// outageThen is an outage until end, then independent failures.
func outageThen(end time.Duration) faultRule {
	return func(at time.Duration, id uint64, attempt int) bool {
		return at < end || fault(transientRate, id, attempt)
	}
}

// simResult is one library's row.
type simResult struct {
	name string
	// (e) a fresh client against a host answering 503: the attempts of one
	// request with 5 retries, and of 3 concurrent first requests with the
	// policy's retries.
	fresh5, fresh3 int
	// (a)
	seqAttempts, concAttempts float64
	seqN, concN               int
	// (b)
	transSuccess, transAttempts float64
	// (c)
	recovery    time.Duration
	recovered   bool
	firstSecond float64 // success of the requests started in the first second after
	// (d)
	goodWarm                  float64 // successes per second before the overload
	goodDuring, goodAfter     float64 // successes per second, by when they ended
	overRecovery              time.Duration
	overRecovered             bool
	loadDuring, loadAfter     float64 // attempts per second arriving at the server
	overServed, overWasted    int64
	overRejected, overOffered int64
	timeline                  string           // goodput per overBucket*2 through the overload run
	took                      [5]time.Duration // per scenario run
}

// outageMargin: attempts per request with concurrent callers count the
// requests started until this long before the outage ends, so that all their
// attempts meet the outage.
const outageMargin = 150 * time.Millisecond

// runSim runs every scenario against the client that newClient makes (a
// fresh one, on a fresh pool, for each scenario) with policy p.
func runSim(t testing.TB, cfg simConfig, p Policy, newClient func(Policy) HTTPClient) simResult {
	var r simResult
	r.name = newClient(p).Name
	for i, scenario := range []func(testing.TB, simConfig, Policy, HTTPClient, *simResult){
		simOutage, simRecovery, simTransient, simOverload,
	} {
		began := time.Now()
		c := newClient(p)
		scenario(t, cfg, p, c, &r)
		c.CloseIdleConnections()
		r.took[i] = time.Since(began)
	}
	began := time.Now()
	simFresh(t, p, newClient, &r)
	r.took[4] = time.Since(began)
	return r
}

// simFresh is (e): fresh clients against a host that answers 503 to every
// attempt: one request with 5 retries (for our client the same as
// retryhttp.WithRetry(req, retryhttp.MaxRetries(5)) on a default client),
// and 3 concurrent first requests with p's retries. A budget that lets a
// host with no sign of trouble have every retry makes 6 and
// 3 x p.Attempts attempts.
func simFresh(t testing.TB, p Policy, newClient func(Policy) HTTPClient, r *simResult) {
	p6 := p
	p6.Attempts = 6
	s := newFaultServer(t, failAll)
	c := newClient(p6)
	together(c, s, 1)
	r.fresh5 = s.attempts()
	c.CloseIdleConnections()
	s.Close()

	s = newFaultServer(t, failAll)
	c = newClient(p)
	together(c, s, 3)
	r.fresh3 = s.attempts()
	c.CloseIdleConnections()
	s.Close()
}

// simOutage is (a) with one caller: back-to-back requests in an outage.
func simOutage(t testing.TB, cfg simConfig, _ Policy, c HTTPClient, r *simResult) {
	s := newFaultServer(t, failAll)
	defer s.Close()
	recs := closedLoop(c, s, 1, cfg.outage)
	r.seqAttempts, r.seqN = attemptsPerRequest(recs, s, cfg.skip, cfg.outage)
}

// simRecovery is (a) with concurrent callers and (c): an outage, then 30%
// failures.
func simRecovery(t testing.TB, cfg simConfig, _ Policy, c HTTPClient, r *simResult) {
	s := newFaultServer(t, outageThen(cfg.outage))
	defer s.Close()
	recs := closedLoop(c, s, cfg.callers, cfg.outage+cfg.after)
	r.concAttempts, r.concN = attemptsPerRequest(recs, s, cfg.skip, cfg.outage-outageMargin)
	r.recovery, r.recovered = firstRecovered(recs, cfg.outage, cfg.outage+cfg.after, cfg.bucket, recoveredAt)
	r.firstSecond, _ = successRate(recs, cfg.outage, cfg.outage+time.Second)
}

// simTransient is (b): 30% transient failures.
func simTransient(t testing.TB, cfg simConfig, _ Policy, c HTTPClient, r *simResult) {
	s := newFaultServer(t, transientFaults)
	defer s.Close()
	recs := fixedCount(c, s, cfg.callers, cfg.transientN)
	r.transSuccess, _ = successRate(recs, 0, time.Hour)
	r.transAttempts, _ = attemptsPerRequest(recs, s, 0, time.Hour)
}

// simOverload is (d): open-loop arrivals at a server of fixed capacity,
// above it and then below.
func simOverload(t testing.TB, cfg simConfig, p Policy, c HTTPClient, r *simResult) {
	s := newCapacityServer(t, cfg.workers, cfg.service, cfg.queue)
	defer s.Close()
	// The load goes on at underRate for a tail as long as a request can
	// last, so that the requests started before the end meet the same load
	// to their last attempt; the tail is not measured, and its requests are
	// cancelled when it ends.
	rise := cfg.warmFor
	drop := rise + cfg.overFor
	end := drop + cfg.underFor
	tail := time.Duration(p.Attempts)*p.AttemptTimeout + time.Duration(p.Retries())*p.maxDelay()
	arrivals := poisson(arrivalSeed, []float64{cfg.underRate, cfg.overRate, cfg.underRate},
		[]time.Duration{cfg.warmFor, cfg.overFor, cfg.underFor + tail})
	recs := openLoop(c, s, arrivals, end+tail)
	r.goodWarm = goodput(recs, 0, rise)
	r.goodDuring = goodput(recs, rise, drop)
	r.goodAfter = goodput(recs, end-cfg.lastWindow(), end)
	r.overRecovery, r.overRecovered = stableRecovered(recs, drop, end, cfg.overBucket, overloadRecoveredAt)
	r.loadDuring = s.arrivedPerSecond(rise, drop)
	r.loadAfter = s.arrivedPerSecond(drop, end)
	r.overServed, r.overWasted, r.overRejected = s.counted("served"), s.counted("wasted"), s.counted("rejected") // tail included
	r.overOffered = int64(countIn(arrivals, 0, end))
	var tl strings.Builder
	for b := time.Duration(0); b < end; b += 2 * cfg.overBucket {
		fmt.Fprintf(&tl, " %.0f", goodput(recs, b, b+2*cfg.overBucket))
	}
	r.timeline = tl.String()
}

// poisson returns the arrival times of a Poisson process at rates[i] per
// second for durations[i], one phase after another, from a seeded generator.
func poisson(seed uint64, rates []float64, durations []time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, seed))
	var out []time.Duration
	var phaseStart, at time.Duration
	for i, rate := range rates {
		end := phaseStart + durations[i]
		for {
			at += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
			if at >= end {
				break
			}
			out = append(out, at)
		}
		phaseStart, at = end, end
	}
	return out
}

// countIn returns how many of times are in [from, to).
func countIn(times []time.Duration, from, to time.Duration) int {
	n := 0
	for _, at := range times {
		if at >= from && at < to {
			n++
		}
	}
	return n
}

// attemptsPerRequest returns the attempts the server saw per request, for
// the requests started in [from, to), and how many there were.
func attemptsPerRequest(recs []record, s *simServer, from, to time.Duration) (float64, int) {
	var n, att int
	for _, r := range recs {
		if r.start >= from && r.start < to {
			n++
			att += s.hitsOf(r.id)
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(att) / float64(n), n
}

// successRate returns the share of the requests started in [from, to) that
// succeeded, and how many there were.
func successRate(recs []record, from, to time.Duration) (float64, int) {
	var n, ok int
	for _, r := range recs {
		if r.start >= from && r.start < to {
			n++
			if r.ok {
				ok++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(ok) / float64(n), n
}

// firstRecovered returns the start, after from, of the first bucket of
// requests (by start time, before to) whose success rate is at least
// threshold; buckets of fewer than 20 requests do not count.
func firstRecovered(recs []record, from, to, bucket time.Duration, threshold float64) (time.Duration, bool) {
	for b := from; b+bucket <= to; b += bucket {
		if rate, n := successRate(recs, b, b+bucket); n >= 20 && rate >= threshold {
			return b - from, true
		}
	}
	return 0, false
}

// stableRecovered returns the start, after from, of the bucket of requests
// (by start time) from which every bucket until to has a success rate of at
// least threshold; false if the last bucket is below it.
func stableRecovered(recs []record, from, to, bucket time.Duration, threshold float64) (time.Duration, bool) {
	since := from
	for b := from; b+bucket <= to; b += bucket {
		if rate, n := successRate(recs, b, b+bucket); n > 0 && rate < threshold {
			since = b + bucket
		}
	}
	if since+bucket > to {
		return 0, false
	}
	return since - from, true
}

// goodput returns the successful requests per second that ended in
// [from, to).
func goodput(recs []record, from, to time.Duration) float64 {
	n := 0
	for _, r := range recs {
		if r.ok && r.end >= from && r.end < to {
			n++
		}
	}
	return float64(n) / (to - from).Seconds()
}

// TestTablesSim prints the failure simulator's table: for no retries, our
// client with and without its retry budget, go-retryablehttp and
// failsafe-go, all with the policy Sim, attempts per request in an outage
// (one caller and 16), success and attempts per request under 30% transient
// failures, recovery after an outage, and goodput through an overload. About
// 90 s; it runs only with -tables or BENCH_TABLES=1:
//
//	BENCH_TABLES=1 go test -run TablesSim -v github.com/nop-platform/retry/bench
func TestTablesSim(t *testing.T) {
	needTables(t)
	cfg := tableConfig
	if *simQueue > 0 {
		cfg.queue = *simQueue
	}
	var rows []simResult
	for _, newClient := range simClientsFor(t) {
		began := time.Now()
		r := runSim(t, cfg, Sim, newClient)
		t.Logf("%s: %.1fs (scenarios: %v); outage: %d and %d requests measured; overload: offered %d, served %d (wasted %d), rejected %d, tail included;\n"+
			"attempts/s at the server %.0f during, %.0f after; goodput per %v:%s",
			r.name, time.Since(began).Seconds(), r.took, r.seqN, r.concN, r.overOffered, r.overServed, r.overWasted, r.overRejected,
			r.loadDuring, r.loadAfter, 2*cfg.overBucket, r.timeline)
		rows = append(rows, r)
	}
	fmt.Print(simTable(cfg, Sim, rows))
	checkTargets(t, cfg, rows)
}

// checkTargets checks issue 14's targets on the table's rows: our client
// gives a fresh host every retry (6 and 12 attempts), costs at most 1.05
// attempts per request in an outage, never less success than naive retry
// under 30% random failures, recovers from the outage within a second, and
// from the overload no later than a client without retries (within one
// bucket).
func checkTargets(t *testing.T, cfg simConfig, rows []simResult) {
	byName := map[string]simResult{}
	for _, r := range rows {
		byName[r.name] = r
	}
	nop, bare, naive := byName["nop"], byName["bare"], byName["nop-nobudget"]
	if nop.fresh5 != 6 || nop.fresh3 != 12 {
		t.Errorf("nop on a fresh host: %d and %d attempts, want 6 and 12", nop.fresh5, nop.fresh3)
	}
	if nop.seqAttempts > 1.05 || nop.concAttempts > 1.05 {
		t.Errorf("nop in an outage: %.3f and %.3f attempts per request, want at most 1.05", nop.seqAttempts, nop.concAttempts)
	}
	if nop.transSuccess < naive.transSuccess {
		t.Errorf("nop under 30%% failures: %.2f%% success, naive retry %.2f%%", 100*nop.transSuccess, 100*naive.transSuccess)
	}
	if !nop.recovered || nop.recovery > time.Second {
		t.Errorf("nop recovered from the outage after %v (%v), want within 1s", nop.recovery, nop.recovered)
	}
	if !nop.overRecovered || bare.overRecovered && nop.overRecovery > bare.overRecovery+cfg.overBucket {
		t.Errorf("nop recovered from the overload after %v (%v), bare after %v (%v)",
			nop.overRecovery, nop.overRecovered, bare.overRecovery, bare.overRecovered)
	}
}

func simTable(cfg simConfig, p Policy, rows []simResult) string {
	var b strings.Builder
	capacity := float64(cfg.workers) / cfg.service.Seconds()
	fmt.Fprintf(&b, "\nPolicy: %d retries, waits %v doubling (to at most %v), no jitter, attempt timeout %v; each client on its own pool.\n\n",
		p.Retries(), p.Delay, p.MaxDelay, p.AttemptTimeout)
	fmt.Fprintf(&b, "| library | fresh, 5 retries vs 503: attempts | fresh, 3 at once vs 503: attempts | outage att/req, 1 caller | outage att/req, %d callers | 30%%: success | 30%%: att/req | recovery to ≥%.2f%% | success, 1st s after | overload goodput, before / during (/s) | goodput, last %v (/s) | recovered after the drop |\n",
		cfg.callers, 100*recoveredAt, cfg.lastWindow())
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		rec := "never"
		if r.recovered {
			rec = fmt.Sprintf("%d ms", r.recovery.Milliseconds())
		}
		over := "no"
		if r.overRecovered {
			over = fmt.Sprintf("%.2f s", r.overRecovery.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f | %.2f%% | %.2f | %s | %.2f%% | %.0f / %.0f | %.0f | %s |\n",
			r.name, r.fresh5, r.fresh3, r.seqAttempts, r.concAttempts, 100*r.transSuccess, r.transAttempts, rec,
			100*r.firstSecond, r.goodWarm, r.goodDuring, r.goodAfter, over)
	}
	fmt.Fprintf(&b, "\nFresh: a new client per case, every attempt 503: one request with 5 retries (want 6), 3 concurrent first requests with %d retries (want %d).\n",
		p.Retries(), 3*p.Attempts)
	fmt.Fprintf(&b, "Outage: every attempt 503; attempts per request of the requests started after %v (1 caller: %v run; %d callers: until %v before the outage ends).\n",
		cfg.skip, cfg.outage, cfg.callers, outageMargin)
	fmt.Fprintf(&b, "30%%: ids 1..%d by %d callers, attempt k of request i fails by a hash of (i, k): the same faults for every library; naive retry: %.2f%%.\n",
		cfg.transientN, cfg.callers, 100*naiveSuccess)
	fmt.Fprintf(&b, "Recovery: %d callers, %v outage then 30%% failures for %v; first %v bucket of requests (by start) with success ≥ %.2f%%.\n",
		cfg.callers, cfg.outage, cfg.after, cfg.bucket, 100*recoveredAt)
	fmt.Fprintf(&b, "Overload: capacity %.0f/s (%d workers × %v), FIFO queue of %d, 503 beyond; Poisson arrivals %.0f/s for %v, %.0f/s for %v, then %.0f/s for %v;\n",
		capacity, cfg.workers, cfg.service, cfg.queue, cfg.underRate, cfg.warmFor, cfg.overRate, cfg.overFor, cfg.underRate, cfg.underFor)
	fmt.Fprintf(&b, "goodput by when requests ended; recovered: from when every %v bucket of requests (by start) succeeds ≥ %.0f%% to the end.\n",
		cfg.overBucket, 100*overloadRecoveredAt)
	arrivals := poisson(arrivalSeed, []float64{cfg.underRate, cfg.overRate, cfg.underRate}, []time.Duration{cfg.warmFor, cfg.overFor, cfg.underFor})
	rise, drop := cfg.warmFor, cfg.warmFor+cfg.overFor
	end, last := drop+cfg.underFor, cfg.lastWindow()
	fmt.Fprintf(&b, "Overload arrivals: %.0f/s before, %.0f/s during, %.0f/s after the drop, %.0f/s in the last %v.\n",
		float64(countIn(arrivals, 0, rise))/max(rise.Seconds(), 1e-9),
		float64(countIn(arrivals, rise, drop))/cfg.overFor.Seconds(),
		float64(countIn(arrivals, drop, end))/cfg.underFor.Seconds(),
		float64(countIn(arrivals, end-last, end))/last.Seconds(), last)
	return b.String()
}
