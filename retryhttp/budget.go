package retryhttp

import (
	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

// Budget replaces the retry budgets: before each request the transport calls
// budgetFor with the destination host (the URL's host and port in lower
// case, without the scheme's default port: "a.com" for https://A.com:443/)
// and asks the budget it returns before every retry of that request.
// budgetFor is called on every request, so it must be cheap and safe for
// concurrent use, and should return the same budget for the same host: a
// budget.Group's For method is made for this. A nil budget allows every
// retry. Budget(nil) turns budgets off.
//
// When a budget says no, the transport returns the last result at once: a
// response with ResultOf(resp).Cause matching retry.ErrBudgetExhausted, or an
// error wrapping a *retry.Error with that Cause.
//
// The transport tells the budget how each attempt ended: a 429 or 503, or a
// response with Retry-After, is retry.OutcomeOverloaded; the attempt timeout
// or another timeout retry.OutcomeTimedOut; another failure it retries
// retry.OutcomeTransient; anything it does not retry retry.OutcomeOK. When
// the budget refuses a retry and has a Refusal method (package budget's
// has), the transport's Logger gets one record, at most once per the
// budget's Window: "retry budget for host H is throttling retries: why".
//
// Default: on. Each Transport has its own budget.Group with budget's
// defaults, one budget per host for at most budget.DefaultMaxKeys hosts: a
// token bucket that starts with room for 25 retries after 503s or timeouts
// (50 after other failures), is refilled by successes, never by time, and
// so never binds under random failures up to about 40% of attempts, while
// in an outage a host gets about one attempt per request instead of four.
func Budget(budgetFor func(host string) retry.Budget) Option {
	return Option{kind: kBudget, v: budgetFor}
}

// budgets finds the retry budget of a request's host.
type budgets struct {
	budgetFor func(host string) retry.Budget // from the Budget option
	set       bool                           // Budget was given, even as nil
	group     budget.Group                   // the default; its zero value works
}

// get returns host's budget, or nil when budgets are off.
func (b *budgets) get(host string) retry.Budget { // host: a hostKey
	if !b.set {
		return b.group.For(host)
	}
	if b.budgetFor == nil {
		return nil
	}
	return b.budgetFor(host)
}

// Budgets returns the transport's default retry budgets, one per host, for
// metrics (promretry's BudgetGroup) and inspection; it is nil when the
// Budget option replaced them. It is safe for concurrent use.
func (t *Transport) Budgets() *budget.Group {
	if t.budgets.set {
		return nil
	}
	return &t.budgets.group
}
