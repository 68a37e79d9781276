package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/redisstore"
	"github.com/nop-platform/retry/retryhttp"
	"github.com/redis/go-redis/v9"
)

// naiveAttempts is what the naive loop tries, like our client's 1 + 3
// retries.
const naiveAttempts = 4

// demoName names our client's breaker, budget and operation in metrics.
const demoName = "inventory"

// outcome is how one demo request ended.
type outcome struct {
	ok       bool // a 2xx response
	fastFail bool // rejected at once by the open breaker
}

// ourInstance is one instance of our client: the only one without --redis,
// one of demoInstances sharing their breaker and retry budget through Redis
// with it.
type ourInstance struct {
	label string // "ours", or "ours#2" with --redis
	get   func(ctx context.Context, url string) outcome
	idle  func() // closes its idle connections

	// With --redis only: its own client of Redis and store, and what it
	// did.
	rdb      *redis.Client
	store    *redisstore.Store
	stats    redisstore.Stats // the store's, as it closed
	requests atomic.Int64     // requests it was given
	changes  atomic.Int64     // its breaker's changes of state
	opened   atomic.Int64     // changes from closed
	closed   atomic.Int64     // changes to closed
	// Of opened and closed, those learnt from Redis.
	openedShared, closedShared atomic.Int64
	// Its breaker's openings (changes from closed) and closings, in order.
	mu    sync.Mutex
	flips []flip
}

// newOurs returns the demo's client built from this module: retryhttp
// around a circuit breaker (every attempt goes through the breaker), with a
// retry budget. Delays are scaled down to the demo's length. With --redis
// it is demoInstances instances taking turns, each with its own Redis client
// and redisstore.Store, sharing the breaker and the budget. close releases
// its connections and, with --redis, its stores and Redis clients; it may be
// called more than once.
func (d *demo) newOurs(ctx context.Context) (get func(ctx context.Context, url string) outcome, close func(), err error) {
	if d.redisAddr != "" {
		return d.newFleet(ctx)
	}
	in := &ourInstance{label: clientNames[clientOurs]}
	if err := d.newInstance(in, nil); err != nil {
		return nil, nil, err
	}
	d.ours = []*ourInstance{in}
	return in.get, in.idle, nil
}

// newInstance builds in's breaker, budget and client, sharing the breaker
// and budget through store unless it is nil. The first instance's breaker
// and budget are exported as metrics; every instance's breaker changes and
// retries are counted.
func (d *demo) newInstance(in *ourInstance, store *redisstore.Store) error {
	t := d.timing
	var shared breaker.Store
	if store != nil {
		shared = store
	}
	cb, err := newDemoBreaker(t, shared, func(from, to breaker.State, how changeOrigin) {
		d.breakerChanged(in, from, to, how)
	})
	if err != nil {
		return err
	}
	var (
		b     retry.Budget
		local *budget.Budget
	)
	if store != nil {
		sb, err := store.Budget(demoName, budget.Window(t.budgetWindow))
		if err != nil {
			return err
		}
		b, local = sb, sb.Local()
	} else {
		lb, err := budget.New(budget.Window(t.budgetWindow))
		if err != nil {
			return err
		}
		b, local = lb, lb
	}
	m := d.metrics
	if len(d.ours) == 0 { // the first instance
		if err := m.Breaker(cb); err != nil {
			return err
		}
		if err := m.Budget(demoName, local); err != nil {
			return err
		}
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	rt := retryhttp.NewTransport(&breakerTransport{cb: cb, base: d.tracedTransport(base)},
		retryhttp.Name(demoName),
		retryhttp.MaxRetries(naiveAttempts-1),
		retryhttp.BaseDelay(t.base),
		retryhttp.MaxDelay(t.max),
		retryhttp.Logger(nil),
		retryhttp.Budget(func(string) retry.Budget { return b }),
		retryhttp.Notify(func(ev retry.Event) {
			m.Notify(ev)
			if d.tracing != nil {
				d.tracing.tel.Notify(ev)
			}
			if ev.Kind == retry.EventBudgetRejected {
				d.stats(clientOurs).budgetDenied.Add(1)
			}
		}),
	)
	client := &http.Client{Transport: m.Transport(rt)}
	in.get = func(ctx context.Context, url string) outcome {
		ctx, end := d.traceRequest(ctx)
		defer end()
		resp, err := getOnce(ctx, client, url)
		if err != nil {
			return outcome{fastFail: errors.Is(err, breaker.ErrOpen)}
		}
		return outcome{ok: resp.StatusCode/100 == 2}
	}
	in.idle = base.CloseIdleConnections
	return nil
}

// breakerChanged is the OnStateChange hook of in's breaker.
func (d *demo) breakerChanged(in *ourInstance, from, to breaker.State, how changeOrigin) {
	d.metrics.OnStateChange(demoName, from, to)
	d.stats(clientOurs).transitions.Add(1)
	if d.redisAddr != "" {
		d.sharedChange(in, from, to, how)
		return
	}
	// Print the breaker's opening and closing; the probes in between
	// (open → half-open → open) are counted in the table.
	if from == breaker.Closed || to == breaker.Closed {
		d.printf("  %7s  ours: breaker %s → %s", d.elapsed(), from, to)
	}
}

// changeOrigin is where a change of a breaker's state came from.
type changeOrigin int8

const (
	madeHere    changeOrigin = iota // the breaker's rules, on its own calls
	madeOnFleet                     // its rules, on the shared counts from its store
	learnt                          // another breaker's change, learnt from the store
)

// newDemoBreaker opens on a 50% failure rate over a quarter phase and
// probes again after a twentieth of one. With a store it shares its state
// there, and changed learns where each change came from; without one every
// change is madeHere.
func newDemoBreaker(t demoTiming, store breaker.Store, changed func(from, to breaker.State, how changeOrigin)) (cb *breaker.Breaker, err error) {
	var tr tracer
	opts := []breaker.Option{
		breaker.Name(demoName),
		breaker.FailureRate(0.5, t.window, 10),
		breaker.RecoveryTimeout(t.recovery),
		breaker.OnStateChange(func(_ string, from, to breaker.State) {
			how := madeHere
			if store != nil {
				how = tr.origin(to)
			}
			changed(from, to, how)
		}),
	}
	if store != nil {
		opts = append(opts, breaker.Shared(tracingStore{store, &tr}))
	}
	if err := breaker.Validate(opts...); err != nil {
		return nil, err
	}
	return breaker.New(opts...), nil
}

// tracer tells where the changes of a shared breaker come from, by watching
// its store's calls. A breaker proposes to its store each change it makes,
// and only those, just before it announces the change to OnStateChange, one
// change at a time: so a change announced right after a proposal of the
// same state was made by the breaker, and any other was learnt from the
// store. A proposal made while the store gives the breaker the shared state
// (Member.Sync) comes from the breaker's rules applied to the fleet's
// counts. TestDemoBreakerTellsSharedChanges checks these orders.
type tracer struct {
	proposed atomic.Int32 // state+1 of the last proposal, plus onFleet; 0 after origin
	syncing  atomic.Int32 // Member.Sync calls in progress
}

const onFleet = 8 // in tracer.proposed: proposed during a Sync

// origin tells where the change to state to just announced came from.
func (tr *tracer) origin(to breaker.State) changeOrigin {
	p := tr.proposed.Swap(0)
	switch {
	case p&^onFleet != int32(to)+1:
		return learnt
	case p&onFleet != 0:
		return madeOnFleet
	}
	return madeHere
}

// tracingStore is a breaker.Store that lets a tracer watch its breaker's
// Sync and Propose calls.
type tracingStore struct {
	breaker.Store
	tr *tracer
}

func (s tracingStore) Join(m breaker.Member) breaker.Link {
	sync := m.Sync
	m.Sync = func(snap breaker.Snapshot) {
		s.tr.syncing.Add(1)
		defer s.tr.syncing.Add(-1)
		sync(snap)
	}
	return tracingLink{s.Store.Join(m), s.tr}
}

type tracingLink struct {
	breaker.Link
	tr *tracer
}

func (l tracingLink) Propose(from uint64, to breaker.Snapshot) {
	p := int32(to.State) + 1
	if l.tr.syncing.Load() > 0 {
		p |= onFleet
	}
	l.tr.proposed.Store(p)
	l.Link.Propose(from, to)
}

// newNaive returns the hand-written loop that the demo compares with: up
// to naiveAttempts tries with a fixed pause, no jitter, breaker or budget.
func (d *demo) newNaive() (get func(ctx context.Context, url string) outcome, close func()) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	client := &http.Client{Transport: base}
	pause := d.timing.base
	get = func(ctx context.Context, url string) outcome {
		for attempt := 1; ; attempt++ {
			resp, err := getOnce(ctx, client, url)
			if err == nil && resp.StatusCode < 500 {
				return outcome{ok: resp.StatusCode/100 == 2}
			}
			if attempt == naiveAttempts || !sleepCtx(ctx, pause) {
				return outcome{}
			}
		}
	}
	return get, base.CloseIdleConnections
}

// getOnce sends a GET and reads and closes the body. The returned response
// has only its status left to read.
func getOnce(ctx context.Context, client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}

// breakerTransport sends each attempt through a circuit breaker: errors
// and 5xx count as failures.
type breakerTransport struct {
	cb   *breaker.Breaker
	base http.RoundTripper
}

func (t *breakerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p, err := t.cb.Allow()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	switch {
	case err != nil:
		p.Done(err)
	case resp.StatusCode >= 500:
		p.Failure()
	default:
		p.Success()
	}
	return resp, err
}

// sleepCtx waits d, or less if ctx ends first; it reports whether it waited
// the whole of d.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
