package bench

import (
	"context"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Checks of the failure simulator itself, quick enough for every go test:
// the faults, the capacity server, the measures, and one small run of
// every scenario.

// TestSimFaults: under 30% hashed faults, each naive client makes exactly
// the attempts the hash dictates for each request, and gets exactly its
// outcome; ours with its budget never makes more attempts than that, and
// never succeeds where naive retry fails.
func TestSimFaults(t *testing.T) {
	const n = 200
	for _, newClient := range simClients(t, Tables) {
		c := newClient()
		t.Run(c.Name, func(t *testing.T) {
			s := newFaultServer(t, transientFaults)
			recs := fixedCount(c, s, 4, n)
			if len(recs) != n {
				t.Fatalf("%d records, want %d", len(recs), n)
			}
			for _, r := range recs {
				att, ok := naiveOutcome(transientRate, r.id, Tables.Attempts)
				if c.Name == "bare" {
					att, ok = 1, !fault(transientRate, r.id, 1)
				}
				got := s.hitsOf(r.id)
				switch {
				case c.Name == "nop" && (got > att || r.ok && !ok):
					t.Errorf("request %d: %d attempts, ok %v; naive retry: %d, %v", r.id, got, r.ok, att, ok)
				case c.Name != "nop" && (got != att || r.ok != ok):
					t.Errorf("request %d: %d attempts, ok %v; want %d, %v", r.id, got, r.ok, att, ok)
				}
			}
		})
	}
}

// TestSimFaultRate: the hashed faults fail about 30% of attempts.
func TestSimFaultRate(t *testing.T) {
	const n = 100000
	bad := 0
	for id := uint64(1); id <= n/4; id++ {
		for a := 1; a <= 4; a++ {
			if fault(transientRate, id, a) {
				bad++
			}
		}
	}
	if got := float64(bad) / n; math.Abs(got-transientRate) > 0.01 {
		t.Errorf("fault rate %.4f, want %.2f", got, transientRate)
	}
}

// TestSimCapacityServer: with 2 workers and a queue of 2, of 8 requests
// sent at once 4 are served and 4 are rejected at once with a 503; a request
// whose client gives up while it waits is still served, and counted as
// wasted.
func TestSimCapacityServer(t *testing.T) {
	const service = 300 * time.Millisecond
	s := newCapacityServer(t, 2, service, 2)
	tr := newPool(t)
	c := &http.Client{Transport: tr}
	codes := make([]int, 8)
	took := make([]time.Duration, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			began := time.Now()
			resp, err := c.Get(s.urlOf(uint64(i)))
			took[i] = time.Since(began)
			if err != nil {
				t.Error(err)
				return
			}
			drain(resp.Body)
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	var ok, rejected int
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			rejected++
			if took[i] >= service {
				t.Errorf("a rejection took %v, want it at once", took[i])
			}
		}
	}
	if ok != 4 || rejected != 4 {
		t.Errorf("%d served, %d rejected (codes %v); want 4 and 4", ok, rejected, codes)
	}

	// Fill both workers, then queue a request whose client leaves at once.
	s.begin(time.Now())
	for i := range 2 {
		wg.Go(func() {
			if resp, err := c.Get(s.urlOf(uint64(100 + i))); err == nil {
				drain(resp.Body)
			}
		})
	}
	time.Sleep(service / 3)
	ctx, cancel := context.WithTimeout(context.Background(), service/3)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.urlOf(200), nil)
	if resp, err := c.Do(req); err == nil {
		drain(resp.Body)
		t.Errorf("status %d, want the client to give up", resp.StatusCode)
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for s.counted("served") < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got, wasted := s.counted("served"), s.counted("wasted"); got != 3 || wasted != 1 {
		t.Errorf("served %d, wasted %d; want 3 and 1", got, wasted)
	}
}

func TestSimMeasures(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var recs []record
	// 0-100ms: 50% success; 100-200ms: 100%; 200-300ms: 90%; 300-400ms: 100%.
	rates := []int{10, 20, 18, 20}
	for b, good := range rates {
		for i := range 20 {
			recs = append(recs, record{id: uint64(len(recs) + 1), start: ms(100*b + i), end: ms(100*b + i + 50), ok: i < good})
		}
	}
	if got, n := successRate(recs, 0, ms(200)); got != 0.75 || n != 40 {
		t.Errorf("successRate = %v, %d; want 0.75, 40", got, n)
	}
	if got, ok := firstRecovered(recs, 0, ms(400), ms(100), 0.95); !ok || got != ms(100) {
		t.Errorf("firstRecovered = %v, %v; want 100ms", got, ok)
	}
	if got, ok := stableRecovered(recs, 0, ms(400), ms(100), 0.95); !ok || got != ms(300) {
		t.Errorf("stableRecovered = %v, %v; want 300ms", got, ok)
	}
	if _, ok := stableRecovered(recs, 0, ms(300), ms(100), 0.95); ok {
		t.Error("stableRecovered: recovered, want not when the last bucket fails")
	}
	// Requests end 50ms after they start: in [100ms, 200ms) end the 20
	// successes started at 100-119ms, and none of the first bucket's.
	if got := goodput(recs, ms(100), ms(200)); got != 20/0.1 {
		t.Errorf("goodput = %v, want 200/s", got)
	}
	arr := poisson(1, []float64{1000, 100}, []time.Duration{time.Second, time.Second})
	if a, b := countIn(arr, 0, time.Second), countIn(arr, time.Second, 2*time.Second); a < 900 || a > 1100 || b < 70 || b > 130 {
		t.Errorf("poisson: %d and %d arrivals, want about 1000 and 100", a, b)
	}
}

// TestSimSmall runs every scenario, shrunk, for no retries and ours with
// and without a budget: an outage makes 1, about 1 and exactly 4 attempts
// per request.
func TestSimSmall(t *testing.T) {
	cfg := simConfig{
		outage: 400 * time.Millisecond, skip: 150 * time.Millisecond,
		callers: 4, after: 100 * time.Millisecond,
		transientN: 100,
		bucket:     50 * time.Millisecond,
		workers:    2, service: 10 * time.Millisecond, queue: 10,
		overRate: 300, underRate: 160,
		overFor: 150 * time.Millisecond, underFor: 200 * time.Millisecond,
		overBucket: 100 * time.Millisecond,
	}
	p := Tables
	p.AttemptTimeout = 50 * time.Millisecond
	want := map[string]float64{"bare": 1, "nop": 1, "nop-nobudget": 4}
	for _, newClient := range simClientsFor(t)[:3] {
		r := runSim(t, cfg, p, newClient)
		t.Logf("%+v", r)
		if r.seqN == 0 || r.concN == 0 {
			t.Errorf("%s: %d and %d requests in the outage, want some", r.name, r.seqN, r.concN)
		}
		w := want[r.name]
		for _, got := range []float64{r.seqAttempts, r.concAttempts} {
			if got < w || got > w*1.1 {
				t.Errorf("%s: %.2f attempts per request in an outage, want %.0f", r.name, got, w)
			}
		}
		if r.overOffered == 0 || r.transSuccess == 0 {
			t.Errorf("%s: offered %d, success %v; want some", r.name, r.overOffered, r.transSuccess)
		}
	}
}
