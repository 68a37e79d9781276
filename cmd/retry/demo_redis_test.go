package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// With --redis the three instances share one breaker: each opens in the
// outage, at least one learns it from Redis rather than tripping itself,
// the closing table sums it up, and the run leaves its keys in Redis.
func TestDemoRedisSharesTheBreaker(t *testing.T) {
	addr := startRedis(t)
	var r result
	for try := 1; ; try++ {
		r = retryCLI(t, "demo", "--duration", "2s", "--redis", addr)
		r.wantCode(t, 0)
		late := lateness(t, r.stdout, 500*time.Millisecond)
		if late < 150*time.Millisecond || try == 3 {
			break
		}
		// The phases are what the assertions below are about.
		t.Logf("run %d: a phase began %v late (a busy machine); running again", try, late)
	}
	if r.stderr != "" {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if r.took > 15*time.Second {
		t.Errorf("took %v for a 2s demo", r.took)
	}
	// Each breaker opens for the outage: in it, or at the end of the
	// transient phase (30% failures) and stays open.
	live := between(t, r.stdout, "phase 2/4 transient", "phase 4/4 recovery")
	summary := between(t, r.stdout, "\nIn the outage all 3 breakers were open; they opened within ", "")
	for n := 1; n <= demoInstances; n++ {
		re := regexp.MustCompile(`ours#` + itoa(n) + `: breaker closed → (open|half-open) \((tripped here|shared)[^)]*\)`)
		if !re.MatchString(live) {
			t.Errorf("no opening of ours#%d's breaker before the recovery:\n%s", n, live)
		}
		re = regexp.MustCompile(`(?m)^  ours#` + itoa(n) + ` +(at \d+\.\d\ds|\+\S+) +(tripped here|shared, learnt from Redis)`)
		if !re.MatchString(summary) {
			t.Errorf("ours#%d missing from the outage's openings:\n%s", n, summary)
		}
	}
	// Every instance heard the others' changes through Redis. (Which
	// instance trips and which learn it depends on timing: under load all
	// may trip on the shared counts before the first one's message arrives.)
	rows := regexp.MustCompile(`(?m)^(ours#\d) +\d+ +\d+ +\d+ +\d+ +\d+ +\d+ +(\d+) +(\d+) +\d+$`).FindAllStringSubmatch(r.stdout, -1)
	if len(rows) != demoInstances {
		t.Errorf("%d instance rows in the closing table, want %d:\n%s", len(rows), demoInstances, r.stdout)
	}
	for _, row := range rows {
		if row[2] == "0" || row[3] == "0" {
			t.Errorf("%s: %s commands, %s pub/sub messages; want some of each", row[1], row[2], row[3])
		}
	}
	for _, want := range []string{
		"×3 instances taking turns, sharing the breaker and budget through Redis\n         at " + addr,
		"In the outage the naive loop sent the down server",
		"\nShared through Redis at " + addr + ", keys nop:retry:demo:",
		"\ninstance     reqs  opened  shared  closed  shared  changes  commands  messages  errors\n",
		"\nours#1 ", "\nours#2 ", "\nours#3 ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	m := regexp.MustCompile(`keys (nop:retry:demo:[0-9a-f]+:)\*`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no key prefix in stdout:\n%s", r.stdout)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, m[1]+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{m[1] + "breaker:{inventory}", m[1] + "budget:{inventory}"}
	for _, k := range want {
		if !contains(keys, k) {
			t.Errorf("Redis keys %q: %v, want %v", m[1]+"*", keys, want)
		}
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 || ttl > demoKeyTTL {
			t.Errorf("TTL of %s: %v", k, ttl)
		}
	}
}

// An unreachable Redis (a refused loopback port) does not stop the demo: it
// says so once on stderr and runs on local state.
func TestDemoRedisUnreachable(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	r := retryCLI(t, "demo", "--duration", "0.4", "--redis", addr)
	r.wantCode(t, 0)
	if r.took > 10*time.Second {
		t.Errorf("took %v for a 400ms demo", r.took)
	}
	line := regexp.MustCompile(`^retry demo: Redis at ` + regexp.QuoteMeta(addr) +
		` is unreachable \(.*connection refused\); each instance's breaker keeps local state\n$`)
	if !line.MatchString(r.stderr) {
		t.Errorf("stderr: %q, want one line matching %s", r.stderr, line)
	}
	for _, want := range []string{"phase 4/4 recovery", "In the outage the naive loop",
		"Shared through Redis at " + addr, "(unreachable at the start)", "\nours#3 "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "shared from") {
		t.Errorf("a change learnt from an unreachable Redis:\n%s", r.stdout)
	}
}

// A run with --redis closes its stores, Redis clients and connections: no
// goroutine outlives it.
func TestDemoRedisLeavesNoGoroutines(t *testing.T) {
	addr := startRedis(t)
	before := runtime.NumGoroutine()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, lookup: func(string) (string, bool) { return "", false }}
	if err := cmdDemo(t.Context(), e, []string{"--duration", "0.4", "--redis", addr}); err != nil {
		t.Fatalf("demo: %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Shared through Redis") || stderr.Len() > 0 {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d after the demo, %d before:\n%s", runtime.NumGoroutine(), before,
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The demo tells where a change of a shared breaker came from by the order
// of the breaker's calls to its store; this checks that order, with a
// MemoryStore: a breaker that trips on its own failures, one that trips on
// the shared counts, and one that learns the trip.
func TestDemoBreakerTellsSharedChanges(t *testing.T) {
	type change struct {
		from, to breaker.State
		how      changeOrigin
	}
	tm := timingFor(time.Hour) // no probe during the test
	fleet := func(t *testing.T, n int) (cbs []*breaker.Breaker, got func() [][]change) {
		var mu sync.Mutex
		changes := make([][]change, n)
		var store breaker.MemoryStore
		for i := range n {
			cb, err := newDemoBreaker(tm, &store, func(from, to breaker.State, how changeOrigin) {
				mu.Lock()
				defer mu.Unlock()
				changes[i] = append(changes[i], change{from, to, how})
			})
			if err != nil {
				t.Fatal(err)
			}
			cbs = append(cbs, cb)
		}
		return cbs, func() [][]change {
			mu.Lock()
			defer mu.Unlock()
			return changes
		}
	}
	fail := func(t *testing.T, cb *breaker.Breaker) {
		t.Helper()
		p, err := cb.Allow()
		if err != nil {
			t.Fatal(err)
		}
		p.Failure()
	}
	opened := func(how changeOrigin) []change { return []change{{breaker.Closed, breaker.Open, how}} }

	t.Run("own failures", func(t *testing.T) {
		cbs, got := fleet(t, 2)
		for range 10 { // the 10th trips cbs[0] on its own window
			fail(t, cbs[0])
		}
		want := [][]change{opened(madeHere), opened(learnt)}
		if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("changes (from, to, origin): %v, want %v", g, want)
		}
	})
	t.Run("shared counts", func(t *testing.T) {
		cbs, got := fleet(t, 2)
		for range 5 { // 10 shared failures, 5 in each window
			fail(t, cbs[0])
			fail(t, cbs[1])
		}
		// The store gives the 10 to both, cbs[0] first, which trips.
		want := [][]change{opened(madeOnFleet), opened(learnt)}
		if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
			t.Errorf("changes (from, to, origin): %v, want %v", g, want)
		}
	})
}

// lateness returns how late the latest of the demo's phases began, each
// being due phase after the one before.
func lateness(t *testing.T, stdout string, phase time.Duration) time.Duration {
	t.Helper()
	var late time.Duration
	for _, m := range regexp.MustCompile(`(?m)^▶ +([0-9.]+)s  phase (\d)/4 `).FindAllStringSubmatch(stdout, -1) {
		at, _ := strconv.ParseFloat(m[1], 64)
		n, _ := strconv.Atoi(m[2])
		late = max(late, time.Duration(at*float64(time.Second))-time.Duration(n-1)*phase)
	}
	return late
}

// between returns the part of s from the first from to the next to, or to
// the end if to is "".
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, from)
	if !ok {
		t.Fatalf("no %q in:\n%s", from, s)
	}
	if to == "" {
		return after
	}
	part, _, ok := strings.Cut(after, to)
	if !ok {
		t.Fatalf("no %q after %q in:\n%s", to, from, s)
	}
	return part
}

// startRedis starts a redis-server for the test (see redistest.Start) and
// returns its address.
func startRedis(t *testing.T) string { return redistest.Start(t).Addr() }

// freePort finds a free loopback port; nothing listens there afterwards, so
// a dial is refused.
func freePort(t *testing.T) int { return redistest.FreePort(t) }

// openFor finds the opening that made a breaker open in a phase, in it or
// before it.
func TestOpenFor(t *testing.T) {
	ev := func(phase int, at time.Duration, opened bool) flip {
		return flip{label: "ours#1", phase: phase, at: at, opened: opened}
	}
	tests := []struct {
		name   string
		events []flip
		want   time.Duration // -1: not open
	}{
		{"none", nil, -1},
		{"in the phase", []flip{ev(1, 1, true), ev(1, 2, false), ev(2, 3, true), ev(2, 4, false), ev(2, 5, true)}, 3},
		{"open before", []flip{ev(1, 1, true), ev(1, 2, false), ev(1, 3, true), ev(2, 4, false), ev(2, 5, true)}, 3},
		{"closed before, open after", []flip{ev(1, 1, true), ev(1, 2, false), ev(3, 3, true)}, -1},
		{"only before, still open", []flip{ev(0, 1, true)}, 1},
		{"only before, closed", []flip{ev(0, 1, true), ev(1, 2, false)}, -1},
	}
	for _, tt := range tests {
		in := &ourInstance{flips: tt.events}
		o, ok := in.openFor(2)
		if got := map[bool]time.Duration{true: o.at, false: -1}[ok]; got != tt.want {
			t.Errorf("%s: openFor(2) = %v, %v; want at %v", tt.name, o.at, ok, tt.want)
		}
	}
}
