package redisstore

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

var _ retry.Budget = (*Budget)(nil)

// eps absorbs float rounding in comparisons of credit.
const eps = 1e-9

// Budget is a retry budget shared by the processes of a fleet: pass it to
// retry.WithBudget, like a *budget.Budget. Each process keeps a local
// budget.Budget, made with the same options, which applies its rules (the
// cap and the failure gate) to the process's own calls; the shared part adds
// the cap of the whole fleet, so that a fleet of N processes does not get N
// times the MinPerSecond floor. A retry must pass both.
//
// How the fleet's cap is shared: each process writes its local budget's
// Credit and call count to Redis, and reserves its allowance, with one
// script call every Resync (every Flush while it grants retries). The
// fleet's credit is the sum of the credits, less all floors but one:
// exactly the cap of a single budget that saw all the fleet's calls and
// retries. A process's allowance is its share of that credit (its part of
// the fleet's calls), and no more than the other processes' allowances
// leave; until its next write it may spend the allowance plus what its own
// calls deposit meanwhile. So the fleet's retries stay within its cap,
// decisions are local and never wait on Redis, and no process spends more
// than its local budget allows. The approximations: a process's share
// follows the calls as of its last write, a reserved allowance that goes
// unspent is unavailable to the others until its holder writes again, and
// counts age out of each process's window by its own clock.
//
// While Redis is unreachable, or before the first sync, the local budget
// decides alone. The failure gate stays per process: each learns from its
// own failed retries that the dependency is down.
//
// A Budget is safe for concurrent use. Request and Outcome cost what the
// local budget's do, plus an atomic load; AllowRetry adds a short mutex and
// a read of the local budget's Stats. The zero Budget is not usable; make
// Budgets with Store.Budget.
type Budget struct {
	s       *Store
	key     string
	member  string
	loc     *budget.Budget
	reserve float64 // the floor: a fresh local budget's credit

	active   atomic.Bool // a call since the last write
	granting atomic.Bool // a retry granted since the last write

	mu       sync.Mutex
	synced   bool
	syncedAt time.Time
	base     float64 // the allowance reserved at the last sync
	credit0  float64 // our own credit as written at the last sync
	fleet    fleetView
	denied   int64

	lastWrite time.Time // flusher only
}

// fleetView is the fleet's budget as last read.
type fleetView struct {
	credit  float64
	calls   int64
	members int
	share   float64
}

// BudgetStats is a snapshot of a shared Budget.
type BudgetStats struct {
	// Stats is this process's local budget: its own calls and retries, its
	// cap and its failure gate.
	budget.Stats

	// Shared reports whether the fleet's cap is applied now; false while
	// Redis is unreachable or before the first sync.
	Shared bool
	// FleetCredit is what the fleet's cap allowed at the last sync, in
	// retries: the floor, plus Ratio per call of every process, minus the
	// cost of their retries.
	FleetCredit float64
	// FleetRequests is the calls of every process in their windows, and
	// Members the processes counted, at the last sync.
	FleetRequests int64
	Members       int
	// Share is this process's part of the fleet's calls at the last sync.
	Share float64
	// Allowance is what the fleet's cap lets this process spend until its
	// next sync, in retries: the allowance it reserved, plus what its calls
	// deposited since, minus what its retries cost.
	Allowance float64
	// FleetDenied counts retries refused by the fleet's cap (those refused
	// by the local budget are in Stats.Denied).
	FleetDenied int64
}

// Budget returns a retry budget named name, shared with the budgets of the
// same name in every process that uses the same Redis and Prefix. opts are
// those of budget.New, and should be the same in every process; an invalid
// one, or an empty name, gives an error matching budget.ErrInvalidOption or
// ErrInvalidOption. Its keys live as long as the Store's TTL after their last
// write.
func (s *Store) Budget(name string, opts ...budget.Option) (*Budget, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: Budget needs a name", ErrInvalidOption)
	}
	loc, err := budget.New(opts...)
	if err != nil {
		return nil, err
	}
	b := &Budget{
		s:       s,
		key:     s.c.budgetKey(name),
		loc:     loc,
		reserve: loc.Stats().Credit, // a fresh budget's credit is its floor
	}
	s.mu.Lock()
	s.links++
	b.member = s.id + "." + strconv.Itoa(s.links)
	s.budgets = append(s.budgets, b)
	s.mu.Unlock()
	return b, nil
}

// Request records a call's first attempt; see budget.Budget.Request.
func (b *Budget) Request() {
	b.loc.Request()
	if !b.active.Load() {
		b.active.Store(true)
	}
}

// AllowRetry reports whether a retry may be made now, and if so charges it:
// the fleet's cap (when shared) and then the local budget must allow it.
func (b *Budget) AllowRetry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sharedLocked() && b.base+b.loc.Stats().Credit-b.credit0 < 1-eps {
		b.denied++
		return false
	}
	if !b.loc.AllowRetry() {
		return false
	}
	if !b.granting.Load() {
		b.granting.Store(true)
	}
	return true
}

// Outcome records the end of an attempt; see budget.Budget.Outcome.
func (b *Budget) Outcome(retry, ok bool) { b.loc.Outcome(retry, ok) }

// CancelRetry gives back a retry that AllowRetry granted but that was never
// made; see budget.Budget.CancelRetry. retry.Do and retryhttp call it.
func (b *Budget) CancelRetry() { b.loc.CancelRetry() }

// Local returns the local budget, for metrics (promretry.Metrics.Budget).
// Use the shared Budget itself for calls: retries granted by the local one
// directly are not checked against the fleet's cap.
func (b *Budget) Local() *budget.Budget { return b.loc }

// Stats returns a snapshot of b.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.loc.Stats()
	return BudgetStats{
		Stats:         st,
		Allowance:     b.base + st.Credit - b.credit0,
		Shared:        b.sharedLocked(),
		FleetCredit:   b.fleet.credit,
		FleetRequests: b.fleet.calls,
		Members:       b.fleet.members,
		Share:         b.fleet.share,
		FleetDenied:   b.denied,
	}
}

// sharedLocked reports whether the fleet's view is fresh enough to use.
func (b *Budget) sharedLocked() bool {
	s := b.s
	return b.synced && !s.down.Load() && !s.closed.Load() && time.Since(b.syncedAt) < b.stale()
}

// stale is how long a member's last write counts for the fleet.
func (b *Budget) stale() time.Duration { return 3*b.s.c.resync + b.s.c.timeout }

// prepare makes the job that writes this member's budget and reads the
// fleet's: every Resync, every Flush while retries are being granted, and
// not at all while the local window is empty.
func (b *Budget) prepare(now time.Time, resync bool) *job {
	s := b.s
	every := s.c.resync
	if b.granting.Load() {
		every = s.c.flush
	}
	if !resync && now.Sub(b.lastWrite) < every {
		return nil
	}
	active := b.active.Swap(false)
	b.granting.Store(false)
	st := b.loc.Stats()
	if !active && st.Requests == 0 && st.Retries == 0 {
		return nil // nothing to share: our entry expires
	}
	b.lastWrite = now
	return &job{
		script: budgetScript,
		key:    b.key,
		args: []any{b.member, strconv.FormatFloat(st.Credit, 'g', -1, 64), st.Requests,
			strconv.FormatFloat(b.reserve, 'g', -1, 64), ms(b.stale()), ms(s.c.ttl)},
		done: func(reply any) {
			if err := b.apply(reply, st, now); err != nil {
				s.st.errors.Add(1)
			}
		},
		fail: func() {},
	}
}

// apply takes in the allowance and the fleet's sums, written when our
// budget stood at st.
func (b *Budget) apply(reply any, st budget.Stats, now time.Time) error {
	v, ok := reply.([]any)
	if !ok || len(v) != 4 {
		return fmt.Errorf("redisstore: unexpected reply %v", reply)
	}
	s0, _ := v[0].(string)
	s1, _ := v[1].(string)
	allowance, err0 := strconv.ParseFloat(s0, 64)
	credit, err1 := strconv.ParseFloat(s1, 64)
	calls, ok1 := v[2].(int64)
	n, ok2 := v[3].(int64)
	if err0 != nil || err1 != nil || !ok1 || !ok2 || n < 1 {
		return fmt.Errorf("redisstore: unexpected reply %v", reply)
	}
	f := fleetView{credit: credit, calls: calls, members: int(n), share: 1 / float64(n)}
	if calls > 0 {
		f.share = min(float64(st.Requests)/float64(calls), 1)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fleet = f
	b.base = allowance
	b.credit0 = st.Credit
	b.synced, b.syncedAt = true, now
	return nil
}
