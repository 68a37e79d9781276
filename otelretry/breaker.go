package otelretry

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/nop-platform/retry/breaker"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// nStates is the number of breaker states: Closed, Open, HalfOpen.
const nStates = 3

// breakerAttrs are the measurement options of one breaker name.
type breakerAttrs struct {
	name        string
	transitions [nStates][nStates][]metric.AddOption // [from][to]; nil when from == to
	state       []metric.ObserveOption
	last        atomic.Int32                    // last state announced, -1 for none
	b           atomic.Pointer[breaker.Breaker] // registered with Breaker
}

func newBreakerAttrs(name string) *breakerAttrs {
	n := attribute.String("name", name)
	ba := &breakerAttrs{name: name,
		state: []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(n))}}
	ba.last.Store(-1)
	for from := range breaker.State(nStates) {
		for to := range breaker.State(nStates) {
			if from != to {
				ba.transitions[from][to] = addOpt(n, attribute.String("from", from.String()), attribute.String("to", to.String()))
			}
		}
	}
	return ba
}

// OnStateChange records a breaker's change of state: pass it to
// breaker.OnStateChange, by itself or from a hook of your own:
//
//	cb := breaker.New(breaker.Name("payments"), breaker.OnStateChange(t.OnStateChange))
//
// It counts circuit_breaker.transitions and, for a breaker not registered
// with Breaker, makes circuit_breaker.state report the new state. Breaker
// decisions that reject calls appear on spans through Notify. It takes no
// lock and allocates nothing once the name has been seen.
func (t *Telemetry) OnStateChange(name string, from, to breaker.State) {
	if from >= nStates || to >= nStates {
		return
	}
	ba := t.cbs.Get(name)
	if opts := ba.transitions[from][to]; opts != nil {
		t.transitions.Add(context.Background(), 1, opts...)
	}
	ba.last.Store(int32(to))
}

// Breaker reports b's state as circuit_breaker.state{name=b.Name()}, read
// from b at each collection (so an open breaker whose recovery timeout has
// passed reports half-open). Without it the gauge reports the last state
// that OnStateChange announced, and nothing before the first change.
//
// Breaker returns an error when another breaker of the same name is
// registered, or when MaxNames breaker names are already held.
func (t *Telemetry) Breaker(b *breaker.Breaker) error {
	name := b.Name()
	ba := t.cbs.Get(name)
	if ba.name != name {
		return fmt.Errorf("otelretry: breaker %q: too many breaker names (MaxNames)", name)
	}
	if !ba.b.CompareAndSwap(nil, b) && ba.b.Load() != b {
		return fmt.Errorf("otelretry: another breaker named %q is registered", name)
	}
	return nil
}

// observeStates reports the state of each breaker known by name.
func (ins *instruments) observeStates(o metric.Observer) {
	ins.cbs.Each(func(name string, ba *breakerAttrs) {
		var s breaker.State
		if b := ba.b.Load(); b != nil {
			s = b.State()
		} else if last := ba.last.Load(); last >= 0 && name != Other {
			s = breaker.State(last)
		} else {
			return
		}
		o.ObserveInt64(ins.observed.state, int64(s), ba.state...)
	})
}
