package limit

import (
	"container/heap"
	"testing"
	"time"
)

// A deterministic simulation in explicit time of the scenario: a
// server of workers workers, each call taking service, FIFO, with room for
// queue calls waiting (503 at once beyond); it does the work of a call even
// after its client timed out. Clients arrive at fixed intervals, take a
// permit (or are refused) and give up after timeout.

type simServer struct {
	workers int
	service time.Duration
	queue   int
	free    []time.Duration // when each worker is next free
}

// admit returns when a call arriving at at completes, or false when the
// queue is full.
func (s *simServer) admit(at time.Duration) (time.Duration, bool) {
	best := 0
	for i, f := range s.free {
		if f < s.free[best] {
			best = i
		}
	}
	start := max(at, s.free[best])
	if waiting := s.waiting(at); waiting >= s.queue && start > at {
		return 0, false
	}
	s.free[best] = start + s.service
	return start + s.service, true
}

// waiting returns how many calls are queued at time at: the work booked
// beyond at, in services, less one per busy worker.
func (s *simServer) waiting(at time.Duration) int {
	var booked time.Duration
	for _, f := range s.free {
		if f > at {
			booked += f - at
		}
	}
	n := int((booked + s.service - 1) / s.service)
	return max(0, n-s.workers)
}

type simEvent struct {
	at time.Duration
	p  Permit
	o  Outcome
}

type events []simEvent

func (e events) Len() int           { return len(e) }
func (e events) Less(i, j int) bool { return e[i].at < e[j].at }
func (e events) Swap(i, j int)      { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)        { *e = append(*e, x.(simEvent)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

type phase struct {
	rate float64 // arrivals per second
	d    time.Duration
}

// simResult is per 100ms bucket: successes, rejections, limit at the end.
type simResult struct {
	ok, rejected, overloaded []int
	limit                    []int
}

const bucket = 100 * time.Millisecond

func simulate(t *testing.T, l *Limiter, t0 time.Time, phases []phase, timeout time.Duration) simResult {
	t.Helper()
	s := &simServer{workers: 4, service: 10 * time.Millisecond, queue: 80, free: make([]time.Duration, 4)}
	var total time.Duration
	for _, p := range phases {
		total += p.d
	}
	nb := int(total / bucket)
	r := simResult{ok: make([]int, nb), rejected: make([]int, nb), overloaded: make([]int, nb), limit: make([]int, nb)}
	var q events
	flush := func(until time.Duration) {
		for len(q) > 0 && q[0].at <= until {
			e := heap.Pop(&q).(simEvent)
			e.p.DoneAt(t0.Add(e.at), e.o)
			if b := int(e.at / bucket); b < nb {
				switch e.o {
				case OK:
					r.ok[b]++
				case Overloaded:
					r.overloaded[b]++
				}
			}
		}
	}
	var begin time.Duration
	for _, ph := range phases {
		gap := time.Duration(float64(time.Second) / ph.rate)
		for at := begin; at < begin+ph.d; at += gap {
			flush(at)
			b := int(at / bucket)
			r.limit[b] = l.Limit()
			p, err := l.AcquireAt(t0.Add(at))
			if err != nil {
				r.rejected[b]++
				continue
			}
			end, ok := s.admit(at)
			switch {
			case !ok:
				heap.Push(&q, simEvent{at: at + 100*time.Microsecond, p: p, o: Overloaded})
			case end-at > timeout:
				heap.Push(&q, simEvent{at: at + timeout, p: p, o: Overloaded})
			default:
				heap.Push(&q, simEvent{at: end, p: p, o: OK})
			}
		}
		begin += ph.d
	}
	flush(total + time.Hour)
	return r
}

// perSecond returns the mean of xs[from:to] per bucket, per second.
func perSecond(xs []int, from, to int) float64 {
	n := 0
	for _, x := range xs[from:to] {
		n += x
	}
	return float64(n) / (float64(to-from) * bucket.Seconds())
}

func TestSimOverload(t *testing.T) {
	t0 := time.Now()
	l := newLimiter(defaults(), t0)
	r := simulate(t, l, t0, []phase{{320, 3 * time.Second}, {600, 5 * time.Second}, {320, 5 * time.Second}}, 30*time.Millisecond)
	t.Logf("ok/s per 100ms: %v", r.ok)
	t.Logf("limit: %v", r.limit)
	t.Logf("rejected: %v", r.rejected)
	if g := perSecond(r.ok, 40, 80); g < 320 {
		t.Errorf("goodput during the overload = %.0f/s, want at least 320/s", g)
	}
	if g := perSecond(r.ok, 100, 130); g < 0.95*320 {
		t.Errorf("goodput after the overload = %.0f/s, want about 320/s", g)
	}
	if n := perSecond(r.rejected, 0, 30); n > 0 {
		t.Errorf("%.0f/s rejected before the overload, want none", n)
	}

	// Without a limit that learns, the same load collapses.
	nl := newLimiter(config{initial: 1e6, min: 1e6, max: 1e6, tolerance: 1.5, backoff: 1, window: DefaultWindow}, t0)
	r = simulate(t, nl, t0, []phase{{320, 3 * time.Second}, {600, 5 * time.Second}, {320, 5 * time.Second}}, 30*time.Millisecond)
	if g := perSecond(r.ok, 40, 80); g > 50 {
		t.Errorf("without the limit: goodput during the overload = %.0f/s; the simulated server does not collapse", g)
	}
}
