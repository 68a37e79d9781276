// Package labels is what promretry and otelretry share, so that their
// metrics mean the same: the bounded set of names (operations, routes,
// breakers) each keeps, the causes of giving up, and the classes of an HTTP
// result. Both packages are nested modules; this package is in the core
// module, stdlib-only.
package labels

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
)

// Other is the name that names past a Set's bound share.
const Other = "_other"

// Set maps a name to what was prepared for it in advance (metric series,
// attribute sets), so that recording an event is a map lookup: lookups
// read an immutable map through an atomic pointer, with no lock and no
// allocation. A new name copies the map under a lock; there are few names:
// at most Max, then every new name shares the entry of Other. Set the
// fields before first use; a Set must not be copied after.
type Set[T any] struct {
	Max  int                  // names held before Other (at least 1)
	Make func(name string) *T // prepares a new name's entry
	m    atomic.Pointer[map[string]*T]
	all  atomic.Pointer[T] // Other's entry, once Max names are held
	mu   sync.Mutex
}

// Get returns the entry of name, making it on first use. It is safe for
// concurrent use.
func (n *Set[T]) Get(name string) *T {
	if m := n.m.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v
		}
	}
	if v := n.all.Load(); v != nil {
		return v
	}
	return n.add(name)
}

func (n *Set[T]) add(name string) *T {
	n.mu.Lock()
	defer n.mu.Unlock()
	var cur map[string]*T
	if p := n.m.Load(); p != nil {
		cur = *p
	}
	if v, ok := cur[name]; ok {
		return v
	}
	full := len(cur) >= n.Max
	if full {
		name = Other
		if v, ok := cur[name]; ok {
			return v
		}
	}
	v := n.Make(name)
	next := make(map[string]*T, len(cur)+1)
	maps.Copy(next, cur)
	next[name] = v
	n.m.Store(&next)
	if full {
		n.all.Store(v)
	}
	return v
}

// Each calls fn for every entry, in no order.
func (n *Set[T]) Each(fn func(name string, v *T)) {
	if p := n.m.Load(); p != nil {
		for k, v := range *p {
			fn(k, v)
		}
	}
}

// Causes of giving up: the values of the cause label of retry_exhausted.
const (
	CauseAttempts = iota // every attempt was used
	CauseDeadline        // the context's deadline passed, or the next delay would pass it
	CauseCanceled        // the context was canceled
	CauseBudget          // a retry budget refused the retry
	CauseLimited         // a concurrency limit (package limit) refused the retry
	CauseOther           // anything else, such as a request body that could not be replayed
	NCauses
)

// CauseNames are the label values of the causes.
var CauseNames = [NCauses]string{"attempts", "deadline", "canceled", "budget", "limited", "other"}

// CauseOf classifies the error of an EventGiveUp, a *retry.Error.
func CauseOf(err error) int {
	re, ok := err.(*retry.Error)
	if !ok {
		if re = findError(err); re == nil {
			return CauseOther
		}
	}
	// Only the Cause is inspected: errors.Is on re itself would walk (and
	// allocate) its list of attempts.
	switch c := re.Cause; {
	case c == nil:
		return CauseAttempts
	case errors.Is(c, retry.ErrBudgetExhausted):
		return CauseBudget
	case errors.Is(c, limit.ErrLimited):
		return CauseLimited
	case errors.Is(c, context.DeadlineExceeded): // retry.ErrDeadline included
		return CauseDeadline
	case errors.Is(c, context.Canceled):
		return CauseCanceled
	}
	return CauseOther
}

// findError is errors.As for a *retry.Error, apart so that CauseOf's
// common case (err is one) does not move a variable to the heap.
func findError(err error) *retry.Error {
	var re *retry.Error
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// Classes of an HTTP request's result: the values of the code label of
// retry_http_requests.
const (
	Code1xx = iota
	Code2xx
	Code3xx
	Code4xx
	Code5xx
	CodeOther // a status outside 100-599
	CodeError // no response
	NCodes
)

// CodeNames are the label values of the classes.
var CodeNames = [NCodes]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other", "error"}

// CodeOf classifies what a RoundTripper returned.
func CodeOf(resp *http.Response, err error) int {
	switch {
	case err != nil || resp == nil:
		return CodeError
	case resp.StatusCode < 100 || resp.StatusCode > 599:
		return CodeOther
	}
	return resp.StatusCode/100 - 1
}
