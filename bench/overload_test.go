package bench

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	"github.com/failsafe-go/failsafe-go/adaptivethrottler"
	"github.com/nop-platform/retry/limit"
	"github.com/nop-platform/retry/retryhttp"
)

// The overload scenario of issue 17: a server of fixed capacity (4 workers
// x 10ms = 400 requests/s, a FIFO queue 200ms deep, the work of a request
// done even after its client left), Poisson arrivals at 0.8, then 1.5, then
// 0.8 times its capacity, every attempt bounded at 30ms. Without a
// concurrency limit every client keeps the queue full of requests whose
// callers have gone, and gets almost nothing; with retryhttp.Limit the
// client keeps what it sends within what the server can serve in time.

// overloadConfig sizes the scenario.
type overloadConfig struct {
	workers int
	service time.Duration
	queue   int
	rates   []float64 // arrivals per second, one phase after another
	phases  []time.Duration
	healthy float64 // arrivals per second of the healthy-host run
	hFor    time.Duration
	bucket  time.Duration // of the plot and of the recovery judgement
}

var overloadFull = overloadConfig{
	workers: 4, service: 10 * time.Millisecond, queue: 80,
	rates:   []float64{320, 600, 320},
	phases:  []time.Duration{3 * time.Second, 4 * time.Second, 4 * time.Second},
	healthy: 200, hFor: 5 * time.Second,
	bucket: 250 * time.Millisecond,
}

// overloadSmall is the shrunk run of every go test: a few seconds.
var overloadSmall = overloadConfig{
	workers: 4, service: 10 * time.Millisecond, queue: 80,
	rates:   []float64{320, 600, 320},
	phases:  []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, time.Second},
	healthy: 200, hFor: time.Second,
	bucket: 250 * time.Millisecond,
}

// Overload is the policy of the scenario: Sim's retries with a 30ms
// attempt timeout.
var Overload = Policy{Attempts: 4, Delay: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
	AttemptTimeout: 30 * time.Millisecond}

var overloadOnly = flag.String("overloadclients", "", "comma-separated clients of TestTablesOverload, if not all")

var overloadTolerance = flag.Float64("overloadtolerance", 0, "limit.Tolerance of nop-limit in TestTablesOverload (0: the default)")

var overloadQueue = flag.String("overloadqueue", "", "limit.Queue of nop-limit in TestTablesOverload, as size:wait (20:5ms); empty: none")

// limitOptions are nop-limit's options, from the flags.
func limitOptions(t testing.TB) []limit.Option {
	var opts []limit.Option
	if *overloadTolerance != 0 {
		opts = append(opts, limit.Tolerance(*overloadTolerance))
	}
	if q := *overloadQueue; q != "" {
		size, wait, ok := strings.Cut(q, ":")
		n, err := strconv.Atoi(size)
		d, err2 := time.ParseDuration(wait)
		if !ok || err != nil || err2 != nil {
			t.Fatalf("-overloadqueue %q: want size:wait, such as 20:5ms", q)
		}
		opts = append(opts, limit.Queue(n, d))
	}
	return opts
}

// overloadClient is a client of the scenario with, for ours with a limit,
// the limiters it made.
type overloadClient struct {
	HTTPClient
	limits *limit.Group
}

// overloadClients returns the clients of the scenario, each on a fresh
// pool: no retries, ours without and with the limit, and the peers,
// failsafe-go also with its adaptive limiter and its adaptive throttler.
func overloadClients(t testing.TB, p Policy, names ...string) []func() overloadClient {
	all := []string{"bare", "nop", "nop-limit", "retryablehttp", "failsafe", "failsafe-limiter", "failsafe-throttler"}
	if len(names) == 0 {
		names = all
	}
	var out []func() overloadClient
	for _, name := range names {
		out = append(out, func() overloadClient {
			base := newPool(t)
			switch name {
			case "nop-limit":
				g, err := limit.NewGroup(limit.DefaultMaxKeys, limitOptions(t)...)
				if err != nil {
					t.Fatal(err)
				}
				return overloadClient{nopHTTPClient(name, p, base, retryhttp.Limit(g.Get)), g}
			case "failsafe-limiter":
				return overloadClient{failsafeHTTPClient(name, p, base, adaptivelimiter.NewWithDefaults[*http.Response]()), nil}
			case "failsafe-throttler":
				return overloadClient{failsafeHTTPClient(name, p, base, adaptivethrottler.NewWithDefaults[*http.Response]()), nil}
			}
			return overloadClient{clientNamed(HTTPClients(p, base), name), nil}
		})
	}
	return out
}

// overloadResult is one client's row.
type overloadResult struct {
	name                    string
	during, after           float64 // goodput, /s: in the 1.5x phase; in the last 2s (or half) of the drop
	recovery                time.Duration
	recovered               bool
	served, wasted, refused int64 // at the server; refused: 503 for a full queue
	limited                 uint64
	perSecond               []float64 // goodput per second
	goodput                 []float64 // per bucket/2, for the plot
	limits                  []float64 // per bucket/2: the limit, for nop-limit
	// healthy host
	hOK, hN    int
	hP50, hP99 time.Duration
	hLimited   uint64
}

func (cfg overloadConfig) total() time.Duration {
	var d time.Duration
	for _, p := range cfg.phases {
		d += p
	}
	return d
}

// runOverload runs the overload and the healthy host for one client.
func runOverload(t testing.TB, cfg overloadConfig, p Policy, newClient func() overloadClient) overloadResult {
	c := newClient()
	r := overloadResult{name: c.Name}
	s := newCapacityServer(t, cfg.workers, cfg.service, cfg.queue)
	defer s.Close()
	drop, end := cfg.phases[0]+cfg.phases[1], cfg.total()
	const tail = 500 * time.Millisecond // longer than any request here; not measured
	durs := slices.Clone(cfg.phases)
	durs[len(durs)-1] += tail
	arrivals := poisson(arrivalSeed, cfg.rates, durs)
	step := cfg.bucket / 2
	stop := sampleLimits(c.limits, step, end, &r.limits)
	recs := openLoop(c.HTTPClient, s, arrivals, end+tail)
	stop()
	c.CloseIdleConnections()
	r.during = goodput(recs, cfg.phases[0], drop)
	last := min(2*time.Second, cfg.phases[2]/2)
	r.after = goodput(recs, end-last, end)
	r.recovery, r.recovered = stableRecovered(recs, drop, end, cfg.bucket, overloadRecoveredAt)
	r.served, r.wasted, r.refused = s.counted("served"), s.counted("wasted"), s.counted("rejected")
	r.limited = limitedCount(c.limits)
	for b := time.Duration(0); b < end; b += time.Second {
		r.perSecond = append(r.perSecond, goodput(recs, b, b+time.Second))
	}
	for b := time.Duration(0); b < end; b += step {
		r.goodput = append(r.goodput, goodput(recs, b, b+step))
	}

	// The healthy host: half the capacity, no faults, a fresh client.
	c = newClient()
	hs := newCapacityServer(t, cfg.workers, cfg.service, cfg.queue)
	defer hs.Close()
	harr := poisson(arrivalSeed+1, []float64{cfg.healthy}, []time.Duration{cfg.hFor})
	hrecs := openLoop(c.HTTPClient, hs, harr, cfg.hFor+tail)
	c.CloseIdleConnections()
	var lat []time.Duration
	for _, rec := range hrecs {
		if rec.ok {
			lat = append(lat, rec.end-rec.start)
		}
	}
	r.hN, r.hOK = len(hrecs), len(lat)
	r.hP50, r.hP99 = quantile(lat, 0.5), quantile(lat, 0.99)
	r.hLimited = limitedCount(c.limits)
	return r
}

func quantile(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// limitedCount returns the attempts g's limiters refused.
func limitedCount(g *limit.Group) uint64 {
	var n uint64
	if g != nil {
		g.Range(func(_ string, l *limit.Limiter) bool { n += l.Stats().Rejected; return true })
	}
	return n
}

// sampleLimits records, every step until end, the highest limit of g's
// limiters (there is one host), into out; stop waits for the sampler.
func sampleLimits(g *limit.Group, step, end time.Duration, out *[]float64) (stop func()) {
	if g == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		tk := time.NewTicker(step)
		defer tk.Stop()
		for time.Since(start) < end {
			select {
			case <-done:
				return
			case <-tk.C:
			}
			v := float64(limit.DefaultInitial)
			g.Range(func(_ string, l *limit.Limiter) bool { v = float64(l.Limit()); return true })
			*out = append(*out, v)
		}
	})
	return func() { close(done); wg.Wait() }
}

// TestTablesOverload prints the table and the timeline of the overload
// scenario and writes results/overload.svg. About 2 minutes; it runs only
// with -tables or BENCH_TABLES=1:
//
//	BENCH_TABLES=1 go test -run TablesOverload -v github.com/nop-platform/retry/bench
func TestTablesOverload(t *testing.T) {
	needTables(t)
	cfg := overloadFull
	var rows []overloadResult
	var names []string
	if *overloadOnly != "" {
		names = strings.Split(*overloadOnly, ",")
	}
	for _, nc := range overloadClients(t, Overload, names...) {
		began := time.Now()
		r := runOverload(t, cfg, Overload, nc)
		t.Logf("%s: %.1fs; served %d (wasted %d), 503 for a full queue %d, refused by the limit %d",
			r.name, time.Since(began).Seconds(), r.served, r.wasted, r.refused, r.limited)
		rows = append(rows, r)
	}
	fmt.Print(overloadTable(cfg, Overload, rows))
	var lim, base overloadResult
	for _, r := range rows {
		switch r.name {
		case "nop-limit":
			lim = r
		case "nop":
			base = r
		}
	}
	if lim.name != "" && base.name != "" {
		if err := os.WriteFile("results/overload.svg", []byte(overloadSVG(cfg, lim, base)), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// TestOverloadSmall is the scenario shrunk to a few seconds, for every go
// test: with the limit, our client keeps most of the server's capacity
// useful during the overload, where without it almost nothing succeeds;
// and on the healthy host the limit refuses nothing.
func TestOverloadSmall(t *testing.T) {
	cfg := overloadSmall
	rows := map[string]overloadResult{}
	for _, nc := range overloadClients(t, Overload, "nop", "nop-limit") {
		r := runOverload(t, cfg, Overload, nc)
		t.Logf("%s: goodput during %.0f/s, last %.0f/s; healthy p99 %v; refused by the limit %d, on the healthy host %d; per second:%s; limit per %v:%s",
			r.name, r.during, r.after, r.hP99, r.limited, r.hLimited, fmtFloats(r.perSecond), cfg.bucket/2, fmtFloats(r.limits))
		rows[r.name] = r
	}
	lim, base := rows["nop-limit"], rows["nop"]
	if lim.during < 2*base.during || lim.during < 100 {
		t.Errorf("goodput during the overload: %.0f/s with the limit, %.0f/s without; want at least twice and 100/s", lim.during, base.during)
	}
	if lim.hLimited != 0 || lim.hOK < lim.hN*99/100 {
		t.Errorf("healthy host: %d refused by the limit, %d of %d succeeded; want none refused", lim.hLimited, lim.hOK, lim.hN)
	}
	svg := overloadSVG(cfg, lim, base)
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") || strings.Count(svg, "<polyline") != 3 {
		t.Errorf("overloadSVG: not an SVG with 3 lines:\n%s", svg)
	}
}

// perSecondMean returns the mean of each second of xs, sampled every step.
func perSecondMean(xs []float64, step time.Duration) []float64 {
	per := int(time.Second / step)
	var out []float64
	for i := 0; i < len(xs); i += per {
		sum, n := 0.0, 0
		for _, x := range xs[i:min(i+per, len(xs))] {
			sum, n = sum+x, n+1
		}
		out = append(out, sum/float64(n))
	}
	return out
}

func fmtFloats(xs []float64) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, " %.0f", x)
	}
	return b.String()
}

func overloadTable(cfg overloadConfig, p Policy, rows []overloadResult) string {
	var b strings.Builder
	capacity := float64(cfg.workers) / cfg.service.Seconds()
	fmt.Fprintf(&b, "\nOverload: capacity %.0f/s (%d workers x %v), FIFO queue of %d (%v), work done after the client left; Poisson arrivals %v/s for %v;\n",
		capacity, cfg.workers, cfg.service, cfg.queue, time.Duration(float64(cfg.queue)/capacity*float64(time.Second)), cfg.rates, cfg.phases)
	fmt.Fprintf(&b, "policy: %d retries, waits %v doubling (at most %v), attempt timeout %v. Healthy host: %.0f/s for %v, same server.\n\n",
		p.Retries(), p.Delay, p.MaxDelay, p.AttemptTimeout, cfg.healthy, cfg.hFor)
	b.WriteString("| client | goodput in 1.5x (/s) | goodput, end of 0.8x (/s) | recovered after the drop | served (wasted) | refused by limit | healthy: ok | healthy p50 | healthy p99 | healthy: refused |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		rec := "no"
		if r.recovered {
			rec = fmt.Sprintf("%.2f s", r.recovery.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s | %d (%d) | %d | %d/%d | %.1f ms | %.1f ms | %d |\n",
			r.name, r.during, r.after, rec, r.served, r.wasted, r.limited, r.hOK, r.hN,
			float64(r.hP50.Microseconds())/1000, float64(r.hP99.Microseconds())/1000, r.hLimited)
	}
	fmt.Fprintf(&b, "\nGoodput per second (successes by when they ended; phases change at %v and %v):\n\n", cfg.phases[0], cfg.phases[0]+cfg.phases[1])
	b.WriteString("| client |")
	for i := range rows[0].perSecond {
		fmt.Fprintf(&b, " %d |", i)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(rows[0].perSecond)) + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |%s |\n", r.name, strings.ReplaceAll(fmtFloats(r.perSecond), " ", " | ")[2:])
		if len(r.limits) > 0 {
			fmt.Fprintf(&b, "| %s: limit, mean |%s |\n", r.name, strings.ReplaceAll(fmtFloats(perSecondMean(r.limits, cfg.bucket/2)), " ", " | ")[2:])
		}
	}
	return b.String()
}
