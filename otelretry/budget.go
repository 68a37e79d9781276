package otelretry

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nop-platform/retry/budget"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// observed are the asynchronous instruments, read at each collection, and
// the budgets they report.
type observed struct {
	state     metric.Int64ObservableGauge
	available metric.Int64ObservableGauge
	credit    metric.Float64ObservableGauge

	mu     sync.Mutex
	byName map[string]*budget.Budget
	groups []*budget.Group
}

// registerObservers makes the gauges and the callback that reads them.
func (ins *instruments) registerObservers(m metric.Meter) error {
	ob := &ins.observed
	ob.byName = make(map[string]*budget.Budget)
	var e1, e2, e3, e4 error
	ob.state, e1 = m.Int64ObservableGauge(NameBreakerState, metric.WithUnit("{state}"),
		metric.WithDescription("Circuit breaker state, by breaker name: 0 closed, 1 open, 2 half-open."))
	ob.available, e2 = m.Int64ObservableGauge(NameBudgetAvailable, metric.WithUnit("{retry}"),
		metric.WithDescription("Retries the retry budget would allow now, by budget."))
	ob.credit, e3 = m.Float64ObservableGauge(NameBudgetCredit, metric.WithUnit("{retry}"),
		metric.WithDescription("Retries after transient failures the retry budget would allow now: the tokens in its bucket."))
	if err := errors.Join(e1, e2, e3); err != nil {
		return err
	}
	_, e4 = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		ins.observeStates(o)
		ob.observeBudgets(o)
		return nil
	}, ob.state, ob.available, ob.credit)
	return e4
}

// Budget reports b's state at each collection, with budget=name:
// retry.budget.available (the retries it would allow now) and
// retry.budget.credit (see budget.Stats). Retries it refuses are counted by
// retry.budget.rejected through Notify. Budget returns an error when
// another budget of the same name is registered.
func (t *Telemetry) Budget(name string, b *budget.Budget) error {
	ob := &t.observed
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if old, ok := ob.byName[name]; ok && old != b {
		return fmt.Errorf("otelretry: another budget named %q is registered", name)
	}
	ob.byName[name] = b
	return nil
}

// BudgetGroup reports every budget of g as Budget does, with its key (for
// retryhttp's per-host budgets, the host and port) as the budget. A key
// that is also the name of a budget given to Budget is reported once, for
// the latter.
func (t *Telemetry) BudgetGroup(g *budget.Group) {
	ob := &t.observed
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, old := range ob.groups {
		if old == g {
			return
		}
	}
	ob.groups = append(ob.groups, g)
}

func (ob *observed) observeBudgets(o metric.Observer) {
	ob.mu.Lock()
	byName := make(map[string]*budget.Budget, len(ob.byName))
	for k, v := range ob.byName {
		byName[k] = v
	}
	groups := append([]*budget.Group(nil), ob.groups...)
	ob.mu.Unlock()

	send := func(name string, b *budget.Budget) {
		st := b.Stats()
		set := metric.WithAttributeSet(attribute.NewSet(attribute.String("budget", name)))
		o.ObserveInt64(ob.available, int64(st.Available), set)
		o.ObserveFloat64(ob.credit, st.Credit, set)
	}
	for name, b := range byName {
		send(name, b)
	}
	for _, g := range groups {
		g.Range(func(key string, b *budget.Budget) bool {
			if _, dup := byName[key]; !dup {
				byName[key] = b
				send(key, b)
			}
			return true
		})
	}
}
