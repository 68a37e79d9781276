package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/retryhttp"
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

// newOurs returns the demo's client built from this module: retryhttp
// around a circuit breaker (every attempt goes through the breaker), with a
// retry budget. Delays are scaled down to the demo's length. close releases
// its connections.
func (d *demo) newOurs() (get func(ctx context.Context, url string) outcome, close func(), err error) {
	t := d.timing
	cb, err := newDemoBreaker(t, func(from, to breaker.State) {
		d.metrics.OnStateChange(demoName, from, to)
		d.stats(clientOurs).transitions.Add(1)
		// Print the breaker's opening and closing; the probes in between
		// (open → half-open → open) are counted in the table.
		if from == breaker.Closed || to == breaker.Closed {
			d.printf("  %7s  ours: breaker %s → %s", d.elapsed(), from, to)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	b, err := budget.New(budget.Window(t.budgetWindow))
	if err != nil {
		return nil, nil, err
	}
	m := d.metrics
	if err := m.Breaker(cb); err != nil {
		return nil, nil, err
	}
	if err := m.Budget(demoName, b); err != nil {
		return nil, nil, err
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	rt := retryhttp.NewTransport(&breakerTransport{cb: cb, base: base},
		retryhttp.Name(demoName),
		retryhttp.MaxRetries(naiveAttempts-1),
		retryhttp.BaseDelay(t.base),
		retryhttp.MaxDelay(t.max),
		retryhttp.Logger(nil),
		retryhttp.Budget(func(string) retry.Budget { return b }),
		retryhttp.Notify(func(ev retry.Event) {
			m.Notify(ev)
			if ev.Kind == retry.EventBudgetRejected {
				d.stats(clientOurs).budgetDenied.Add(1)
			}
		}),
	)
	client := &http.Client{Transport: m.Transport(rt)}
	get = func(ctx context.Context, url string) outcome {
		resp, err := getOnce(ctx, client, url)
		if err != nil {
			return outcome{fastFail: errors.Is(err, breaker.ErrOpen)}
		}
		return outcome{ok: resp.StatusCode/100 == 2}
	}
	return get, base.CloseIdleConnections, nil
}

// newDemoBreaker opens on a 50% failure rate over a quarter phase and
// probes again after a twentieth of one.
func newDemoBreaker(t demoTiming, changed func(from, to breaker.State)) (cb *breaker.Breaker, err error) {
	opts := []breaker.Option{
		breaker.Name(demoName),
		breaker.FailureRate(0.5, t.window, 10),
		breaker.RecoveryTimeout(t.recovery),
		breaker.OnStateChange(func(_ string, from, to breaker.State) { changed(from, to) }),
	}
	if err := breaker.Validate(opts...); err != nil {
		return nil, err
	}
	return breaker.New(opts...), nil
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
