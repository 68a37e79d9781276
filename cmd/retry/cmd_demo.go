package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry/promretry"
	"github.com/prometheus/client_golang/prometheus"
)

const demoUsage = `Usage: retry demo [--duration D] [--metrics-addr ADDR] [--redis ADDR] [--otel-stdout]

Starts a flaky HTTP server on 127.0.0.1 and sends it the same steady
traffic through two clients side by side, in four phases:

  healthy     every request succeeds
  transient   30% of requests fail with 503
  outage      every request fails with 503
  recovery    healthy again

"ours" is this module: retryhttp (3 retries, exponential backoff with
jitter) around a circuit breaker, with a retry budget. "naive" is the
usual hand-written loop: 3 immediate retries after a fixed pause. Delays
are scaled down to the demo's length. Breaker changes are shown as they
happen, each phase is summed up as it ends, and a table closes the run.

Flags:
  --duration D          length of the whole demo, at least 200ms (default 8s)
  --metrics-addr ADDR   serve our client's Prometheus metrics at
                        http://ADDR/metrics while the demo runs
  --redis ADDR          run ours as three instances that share one breaker
                        (and one retry budget) through the Redis server at
                        ADDR, such as 127.0.0.1:6379
  --otel-stdout         trace two of our client's requests in each phase
                        with OpenTelemetry and write the spans to stdout,
                        one JSON object a line (the stdout exporter)
  -h, --help            show this help

D is a number of seconds (1.5) or a Go duration (250ms, 1m30s).

The ADDR of --metrics-addr is a host and port to listen on, such as
127.0.0.1:9090 or :9090; port 0 picks a free port. The address of the
endpoint is printed on stderr when the demo starts, and the endpoint
closes when it ends (give a --duration longer than your scrape interval).
The metrics are those of package promretry: attempts, retries and delays
of the operation "inventory", the budget's state, the breaker's state and
transitions, and the requests by status class. With --redis they add up
the three instances, except the breaker's and the budget's state: those
of ours#1.

With --redis, three instances of ours (ours#1, ours#2, ours#3) take turns
sending the requests, each with its own Redis client and redisstore.Store,
as three processes of one service would. Every opening and closing of
their breakers is shown with its origin: "tripped here" or "here" when
that instance's breaker decided it, "shared" when it learnt it from Redis,
so you can watch one instance's trip reach the others. The closing table
adds a row per instance, and how far apart the three breakers opened for
the outage. Keys start with nop:retry:demo:RUN: (RUN differs on every
run) and expire 10 minutes after the demo. If Redis cannot be reached,
the demo says so on stderr and carries on, each instance's breaker
keeping its own state: what redisstore does in production.

With --otel-stdout, each traced request is a span named "retry demo
request" (with the phase as demo.phase) whose children are one client span
per attempt, from package otelretry: http.request.resend_count on
retries, the status or error.type; its events are the retries' waits
(retry.wait), the budget's refusals, the breaker's rejections and the
give-ups. Each attempt sends its span's trace context to the server in a
traceparent header. Spans are written as they end, between the demo's
lines.
`

// demoPhase is one stretch of the demo with a fixed failure rate.
type demoPhase struct {
	name     string
	failRate float64
	about    string
}

var demoPhases = []demoPhase{
	{"healthy", 0, "every request succeeds"},
	{"transient", 0.3, "30% of requests fail with 503"},
	{"outage", 1, "every request fails with 503"},
	{"recovery", 0, "healthy again"},
}

const (
	defaultDemoDuration = 8 * time.Second
	minDemoDuration     = 200 * time.Millisecond
	demoMaxInFlight     = 64 // requests in flight per client, at most
)

// demoTiming scales the demo's delays to its length.
type demoTiming struct {
	phase        time.Duration // length of each phase
	interval     time.Duration // between two requests of a client
	reqTimeout   time.Duration // bound on one request, retries included
	base, max    time.Duration // retry delays
	recovery     time.Duration // breaker's recovery timeout
	window       time.Duration // breaker's failure-rate window
	budgetWindow time.Duration
}

func timingFor(total time.Duration) demoTiming {
	ph := total / time.Duration(len(demoPhases))
	base := min(max(ph/200, time.Millisecond), 50*time.Millisecond)
	return demoTiming{
		phase:        ph,
		interval:     min(5*time.Millisecond, ph/40),
		reqTimeout:   ph,
		base:         base,
		max:          10 * base,
		recovery:     max(ph/20, 10*time.Millisecond),
		window:       max(ph/4, 10*time.Millisecond),
		budgetWindow: max(ph, 10*time.Millisecond),
	}
}

// clientStats are one client's counts in one phase.
type clientStats struct {
	requests, ok, fastFails, budgetDenied, transitions atomic.Int64
	nanos                                              atomic.Int64 // time spent in requests
	skipped                                            atomic.Int64 // ticks with demoMaxInFlight busy
}

// demo is one run of retry demo.
type demo struct {
	timing demoTiming
	start  time.Time
	phase  atomic.Int32
	server *flakyServer
	counts [2][maxPhases]clientStats

	metrics     *promretry.Metrics
	registry    *prometheus.Registry
	metricsAddr string    // --metrics-addr; "" for none
	stderr      io.Writer // where the metrics address is printed

	ours []*ourInstance // one, or demoInstances with --redis

	otelStdout bool         // --otel-stdout
	tracing    *demoTracing // nil without --otel-stdout

	redisAddr string // --redis; "" for none
	redisKeys string // the prefix of the demo's keys in Redis
	redisDown bool   // Redis was unreachable at the start
	originMu  sync.Mutex
	origin    [3]origin // by state: the last change to it made by an instance
	started   atomic.Pointer[time.Time]

	mu  sync.Mutex // serializes output
	out io.Writer
}

func cmdDemo(ctx context.Context, e *env, args []string) error {
	duration := defaultDemoDuration
	var metricsAddr, redisAddr string
	var otelStdout bool
	fs := demoFlags(&duration, &metricsAddr, &redisAddr, &otelStdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return badUsage("unexpected argument %q", fs.Arg(0))
	case duration < minDemoDuration:
		return badUsage("--duration %s: must be at least %s", fmtDur(duration), fmtDur(minDemoDuration))
	}
	if metricsAddr != "" {
		if _, _, err := net.SplitHostPort(metricsAddr); err != nil {
			return badUsage("--metrics-addr %s: %v", metricsAddr, err)
		}
	}
	if redisAddr != "" || visited(fs)["redis"] {
		if err := checkRedisAddr(redisAddr); err != nil {
			return badUsage("--redis %s: %v", redisAddr, err)
		}
	}
	d := &demo{timing: timingFor(duration), out: e.stdout, stderr: e.stderr, metricsAddr: metricsAddr,
		redisAddr: redisAddr, otelStdout: otelStdout}
	if err := d.run(ctx); err != nil {
		return err
	}
	if sig, ok := signalOf(ctx); ok {
		return exitStatus(signalStatus(sig))
	}
	return nil
}

// demoFlags returns the flag set of retry demo.
func demoFlags(duration *time.Duration, metricsAddr, redisAddr *string, otelStdout *bool) *flag.FlagSet {
	fs := newFlagSet("demo")
	fs.Var(delayValue{duration}, "duration", "")
	fs.StringVar(metricsAddr, "metrics-addr", "", "")
	fs.StringVar(redisAddr, "redis", "", "")
	fs.BoolVar(otelStdout, "otel-stdout", false, "")
	return fs
}

// stats returns client c's counts in the current phase.
func (d *demo) stats(c int) *clientStats { return &d.counts[c][d.phase.Load()] }

func (d *demo) printf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.out, format+"\n", args...)
}

func (d *demo) elapsed() string {
	return fmt.Sprintf("%.2fs", d.sinceStart().Seconds())
}

// sinceStart is the time since the phases began, 0 before. Unlike d.start
// it may be read from any goroutine, such as a redisstore's.
func (d *demo) sinceStart() time.Duration {
	if s := d.started.Load(); s != nil {
		return time.Since(*s)
	}
	return 0
}

func (d *demo) run(ctx context.Context) error {
	srv, err := startFlakyServer()
	if err != nil {
		return err
	}
	defer srv.close()
	d.server = srv
	d.registry = prometheus.NewRegistry()
	if d.metrics, err = promretry.New(d.registry); err != nil {
		return err
	}
	if d.metricsAddr != "" {
		stop, err := d.serveMetrics()
		if err != nil {
			return err
		}
		defer stop()
	}
	if d.otelStdout {
		stop, err := d.startTracing()
		if err != nil {
			return err
		}
		defer stop()
	}
	ours, closeOurs, err := d.newOurs(ctx)
	if err != nil {
		return err
	}
	defer closeOurs()
	naive, closeNaive := d.newNaive()
	defer closeNaive()

	t := d.timing
	d.printf("retry demo: a flaky server on %s, %d phases of %s, a request every %s from each client",
		srv.ln.Addr(), len(demoPhases), fmtDur(t.phase), fmtDur(t.interval))
	d.printf("  ours:  retryhttp, 3 retries from %s (max %s, jitter 0.3), breaker (50%% failures over %s,",
		fmtDur(t.base), fmtDur(t.max), fmtDur(t.window))
	d.printf("         probe after %s), retry budget (20%% of requests over %s)", fmtDur(t.recovery), fmtDur(t.budgetWindow))
	if d.redisAddr != "" {
		d.printf("         ×%d instances taking turns, sharing the breaker and budget through Redis", len(d.ours))
		d.printf("         at %s (keys %s*)", d.redisAddr, d.redisKeys)
	}
	d.printf("  naive: 3 retries, a fixed %s pause", fmtDur(t.base))

	d.start = time.Now()
	start := d.start
	d.started.Store(&start)
	end := d.start.Add(t.phase * time.Duration(len(demoPhases)))
	d.server.setPhase(0, demoPhases[0].failRate)
	var wg sync.WaitGroup
	for c, get := range [2]func(context.Context, string) outcome{ours, naive} {
		wg.Go(func() { d.drive(ctx, c, get, end) })
	}
	for i, ph := range demoPhases {
		if i > 0 {
			d.phase.Store(int32(i))
			d.server.setPhase(i, ph.failRate)
		}
		d.printf("\n▶ %7s  phase %d/%d %s: %s", d.elapsed(), i+1, len(demoPhases), ph.name, ph.about)
		if !sleepCtx(ctx, time.Until(d.start.Add(t.phase*time.Duration(i+1)))) {
			break
		}
		for c := range 2 {
			d.printf("  %7s  %s", d.elapsed(), d.summary(c, i))
		}
	}
	wg.Wait()
	closeOurs() // no more changes from Redis after this, and its counts are final
	if ctx.Err() != nil {
		d.printf("\ninterrupted; the counts so far:")
	}
	d.table()
	return nil
}

// drive sends requests from client c at a steady rate until end, each in
// its own goroutine, so that both clients get the same load however long
// their requests take. It waits for them before it returns. The number of
// requests is bounded by the duration, and those in flight by
// demoMaxInFlight: a tick that finds them all busy sends nothing and is
// counted as skipped.
func (d *demo) drive(ctx context.Context, c int, get func(context.Context, string) outcome, end time.Time) {
	url := d.server.url(c)
	sem := make(chan struct{}, demoMaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(d.timing.interval)
	defer tick.Stop()
	for time.Now().Before(end) {
		select {
		case sem <- struct{}{}:
			st := d.stats(c)
			wg.Go(func() {
				defer func() { <-sem }()
				d.request(ctx, st, get, url)
			})
		default:
			d.stats(c).skipped.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// request sends one request and counts it in st.
func (d *demo) request(ctx context.Context, st *clientStats, get func(context.Context, string) outcome, url string) {
	ctx, cancel := context.WithTimeout(ctx, d.timing.reqTimeout)
	defer cancel()
	began := time.Now()
	o := get(ctx, url)
	st.nanos.Add(int64(time.Since(began)))
	st.requests.Add(1)
	if o.ok {
		st.ok.Add(1)
	}
	if o.fastFail {
		st.fastFails.Add(1)
	}
}

// summary is the live line for client c in phase p.
func (d *demo) summary(c, p int) string {
	st := &d.counts[c][p]
	n := st.requests.Load()
	line := fmt.Sprintf("%-5s %4d requests, %s ok, %s attempts/request",
		clientNames[c], n, percent(st.ok.Load(), n), ratio(d.server.serverLoad(c, p), n))
	if c == clientOurs {
		line += fmt.Sprintf(", %d failed fast, %d retries denied", st.fastFails.Load(), st.budgetDenied.Load())
	}
	if n := st.skipped.Load(); n > 0 {
		line += fmt.Sprintf(" (%d not sent: %d in flight)", n, demoMaxInFlight)
	}
	return line
}

// tableRow is one line of the closing table.
type tableRow struct {
	requests, ok, hits, nanos, fast, trans, denied int64
}

func (r *tableRow) add(o tableRow) {
	r.requests += o.requests
	r.ok += o.ok
	r.hits += o.hits
	r.nanos += o.nanos
	r.fast += o.fast
	r.trans += o.trans
	r.denied += o.denied
}

// table writes the closing table.
func (d *demo) table() {
	var b strings.Builder
	const format = "%-10s %-6s %6s %8s %7s %8s %9s %8s %7s\n"
	fmt.Fprintf(&b, "\n"+format, "phase", "client", "reqs", "att/req", "ok", "avg", "fast-fail", "breaker", "denied")
	write := func(phase string, c int, r tableRow) {
		fast, trans, denied := "-", "-", "-"
		if c == clientOurs {
			fast, trans, denied = fmt.Sprint(r.fast), fmt.Sprint(r.trans), fmt.Sprint(r.denied)
		}
		avg := "-"
		if r.requests > 0 {
			avg = fmtDur(time.Duration(r.nanos / r.requests).Round(100 * time.Microsecond))
		}
		fmt.Fprintf(&b, format, phase, clientNames[c], fmt.Sprint(r.requests), ratio(r.hits, r.requests),
			percent(r.ok, r.requests), avg, fast, trans, denied)
	}
	var total [2]tableRow
	for p, ph := range demoPhases {
		for c := range 2 {
			st := &d.counts[c][p]
			r := tableRow{st.requests.Load(), st.ok.Load(), d.server.serverLoad(c, p), st.nanos.Load(),
				st.fastFails.Load(), st.transitions.Load(), st.budgetDenied.Load()}
			total[c].add(r)
			write(firstOnly(ph.name, c), c, r)
		}
	}
	for c := range 2 {
		write(firstOnly("total", c), c, total[c])
	}
	b.WriteString(`
reqs: requests sent; att/req: attempts the server received per request (its
load); ok: 2xx responses; avg: mean time per request, retries included;
fast-fail: rejected by the open breaker without touching the server;
breaker: state changes; denied: retries the retry budget refused.
`)
	const outage = 2
	naive, ours := d.counts[clientNaive][outage].requests.Load(), d.counts[clientOurs][outage].requests.Load()
	if naive > 0 && ours > 0 {
		fmt.Fprintf(&b, "\nIn the outage the naive loop sent the down server %s attempts per request; ours sent %s.\n",
			ratio(d.server.serverLoad(clientNaive, outage), naive), ratio(d.server.serverLoad(clientOurs, outage), ours))
	}
	if d.redisAddr != "" {
		d.fleetTable(&b)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = io.WriteString(d.out, b.String())
}

// firstOnly returns label for the first client's row and "" for the next.
func firstOnly(label string, c int) string {
	if c > 0 {
		return ""
	}
	return label
}

func percent(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

func ratio(n, of int64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(of))
}
