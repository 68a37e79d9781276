package promretry

import (
	"fmt"
	"sync"

	"github.com/nop-platform/retry/budget"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	availableDesc = prometheus.NewDesc(NameBudgetAvailable,
		"Retries the retry budget would allow now, by budget.", []string{"budget"}, nil)
	creditDesc = prometheus.NewDesc(NameBudgetCredit,
		"Tokens in the retry budget's bucket, from 0 to its Burst (a transient retry costs 1).",
		[]string{"budget"}, nil)
)

// budgets are the retry budgets whose state is read at each scrape.
type budgets struct {
	mu     sync.Mutex
	byName map[string]*budget.Budget
	groups []*budget.Group
}

func newBudgets() *budgets { return &budgets{byName: make(map[string]*budget.Budget)} }

// Budget exports b's state at each scrape, labelled budget=name:
// retry_budget_available (the retries it would allow now) and
// retry_budget_credit (see budget.Stats). Retries it refuses are counted
// by retry_budget_rejected_total through Notify. Budget returns an error
// when another budget of the same name is registered.
func (m *Metrics) Budget(name string, b *budget.Budget) error {
	bs := m.budgets
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if old, ok := bs.byName[name]; ok && old != b {
		return fmt.Errorf("promretry: another budget named %q is registered", name)
	}
	bs.byName[name] = b
	return nil
}

// BudgetGroup exports every budget of g as Budget does, labelled with its
// key (for retryhttp's per-host budgets, the host and port). A key that is
// also the name of a budget given to Budget is exported once, for the
// latter.
func (m *Metrics) BudgetGroup(g *budget.Group) {
	bs := m.budgets
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, old := range bs.groups {
		if old == g {
			return
		}
	}
	bs.groups = append(bs.groups, g)
}

func (bs *budgets) Describe(ch chan<- *prometheus.Desc) {
	ch <- availableDesc
	ch <- creditDesc
}

func (bs *budgets) Collect(ch chan<- prometheus.Metric) {
	bs.mu.Lock()
	byName := make(map[string]*budget.Budget, len(bs.byName))
	for k, v := range bs.byName {
		byName[k] = v
	}
	groups := append([]*budget.Group(nil), bs.groups...)
	bs.mu.Unlock()

	send := func(name string, b *budget.Budget) bool {
		st := b.Stats()
		ch <- prometheus.MustNewConstMetric(availableDesc, prometheus.GaugeValue, float64(st.Available), name)
		ch <- prometheus.MustNewConstMetric(creditDesc, prometheus.GaugeValue, st.Credit, name)
		return true
	}
	for name, b := range byName {
		send(name, b)
	}
	for _, g := range groups {
		g.Range(func(key string, b *budget.Budget) bool {
			if _, dup := byName[key]; dup {
				return true
			}
			byName[key] = b
			return send(key, b)
		})
	}
}
