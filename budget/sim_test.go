package budget_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

// The simulations run retry.Do with the default retryhttp policy (3 retries,
// base 1s, max 10s, jitter 0.3) and a default Budget against a simulated
// dependency, in a synctest bubble, so that minutes of simulated time take
// milliseconds. Failures come from seeded generators; the jitter of the
// delays does not, so figures vary a little from run to run, and the
// assertions leave room for it.

var errDown = errors.New("simulated failure")

// policy is the default retryhttp client's: 3 retries, base 1s, max 10s.
var policy = []retry.Option{retry.MaxAttempts(4), retry.BaseDelay(time.Second),
	retry.MaxDelay(10 * time.Second), retry.Jitter(0.3)}

// A scenario is a simulated dependency and its callers: either callers
// goroutines each making one call after another, or calls arriving at rate
// per second, each on its own goroutine.
type scenario struct {
	callers  int
	rate     float64
	duration time.Duration
	latency  time.Duration                             // of one attempt; default 1ms
	fails    func(at time.Duration, r *rand.Rand) bool // whether an attempt at time at fails
	naive    bool                                      // retry without a budget
}

// tally counts, per second of simulated time, calls started, attempts made,
// and, by the second the call started, its attempts and whether it
// succeeded.
type tally struct {
	mu           sync.Mutex
	calls        []int
	attempts     []int
	callAttempts []int
	successes    []int
}

func (t *tally) add(counts *[]int, at time.Duration, n int) {
	sec := int(at / time.Second)
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(*counts) <= sec {
		*counts = append(*counts, 0)
	}
	(*counts)[sec] += n
}

func sum(counts []int, from, to int) int {
	n := 0
	for i := from; i < to && i < len(counts); i++ {
		n += counts[i]
	}
	return n
}

// attemptsPerCall is the attempts of the calls started in seconds
// [from, to), per call.
func (t *tally) attemptsPerCall(from, to int) float64 {
	return float64(sum(t.callAttempts, from, to)) / float64(sum(t.calls, from, to))
}

// attemptsPerCallMade is the attempts made in seconds [from, to), whatever
// call they belong to, per call started then: stricter than attemptsPerCall
// after a change, as it counts the retries of calls started before it.
func (t *tally) attemptsPerCallMade(from, to int) float64 {
	return float64(sum(t.attempts, from, to)) / float64(sum(t.calls, from, to))
}

// success is the share of calls started in seconds [from, to) that succeeded.
func (t *tally) success(from, to int) float64 {
	return float64(sum(t.successes, from, to)) / float64(sum(t.calls, from, to))
}

func (sc scenario) run(t *testing.T, seed uint64) *tally {
	t.Helper()
	tl := new(tally)
	synctest.Test(t, func(t *testing.T) {
		b, err := budget.New()
		if err != nil {
			t.Fatal(err)
		}
		opts := policy
		if !sc.naive {
			opts = append(opts[:len(opts):len(opts)], retry.WithBudget(b))
		}
		latency := cmp.Or(sc.latency, time.Millisecond)
		start := time.Now()
		call := func(r *rand.Rand) {
			begun := time.Since(start)
			tl.add(&tl.calls, begun, 1)
			n := 0
			err := retry.Do(context.Background(), func(context.Context) error {
				at := time.Since(start)
				tl.add(&tl.attempts, at, 1)
				n++
				time.Sleep(latency)
				if sc.fails(at, r) {
					return errDown
				}
				return nil
			}, opts...)
			tl.add(&tl.callAttempts, begun, n)
			if err == nil {
				tl.add(&tl.successes, begun, 1)
			}
		}
		var wg sync.WaitGroup
		if sc.rate > 0 {
			r := rand.New(rand.NewPCG(seed, 0))
			for time.Since(start) < sc.duration {
				time.Sleep(time.Duration(r.ExpFloat64() / sc.rate * float64(time.Second)))
				s := r.Uint64()
				wg.Go(func() { call(rand.New(rand.NewPCG(seed, s))) })
			}
		}
		for i := range sc.callers {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				for time.Since(start) < sc.duration {
					call(r)
				}
			})
		}
		wg.Wait()
	})
	return tl
}

func down(time.Duration, *rand.Rand) bool { return true }

func transient(p float64) func(time.Duration, *rand.Rand) bool {
	return func(_ time.Duration, r *rand.Rand) bool { return r.Float64() < p }
}

// downAfter is a dependency that works until t and is down from then on.
func downAfter(t time.Duration) func(time.Duration, *rand.Rand) bool {
	return func(at time.Duration, _ *rand.Rand) bool { return at >= t }
}

// TestSimOutage: a dependency that is down gets at most 1.1 attempts per
// call once the first second has passed (naive retry: 4), with one caller
// or 16, whether the Budget is new or has seen 5s of successes first. An
// attempt takes 2ms.
func TestSimOutage(t *testing.T) {
	tests := []struct {
		name    string
		callers int
		from    time.Duration // when the outage starts
	}{
		{"cold/1", 1, 0},
		{"cold/16", 16, 0},
		{"warm/1", 1, 5 * time.Second},
		{"warm/16", 16, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scenario{callers: tt.callers, duration: tt.from + 11*time.Second,
				latency: 2 * time.Millisecond, fails: downAfter(tt.from)}
			tl := sc.run(t, 1)
			from, to := int(tt.from/time.Second)+1, int(tt.from/time.Second)+11
			got, made := tl.attemptsPerCall(from, to), tl.attemptsPerCallMade(from, to)
			t.Logf("calls started from %ds to %ds: %d, %.4f attempts each; attempts made then, per call: %.4f",
				from, to, sum(tl.calls, from, to), got, made)
			if got > 1.1 || made > 1.1 {
				t.Errorf("%.4f attempts per call after the outage's first second (%.4f made), want at most 1.1", got, made)
			}
		})
	}
}

// TestSimTransient: with 30% of attempts failing at random, the success
// rate stays within a point of 1-0.3^4 (the budget wastes no retry), and
// attempts per call are no more than naive retry's on the same failures.
func TestSimTransient(t *testing.T) {
	const wantSuccess = 1 - 0.3*0.3*0.3*0.3 // 0.9919
	tests := []struct {
		name string
		sc   scenario
	}{
		{"1-caller", scenario{callers: 1, duration: 1200 * time.Second}},
		{"16-callers", scenario{callers: 16, duration: 300 * time.Second}},
		{"open-200/s", scenario{rate: 200, duration: 60 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sc.fails = transient(0.3)
			tl := tt.sc.run(t, 2)
			n := len(tl.calls)
			got, att := tl.success(0, n), tl.attemptsPerCall(0, n)
			naive := tt.sc
			naive.naive = true
			ntl := naive.run(t, 2)
			natt := ntl.attemptsPerCall(0, len(ntl.calls))
			t.Logf("success %.4f over %d calls, %.3f attempts per call (naive retry: %.4f, %.3f)",
				got, sum(tl.calls, 0, n), att, ntl.success(0, len(ntl.calls)), natt)
			if got < wantSuccess-0.01 {
				t.Errorf("success %.4f, want at least %.4f", got, wantSuccess-0.01)
			}
			if att > natt+0.01 {
				t.Errorf("%.3f attempts per call, want at most naive retry's %.3f", att, natt)
			}
		})
	}
}

// TestSimRecovery: after a 5s outage, 30% transient failures; the success
// rate is back to 1-0.3^4 within a second, retries included.
func TestSimRecovery(t *testing.T) {
	fails := func(at time.Duration, r *rand.Rand) bool {
		return at < 5*time.Second || r.Float64() < 0.3
	}
	sc := scenario{callers: 16, duration: 40 * time.Second, latency: 2 * time.Millisecond, fails: fails}
	tl := sc.run(t, 3)
	got := tl.success(6, 40)
	t.Logf("success %.4f from 5s to 6s, %.4f from 6s to 7s, %.4f from 6s to 40s",
		tl.success(5, 6), tl.success(6, 7), got)
	if got < 0.98 {
		t.Errorf("success %.4f from the second after the outage on, want at least 0.98", got)
	}
}

// TestSimNaive logs naive retry's figures for comparison.
func TestSimNaive(t *testing.T) {
	for _, callers := range []int{1, 16} {
		sc := scenario{callers: callers, duration: 20 * time.Second, fails: down, naive: true}
		tl := sc.run(t, 1)
		got := tl.attemptsPerCall(1, 19)
		t.Logf("naive retry, outage, %d callers: %.4f attempts per call", callers, got)
		if got < 3.5 {
			t.Errorf("naive retry makes %.4f attempts per call in an outage, want about 4", got)
		}
	}
}

// overload runs the overload scenario against a server with one worker
// that takes 10ms a request (capacity 100/s) behind a FIFO queue of qcap
// requests (a full queue answers at once with a failure); clients give up on
// an attempt after 1s, but the worker still serves it (wasted work). Calls
// arrive at 150/s for 10s, then at 80/s for 20s. mode is "none" (no
// retries), "naive" or "budget". It returns the goodput (successful calls
// per second, by the second they ended).
func overload(t *testing.T, qcap int, mode string) []int {
	t.Helper()
	var tl tally
	synctest.Test(t, func(t *testing.T) {
		b, err := budget.New()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		queue := make(chan chan struct{}, qcap)
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case done := <-queue:
					time.Sleep(10 * time.Millisecond)
					close(done)
				case <-stop:
					return
				}
			}
		}()
		attempt := func(ctx context.Context) error {
			done := make(chan struct{})
			select {
			case queue <- done:
			default:
				return errDown
			}
			select {
			case <-done:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		opts := append(policy[:len(policy):len(policy)], retry.AttemptTimeout(time.Second))
		switch mode {
		case "none":
			opts = []retry.Option{retry.MaxAttempts(1), retry.AttemptTimeout(time.Second)}
		case "budget":
			opts = append(opts, retry.WithBudget(b))
		}
		r := rand.New(rand.NewPCG(4, 0))
		var wg sync.WaitGroup
		for time.Since(start) < 30*time.Second {
			rate := 150.0
			if time.Since(start) >= 10*time.Second {
				rate = 80
			}
			time.Sleep(time.Duration(r.ExpFloat64() / rate * float64(time.Second)))
			wg.Go(func() {
				if retry.Do(context.Background(), attempt, opts...) == nil {
					tl.add(&tl.successes, time.Since(start), 1)
				}
			})
		}
		wg.Wait()
		close(stop)
	})
	return tl.successes
}

func mean(counts []int, from, to int) float64 {
	return float64(sum(counts, from, to)) / float64(to-from)
}

// TestSimOverload: offered 1.5x its capacity, then 0.8x, a server gets from
// budgeted clients at least the goodput it gets from clients that never
// retry, and recovers fully once the load drops; naive retry (logged)
// recovers later, or never when the queue is deep enough that waiting
// requests time out.
func TestSimOverload(t *testing.T) {
	for _, qcap := range []int{50, 200} {
		none, naive, bud := overload(t, qcap, "none"), overload(t, qcap, "naive"), overload(t, qcap, "budget")
		for _, g := range []struct {
			name  string
			count []int
		}{{"none", none}, {"naive", naive}, {"budget", bud}} {
			t.Logf("queue %3d, %-6s: goodput %5.1f/s in overload; after it: %5.1f/s 0-5s, %5.1f/s 5-10s, %5.1f/s 10-20s",
				qcap, g.name, mean(g.count, 1, 10), mean(g.count, 10, 15), mean(g.count, 15, 20), mean(g.count, 20, 30))
		}
		if got, want := mean(bud, 1, 10), mean(none, 1, 10); got < 0.95*want {
			t.Errorf("queue %d: goodput %.1f/s in overload, want at least no retries' %.1f", qcap, got, want)
		}
		if got, want := mean(bud, 10, 20), mean(none, 10, 20); got < 0.95*want {
			t.Errorf("queue %d: goodput %.1f/s 0-10s after the overload, want at least no retries' %.1f", qcap, got, want)
		}
		if got := mean(bud, 20, 30); got < 76 {
			t.Errorf("queue %d: goodput %.1f/s 10-20s after the load dropped to 80/s, want full recovery", qcap, got)
		}
	}
}
