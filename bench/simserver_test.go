package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The failure simulator's servers and load generators (the scenarios and
// the table are in sim_test.go). Everything runs against loopback httptest
// servers (127.0.0.1), in real time, bounded in count and time.

// A simServer is a loopback HTTP server for the simulator. Every request
// carries an "id" query parameter; the server counts the attempts of each id
// and, by the time they arrive, all attempts. What it answers depends on its
// kind: a fault server fails attempts by a rule of time, id and attempt
// number (newFaultServer); a capacity server serves a fixed number of
// requests at a time and queues or rejects the rest (newCapacityServer).
type simServer struct {
	*httptest.Server

	mu    sync.Mutex
	start time.Time         // origin of the server's clock: set by begin
	hits  map[uint64]int    // attempts per request id
	slots [simSlots]int64   // attempts arrived, per slot of simSlot since start
	extra map[string]*int64 // other counters: "rejected", "served", "wasted"
}

const (
	simSlot  = 100 * time.Millisecond
	simSlots = 200 // 20 s: longer than any scenario
)

// faultRule decides whether attempt number attempt (from 1) of request id,
// arriving at time at since the server's start, fails with a 503.
type faultRule func(at time.Duration, id uint64, attempt int) bool

func newSimServer(t testing.TB, h func(s *simServer, w http.ResponseWriter, r *http.Request, at time.Duration, id uint64, attempt int)) *simServer {
	s := &simServer{hits: make(map[uint64]int), start: time.Now(), extra: make(map[string]*int64)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
		s.mu.Lock()
		at := time.Since(s.start)
		s.hits[id]++
		n := s.hits[id]
		if i := int(at / simSlot); i >= 0 && i < simSlots {
			s.slots[i]++
		}
		s.mu.Unlock()
		h(s, w, r, at, id, n)
	}))
	t.Cleanup(s.Close)
	return s
}

// newFaultServer starts a server that answers 503 to the attempts that fails
// picks and 200 "ok" to the others, at once.
func newFaultServer(t testing.TB, fails faultRule) *simServer {
	return newSimServer(t, func(_ *simServer, w http.ResponseWriter, _ *http.Request, at time.Duration, id uint64, n int) {
		if fails(at, id, n) {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
}

// newCapacityServer starts a server with a fixed capacity: workers requests
// served at a time, each taking service; up to queue more wait their turn,
// first come first served; past that, a request is answered 503 at once.
// Like most servers (a thread pool behind an accept queue), it does not
// notice that a client has given up: a waiting request is still served when
// its turn comes, and that work is wasted. That is what lets retries keep an
// overloaded server collapsed after the load drops (metastable failure).
func newCapacityServer(t testing.TB, workers int, service time.Duration, queue int) *simServer {
	sem := make(chan struct{}, workers) // blocked senders are woken in FIFO order
	var inSystem atomic.Int64
	return newSimServer(t, func(s *simServer, w http.ResponseWriter, r *http.Request, _ time.Duration, _ uint64, _ int) {
		defer inSystem.Add(-1)
		if inSystem.Add(1) > int64(workers+queue) {
			s.count("rejected")
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		sem <- struct{}{}
		time.Sleep(service)
		<-sem
		// "wasted" is counted before "served", so that whoever sees a
		// request served also sees whether it was wasted.
		if r.Context().Err() != nil {
			s.count("wasted") // the client had gone
		}
		s.count("served")
		_, _ = io.WriteString(w, "ok")
	})
}

// begin restarts the server's clock at start and forgets what it counted.
func (s *simServer) begin(start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.start = start
	clear(s.hits)
	clear(s.extra)
	s.slots = [simSlots]int64{}
}

func (s *simServer) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.extra[name]
	if p == nil {
		p = new(int64)
		s.extra[name] = p
	}
	*p++
}

// counted returns the counter name.
func (s *simServer) counted(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.extra[name]; p != nil {
		return *p
	}
	return 0
}

// hitsOf returns the attempts that request id made.
func (s *simServer) hitsOf(id uint64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[id]
}

// attempts returns the attempts of every request.
func (s *simServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

// arrivedPerSecond returns the attempts that arrived in [from, to), per
// second; from and to are rounded down to slots.
func (s *simServer) arrivedPerSecond(from, to time.Duration) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for i := int(from / simSlot); i < int(to/simSlot) && i < simSlots; i++ {
		n += s.slots[i]
	}
	return float64(n) / (to - from).Seconds()
}

func (s *simServer) urlOf(id uint64) string { return s.URL + "/get?id=" + strconv.FormatUint(id, 10) }

// A record is one request as its caller saw it.
type record struct {
	id         uint64
	start, end time.Duration // since the run's start
	ok         bool          // a 200
}

// simRequestTimeout bounds every request of the simulator, retries
// included: far more than any policy here needs.
const simRequestTimeout = 5 * time.Second

// send sends request id through c and records it.
func send(ctx context.Context, c HTTPClient, s *simServer, id uint64, start time.Time) record {
	rec := record{id: id, start: time.Since(start)}
	ctx, cancel := context.WithTimeout(ctx, simRequestTimeout)
	defer cancel()
	resp, err := c.Get(ctx, s.urlOf(id))
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	rec.ok = err == nil && resp.StatusCode == http.StatusOK
	rec.end = time.Since(start)
	return rec
}

// closedLoop runs callers goroutines, each sending one request after
// another, with no pause, until d has passed since start; request ids are
// 1, 2, ... in the order requests start.
func closedLoop(c HTTPClient, s *simServer, callers int, d time.Duration) []record {
	start := time.Now()
	s.begin(start)
	var next atomic.Uint64
	out := make([][]record, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			for time.Since(start) < d {
				out[i] = append(out[i], send(context.Background(), c, s, next.Add(1), start))
			}
		})
	}
	wg.Wait()
	return concat(out)
}

// fixedCount sends the requests with ids 1 to n through callers goroutines,
// each taking the next id when its request ends.
func fixedCount(c HTTPClient, s *simServer, callers, n int) []record {
	start := time.Now()
	s.begin(start)
	var next atomic.Uint64
	out := make([][]record, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			for id := next.Add(1); id <= uint64(n); id = next.Add(1) {
				out[i] = append(out[i], send(context.Background(), c, s, id, start))
			}
		})
	}
	wg.Wait()
	return concat(out)
}

// openLoop sends request i+1 at arrivals[i] after the start, each on its own
// goroutine whatever happened to the others, and waits for all of them; at
// stop after the start it cancels the requests still running.
func openLoop(c HTTPClient, s *simServer, arrivals []time.Duration, stop time.Duration) []record {
	start := time.Now()
	s.begin(start)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(stop))
	defer cancel()
	out := make([]record, len(arrivals))
	var wg sync.WaitGroup
	for i, at := range arrivals {
		time.Sleep(time.Until(start.Add(at)))
		wg.Go(func() { out[i] = send(ctx, c, s, uint64(i+1), start) })
	}
	wg.Wait()
	return out
}

// together sends requests 1 to n through c at once, each on its own
// goroutine, and waits for them.
func together(c HTTPClient, s *simServer, n int) []record {
	start := time.Now()
	s.begin(start)
	out := make([]record, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = send(context.Background(), c, s, uint64(i+1), start) })
	}
	wg.Wait()
	return out
}

func concat(rs [][]record) []record {
	var out []record
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}
