package promretry

import (
	"fmt"
	"sync"

	"github.com/nop-platform/retry/limit"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	limitDesc = prometheus.NewDesc(NameLimit,
		"Calls the adaptive concurrency limit allows in flight at once now, by limiter.", []string{"limiter"}, nil)
	inFlightDesc = prometheus.NewDesc(NameLimitInFlight,
		"Calls admitted by the concurrency limit and not yet ended, by limiter.", []string{"limiter"}, nil)
	limitRejectedDesc = prometheus.NewDesc(NameLimitRejected,
		"Calls the concurrency limit refused, by limiter.", []string{"limiter"}, nil)
)

// limits are the concurrency limiters whose state is read at each scrape.
type limits struct {
	mu     sync.Mutex
	byName map[string]*limit.Limiter
	groups []*limit.Group
}

func newLimits() *limits { return &limits{byName: make(map[string]*limit.Limiter)} }

// Limiter exports l's state at each scrape, labelled limiter=name:
// retry_limit (the calls it allows in flight now), retry_limit_in_flight
// and retry_limit_rejected_total (the calls it refused since it was made).
// Limiter returns an error when another limiter of the same name is
// registered.
func (m *Metrics) Limiter(name string, l *limit.Limiter) error {
	ls := m.limits
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if old, ok := ls.byName[name]; ok && old != l {
		return fmt.Errorf("promretry: another limiter named %q is registered", name)
	}
	ls.byName[name] = l
	return nil
}

// LimiterGroup exports every limiter of g as Limiter does, labelled with
// its key (for the per-host limiters given to retryhttp.Limit, the host and
// port). A key that is also the name of a limiter given to Limiter is
// exported once, for the latter. A limiter that g evicts stops being
// exported, and its key's rejected count starts again from 0 when it comes
// back (a counter reset, which rate() handles).
func (m *Metrics) LimiterGroup(g *limit.Group) {
	ls := m.limits
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, old := range ls.groups {
		if old == g {
			return
		}
	}
	ls.groups = append(ls.groups, g)
}

func (ls *limits) Describe(ch chan<- *prometheus.Desc) {
	ch <- limitDesc
	ch <- inFlightDesc
	ch <- limitRejectedDesc
}

func (ls *limits) Collect(ch chan<- prometheus.Metric) {
	ls.mu.Lock()
	byName := make(map[string]*limit.Limiter, len(ls.byName))
	for k, v := range ls.byName {
		byName[k] = v
	}
	groups := append([]*limit.Group(nil), ls.groups...)
	ls.mu.Unlock()

	send := func(name string, l *limit.Limiter) bool {
		st := l.Stats()
		ch <- prometheus.MustNewConstMetric(limitDesc, prometheus.GaugeValue, float64(st.Limit), name)
		ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(st.InFlight), name)
		ch <- prometheus.MustNewConstMetric(limitRejectedDesc, prometheus.CounterValue, float64(st.Rejected), name)
		return true
	}
	for name, l := range byName {
		send(name, l)
	}
	for _, g := range groups {
		g.Range(func(key string, l *limit.Limiter) bool {
			if _, dup := byName[key]; dup {
				return true
			}
			byName[key] = l
			return send(key, l)
		})
	}
}
