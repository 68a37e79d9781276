package budget_test

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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

// overloadedError is what a dependency that says it is overloaded returns
// (a 503 with Retry-After): retry.Do reports it as retry.OutcomeOverloaded.
type overloadedError struct{}

func (overloadedError) Error() string             { return "503 overloaded" }
func (overloadedError) RetryAfter() time.Duration { return 0 }

// attempts runs calls concurrent calls, at once, to a new default Budget's
// dependency that always answers overloaded, each call with opts, and
// returns the attempts made in all.
func attempts(t *testing.T, calls int, opts ...retry.Option) int {
	var n atomic.Int64
	synctest.Test(t, func(t *testing.T) {
		b, err := budget.New()
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, retry.WithBudget(b), retry.BaseDelay(time.Second), retry.Jitter(0.3))
		var wg sync.WaitGroup
		for range calls {
			wg.Go(func() {
				_ = retry.Do(context.Background(), func(context.Context) error {
					n.Add(1)
					return overloadedError{}
				}, opts...)
			})
		}
		wg.Wait()
	})
	return int(n.Load())
}

// TestSimMaxRetries: a host with no sign of trouble gets every retry the
// caller configured, even when every attempt says it is overloaded: 5
// retries make 6 attempts (issue 14's retryhttp.MaxRetries(5) against a
// 503), and 3 concurrent first calls with 3 retries each make 12.
func TestSimMaxRetries(t *testing.T) {
	if got := attempts(t, 1, retry.MaxAttempts(6)); got != 6 {
		t.Errorf("one call with 5 retries: %d attempts, want 6", got)
	}
	if got := attempts(t, 3, retry.MaxAttempts(4)); got != 12 {
		t.Errorf("3 concurrent calls with 3 retries: %d attempts, want 12", got)
	}
	// What the Burst holds, and no more: 25 overloaded retries, so 5
	// calls with 5 retries get 25 of their 25, and 6 calls 25 of 30.
	if got := attempts(t, 5, retry.MaxAttempts(6)); got != 30 {
		t.Errorf("5 concurrent calls with 5 retries: %d attempts, want 30", got)
	}
	if got := attempts(t, 6, retry.MaxAttempts(6)); got != 6+25 {
		t.Errorf("6 concurrent calls with 5 retries: %d attempts, want 31 (the Burst holds 25)", got)
	}
}

// fault is whether attempt k of call id fails under independent failures
// of probability p: a hash of both, so that the budgeted and the naive run
// meet the same faults whatever order their calls run in.
func fault(p float64, id uint64, k int) bool {
	x := 9 ^ id*0x9E3779B97F4A7C15 ^ uint64(k)*0xD1B54A32D192ED03
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11)/(1<<53) < p
}

// TestSimTransient: with 30% of attempts failing at random (one seeded
// sequence: attempt k of call i fails when a hash of both says so), the
// budget never binds: every call succeeds that naive retry (4 attempts)
// saves, whether the failures say overloaded (a random 503) or not, with
// one caller or 16; no retry is refused.
func TestSimTransient(t *testing.T) {
	const n = 4000
	naive := 0
	for id := range uint64(n) {
		for k := 1; k <= 4; k++ {
			if !fault(0.3, id, k) {
				naive++
				break
			}
		}
	}
	for _, callers := range []int{1, 16} {
		for _, overloaded := range []bool{false, true} {
			var ok, made atomic.Int64
			var st budget.Stats
			synctest.Test(t, func(t *testing.T) {
				b, err := budget.New()
				if err != nil {
					t.Fatal(err)
				}
				opts := append(policy[:len(policy):len(policy)], retry.WithBudget(b))
				var next atomic.Uint64
				var wg sync.WaitGroup
				for range callers {
					wg.Go(func() {
						for {
							id := next.Add(1) - 1
							if id >= n {
								return
							}
							k := 0
							err := retry.Do(context.Background(), func(context.Context) error {
								k++
								made.Add(1)
								time.Sleep(time.Millisecond)
								switch {
								case !fault(0.3, id, k):
									return nil
								case overloaded:
									return overloadedError{}
								}
								return errDown
							}, opts...)
							if err == nil {
								ok.Add(1)
							}
						}
					})
				}
				wg.Wait()
				st = b.Stats()
			})
			t.Logf("%2d callers, overloaded %-5v: %d of %d calls succeeded (naive retry: %d), %.3f attempts per call, %d refused, lowest... credit at the end %.1f",
				callers, overloaded, ok.Load(), n, naive, float64(made.Load())/n, st.Denied, st.Credit)
			if int(ok.Load()) < naive || st.Denied != 0 {
				t.Errorf("%d callers, overloaded %v: %d successes, naive retry %d; %d retries refused, want none",
					callers, overloaded, ok.Load(), naive, st.Denied)
			}
		}
	}
}

// TestSimOutage: a dependency that is down costs at most 1.05 attempts per
// call over the run, the Burst included (naive retry: 4), with one caller
// back to back, 16 callers, or one call every 10 seconds (0.1/s, four
// hours); once the Burst is spent, exactly 1. An attempt takes 2ms.
func TestSimOutage(t *testing.T) {
	tests := []struct {
		name string
		sc   scenario
	}{
		{"1-caller", scenario{callers: 1, duration: 300 * time.Second}},
		{"16-callers", scenario{callers: 16, duration: 30 * time.Second}},
		{"0.1/s", scenario{rate: 0.1, duration: 4 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.sc.latency, tt.sc.fails = 2*time.Millisecond, down
			tl := tt.sc.run(t, 1)
			n := len(tl.calls)
			got, made := tl.attemptsPerCall(0, n), tl.attemptsPerCallMade(0, n)
			late := tl.attemptsPerCall(n/2, n)
			t.Logf("%d calls, %.4f attempts each (%.4f made); second half: %.4f", sum(tl.calls, 0, n), got, made, late)
			if got > 1.05 || made > 1.05 {
				t.Errorf("%.4f attempts per call in an outage (%.4f made), want at most 1.05", got, made)
			}
			if late != 1 {
				t.Errorf("%.4f attempts per call in the second half of the outage, want 1", late)
			}
		})
	}
}

// TestSimRecovery: after a 20s outage, 30% transient failures; the success
// rate is back to naive retry's (1-0.3^4, less a point) for the calls
// started a second after the outage and later: the first successes refill
// the bucket (in the first second, the few calls whose first attempt fails
// before two have succeeded get no retry).
func TestSimRecovery(t *testing.T) {
	fails := func(at time.Duration, r *rand.Rand) bool {
		return at < 20*time.Second || r.Float64() < 0.3
	}
	sc := scenario{callers: 16, duration: 60 * time.Second, latency: 2 * time.Millisecond, fails: fails}
	tl := sc.run(t, 3)
	first, rest := tl.success(20, 21), tl.success(21, 60)
	t.Logf("success %.4f of the %d calls started in the first second after the outage, %.4f after it",
		first, sum(tl.calls, 20, 21), rest)
	if rest < 0.98 {
		t.Errorf("success %.4f from a second after the outage on, want at least 0.98", rest)
	}
	if first < 0.9 {
		t.Errorf("success %.4f in the first second after the outage, want at least 0.9", first)
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
// arrive at 80/s for 5s, 150/s for 10s, then at 80/s for 20s (0.8x, 1.5x,
// 0.8x of capacity). mode is "none" (no
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
				return overloadedError{} // a 503 at once
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
		for time.Since(start) < 35*time.Second {
			rate := 80.0
			if at := time.Since(start); at >= 5*time.Second && at < 15*time.Second {
				rate = 150
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

// TestSimOverload: offered 0.8x its capacity, then 1.5x, then 0.8x, a
// server gets from budgeted clients the goodput it gets from clients that
// never retry before the overload and during it, and is back to full
// goodput after it no later than with clients that never retry; naive
// retry (logged) recovers later, or never when the queue is deep enough
// that waiting requests time out.
func TestSimOverload(t *testing.T) {
	for _, qcap := range []int{50, 200} {
		none, naive, bud := overload(t, qcap, "none"), overload(t, qcap, "naive"), overload(t, qcap, "budget")
		for _, g := range []struct {
			name  string
			count []int
		}{{"none", none}, {"naive", naive}, {"budget", bud}} {
			at, ok := recovered(g.count, 15, 35)
			t.Logf("queue %3d, %-6s: goodput %5.1f/s before; %5.1f/s in overload; after it: %5.1f/s 0-5s, %5.1f/s 5-10s, %5.1f/s 10-20s; full again %ds after the drop (%v)",
				qcap, g.name, mean(g.count, 1, 5), mean(g.count, 6, 15), mean(g.count, 15, 20), mean(g.count, 20, 25), mean(g.count, 25, 35), at-15, ok)
		}
		if got, want := mean(bud, 1, 5), mean(none, 1, 5); got < 0.95*want {
			t.Errorf("queue %d: goodput %.1f/s before the overload, want no retries' %.1f", qcap, got, want)
		}
		if got, want := mean(bud, 6, 15), mean(none, 6, 15); got < 0.95*want {
			t.Errorf("queue %d: goodput %.1f/s in overload, want at least no retries' %.1f", qcap, got, want)
		}
		b, bok := recovered(bud, 15, 35)
		n, nok := recovered(none, 15, 35)
		if !bok || nok && b > n {
			t.Errorf("queue %d: full goodput again %ds after the drop (%v), with no retries %ds (%v)", qcap, b-15, bok, n-15, nok)
		}
	}
}

// recovered returns the first second s in [from, to) from which every two
// seconds' goodput until to is at least 90% of the 80/s offered, and false
// if there is none.
func recovered(counts []int, from, to int) (int, bool) {
	since := from
	for s := from; s+2 <= to; s++ {
		if mean(counts, s, s+2) < 72 {
			since = s + 1
		}
	}
	return since, since+2 <= to
}
