package promretry

import (
	"fmt"
	"sync/atomic"

	"github.com/nop-platform/retry/breaker"
	"github.com/prometheus/client_golang/prometheus"
)

// nStates is the number of breaker states: Closed, Open, HalfOpen.
const nStates = 3

// breakerMetrics are the series of one breaker name.
type breakerMetrics struct {
	name        string
	transitions [nStates][nStates]prometheus.Counter // [from][to]; nil when from == to
	last        atomic.Int32                         // last state announced, -1 for none
	b           atomic.Pointer[breaker.Breaker]      // registered with Metrics.Breaker
}

var stateDesc = prometheus.NewDesc(NameBreakerState,
	"Circuit breaker state, by breaker name: 0 closed, 1 open, 2 half-open.", []string{"name"}, nil)

func (m *Metrics) newBreaker(name string) *breakerMetrics {
	bm := &breakerMetrics{name: name}
	bm.last.Store(-1)
	for from := range breaker.State(nStates) {
		for to := range breaker.State(nStates) {
			if from != to {
				bm.transitions[from][to] = m.transitions.WithLabelValues(name, from.String(), to.String())
			}
		}
	}
	return bm
}

// OnStateChange records a breaker's change of state: pass it to
// breaker.OnStateChange, by itself or from a hook of your own:
//
//	cb := breaker.New(breaker.Name("payments"), breaker.OnStateChange(m.OnStateChange))
//
// It counts circuit_breaker_transitions_total and, for a breaker not
// registered with Breaker, sets circuit_breaker_state to the new state.
func (m *Metrics) OnStateChange(name string, from, to breaker.State) {
	if from >= nStates || to >= nStates {
		return
	}
	bm := m.cbs.Get(name)
	if c := bm.transitions[from][to]; c != nil {
		c.Inc()
	}
	bm.last.Store(int32(to))
}

// Breaker exports b's state as circuit_breaker_state{name=b.Name()}, read
// from b at each scrape (so an open breaker whose recovery timeout has
// passed shows as half-open). Without it the gauge shows the last state
// that OnStateChange announced, and nothing before the first change. The
// transition counters of the name are created at 0.
//
// Breaker returns an error when another breaker of the same name is
// registered, or when MaxNames breaker names are already held.
func (m *Metrics) Breaker(b *breaker.Breaker) error {
	name := b.Name()
	bm := m.cbs.Get(name)
	if bm.name != name {
		return fmt.Errorf("promretry: breaker %q: too many breaker names (MaxNames)", name)
	}
	if !bm.b.CompareAndSwap(nil, b) && bm.b.Load() != b {
		return fmt.Errorf("promretry: another breaker named %q is registered", name)
	}
	return nil
}

// collectStates sends the state of each breaker known by name. A registered
// breaker's State may announce a change, which calls OnStateChange; no lock
// is held here, so that is safe.
func (m *Metrics) collectStates(ch chan<- prometheus.Metric) {
	m.cbs.Each(func(name string, bm *breakerMetrics) {
		var s breaker.State
		if b := bm.b.Load(); b != nil {
			s = b.State()
		} else if last := bm.last.Load(); last >= 0 && name != Other {
			s = breaker.State(last)
		} else {
			return
		}
		ch <- prometheus.MustNewConstMetric(stateDesc, prometheus.GaugeValue, float64(s), name)
	})
}
