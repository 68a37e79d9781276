package retryhttp

import (
	"strings"
	"sync"

	"github.com/nop-platform/retry"
)

// Budget gives each destination host its own retry budget: newBudget is
// called the first time the transport sees a host (the URL's host and port,
// in lower case) and its result is kept for the life of the transport, so it
// must be safe for concurrent use. Before each retry the transport asks the
// host's budget; when it says no, the transport returns the last result at
// once: a response with ResultOf(resp).Cause matching
// retry.ErrBudgetExhausted, or an error wrapping a *retry.Error with that
// Cause. Budget(nil) turns budgets off. Default: none.
func Budget(newBudget func(host string) retry.Budget) Option {
	return Option{kind: kBudget, v: newBudget}
}

// defaultBudget makes the budget of a host for a Transport given no Budget
// option (the zero Transport included). nil: no budget.
var defaultBudget func(host string) retry.Budget

// budgets holds one retry.Budget per host.
type budgets struct {
	newBudget func(host string) retry.Budget
	set       bool     // newBudget was given, even as nil
	m         sync.Map // string -> retry.Budget
	mu        sync.Mutex
}

// get returns host's budget, or nil when budgets are off.
func (b *budgets) get(host string) retry.Budget {
	newBudget := b.newBudget
	if !b.set {
		newBudget = defaultBudget
	}
	if newBudget == nil {
		return nil
	}
	host = strings.ToLower(host)
	if v, ok := b.m.Load(host); ok {
		return v.(retry.Budget)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.m.Load(host); ok {
		return v.(retry.Budget)
	}
	nb := newBudget(host)
	if nb == nil {
		nb = noBudget{}
	}
	b.m.Store(host, nb)
	return nb
}

// noBudget allows every retry; it stands for a nil budget from newBudget.
type noBudget struct{}

func (noBudget) Request()          {}
func (noBudget) AllowRetry() bool  { return true }
func (noBudget) Outcome(_, _ bool) {}
