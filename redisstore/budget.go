package redisstore

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/redis/go-redis/v9"
)

var _ retry.Budget = (*Budget)(nil)

// eps absorbs float rounding in comparisons of tokens.
const eps = 1e-9

// fleetBit marks a Ticket whose retry was charged to the fleet's bucket as
// well as to the local budget's.
const fleetBit retry.Ticket = 1 << 63

// Budget is a retry budget shared by the processes of a fleet: pass it to
// retry.WithBudget, like a *budget.Budget. Each process keeps a local
// budget.Budget, made with the same options, which applies its bucket to
// the process's own calls; the shared part adds one bucket for the whole
// fleet, of the same Burst, so that a fleet of N processes does not get N
// Bursts in an outage. A retry must pass both.
//
// How the fleet's bucket is shared: it lives in Redis, and each process
// leases a part of it, its share (Burst divided by the processes), with one
// script call every Resync (every Flush while it grants retries). A retry is
// charged to the process's lease, without waiting on Redis; a success's
// Ratio goes to the fleet's bucket at the next write, a successful or
// cancelled retry's cost back to the lease. Leases never add up to more
// than the bucket holds, so while Redis is reachable the fleet's failed
// retries cost at most Burst plus Ratio per success of any process: the cap
// is exact. A process that stops
// writing for 3 Resyncs plus Timeout is dropped, and its lease returns to
// the bucket.
//
// While Redis is unreachable, or before the first sync, the local budget
// decides alone (and a process whose lease was returned while it was cut
// off may spend it once more: the one approximation).
//
// A fleet shares one cold-start Burst: with the default Burst (50) and 5
// processes, each may spend 10 tokens (5 retries after 503s) before its
// lease is topped up from what successes earn. Give the shared Budget a
// Burst N times the local one's for N processes that must each keep a
// whole burst (the local budgets then get it too; each process is still
// held to its lease).
//
// A Budget is safe for concurrent use. Request costs what the local
// budget's does, plus an atomic load; Outcome for a success an atomic add;
// AllowRetry, and Outcome and CancelRetry for a retry, a short mutex. The
// zero Budget is not usable; make Budgets with Store.Budget.
type Budget struct {
	s      *Store
	key    string
	member string
	loc    *budget.Budget
	p      budget.Params
	earn   int64 // Ratio, in millionths of a token

	active   atomic.Bool  // a call since the last write
	granting atomic.Bool  // a retry granted since the last write
	earned   atomic.Int64 // millionths of a token earned since the last write

	mu       sync.Mutex
	synced   bool
	syncedAt time.Time
	lease    float64 // tokens of the fleet's bucket this process may spend
	fleet    float64 // the fleet's bucket, leases included, at the last sync
	members  int
	denied   int64
	// Refusal's report of the fleet's refusals
	lastDenied int64
	reportAt   time.Time
	reported   bool
	reason     string

	lastWrite time.Time // flusher only
}

// BudgetStats is a snapshot of a shared Budget.
type BudgetStats struct {
	// Stats is this process's local budget: its own calls and retries,
	// and its own bucket.
	budget.Stats

	// Shared reports whether the fleet's bucket is applied now; false while
	// Redis is unreachable or before the first sync.
	Shared bool
	// FleetCredit is the tokens in the fleet's bucket at the last sync,
	// the processes' leases included: from 0 to Burst.
	FleetCredit float64
	// Members is the processes sharing the bucket at the last sync.
	Members int
	// Lease is the tokens of the fleet's bucket this process may spend
	// now.
	Lease float64
	// FleetDenied counts retries refused by the fleet's bucket (those
	// refused by the local budget are in Stats.Denied).
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
	p := loc.Params()
	b := &Budget{
		s:    s,
		key:  s.c.budgetKey(name),
		loc:  loc,
		p:    p,
		earn: int64(p.Ratio * 1e6),
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

// AllowRetry reports whether a retry may be made now after an attempt that
// ended with o, and if so charges it: the fleet's bucket (this process's
// lease, when shared) and then the local budget must allow it.
func (b *Budget) AllowRetry(o retry.Outcome) (retry.Ticket, bool) {
	if o == retry.OutcomeOK || o > retry.OutcomeTimedOut {
		o = retry.OutcomeTransient
	}
	cost := b.p.Cost[o]
	b.mu.Lock()
	defer b.mu.Unlock()
	shared := b.sharedLocked()
	if shared && b.lease < cost-eps {
		b.denied++
		return 0, false
	}
	t, ok := b.loc.AllowRetry(o)
	if !ok {
		return 0, false
	}
	if !b.granting.Load() {
		b.granting.Store(true)
	}
	if shared {
		b.lease -= cost
		t |= fleetBit
	}
	return t, true
}

// Outcome records how an attempt ended; see budget.Budget.Outcome. A
// success's Ratio goes to the fleet's bucket too, and a successful retry's
// cost back to this process's lease.
func (b *Budget) Outcome(t retry.Ticket, o retry.Outcome) {
	b.loc.Outcome(t&^fleetBit, o)
	if o != retry.OutcomeOK {
		return
	}
	if b.earn > 0 {
		b.earned.Add(b.earn)
	}
	if t&fleetBit != 0 {
		b.refund(t)
	}
}

// CancelRetry settles a granted retry that will not be made; see
// budget.Budget.CancelRetry. Its cost goes back to the lease it came from.
func (b *Budget) CancelRetry(t retry.Ticket) {
	b.loc.CancelRetry(t &^ fleetBit)
	if t&fleetBit != 0 {
		b.refund(t)
	}
}

// refund gives a fleet-charged retry's cost back to the lease.
func (b *Budget) refund(t retry.Ticket) {
	b.mu.Lock()
	b.lease += b.p.Cost[t&3]
	b.mu.Unlock()
}

// Refusal says why retries are being refused, at most once per Window;
// see budget.Budget.Refusal. It reports the local budget's figures when the
// local budget refused, and the fleet's bucket when that did.
func (b *Budget) Refusal() (reason string, report bool) {
	local, ok := b.loc.Refusal()
	if ok {
		return local, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.denied == b.lastDenied || b.reported && now.Sub(b.reportAt) < b.p.Window {
		if b.reason != "" {
			return b.reason, false
		}
		return local, false
	}
	b.reason = fmt.Sprintf("the fleet's bucket refused %d retries: lease %.3g tokens of a share of %.3g; "+
		"the fleet's bucket %.3g of %.3g tokens across %d processes at the last sync",
		b.denied-b.lastDenied, b.lease, b.p.Burst/float64(max(b.members, 1)), b.fleet, b.p.Burst, b.members)
	b.lastDenied, b.reportAt, b.reported = b.denied, now, true
	return b.reason, true
}

// Local returns the local budget, for metrics (promretry.Metrics.Budget).
// Use the shared Budget itself for calls: retries granted by the local one
// directly are not charged to the fleet's bucket.
func (b *Budget) Local() *budget.Budget { return b.loc }

// Stats returns a snapshot of b.
func (b *Budget) Stats() BudgetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return BudgetStats{
		Stats:       b.loc.Stats(),
		Shared:      b.sharedLocked(),
		FleetCredit: b.fleet,
		Members:     b.members,
		Lease:       b.lease,
		FleetDenied: b.denied,
	}
}

// sharedLocked reports whether the fleet's view is fresh enough to use.
func (b *Budget) sharedLocked() bool {
	s := b.s
	return b.synced && !s.down.Load() && !s.closed.Load() && time.Since(b.syncedAt) < b.stale()
}

// stale is how long a member's last write counts for the fleet.
func (b *Budget) stale() time.Duration { return 3*b.s.c.resync + b.s.c.timeout }

// prepare makes the job that returns what this process earned and what it
// holds beyond its share, and tops its lease up to its share: every Resync,
// every Flush while retries are being granted, while it has had calls or
// holds a lease. A process keeps its lease while idle, so that its next
// failure finds a retry; a process that is gone is dropped from the fleet
// and its lease returned.
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
	b.mu.Lock()
	if !b.sharedLocked() {
		b.lease = 0 // Redis returns it to the bucket once we are dropped
	}
	want := b.p.Burst / float64(max(b.members, 1))
	back := max(b.lease-want, 0) // given back to the bucket
	b.lease -= back
	held := b.lease
	b.mu.Unlock()
	earned := b.earned.Swap(0)
	if !active && earned == 0 && held == 0 && back == 0 {
		return nil // nothing to share: our entry expires
	}
	b.lastWrite = now
	return &job{
		script: budgetScript,
		key:    b.key,
		args: []any{b.member, fmtFloat(held), fmtFloat(back + float64(earned)/1e6), fmtFloat(want),
			fmtFloat(b.p.Burst), ms(b.stale()), ms(s.c.ttl)},
		done: func(reply any) {
			if err := b.apply(reply, now); err != nil {
				s.st.errors.Add(1)
			}
		},
		fail: func() {}, // what was earned or given back is lost, and a lease not granted: the safe side
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// apply takes in the lease granted and the fleet's bucket.
func (b *Budget) apply(reply any, now time.Time) error {
	v, ok := reply.([]any)
	if !ok || len(v) != 3 {
		return fmt.Errorf("redisstore: unexpected reply %v", reply)
	}
	s0, _ := v[0].(string)
	s1, _ := v[1].(string)
	give, err0 := strconv.ParseFloat(s0, 64)
	fleet, err1 := strconv.ParseFloat(s1, 64)
	n, ok1 := v[2].(int64)
	if err0 != nil || err1 != nil || !ok1 || n < 1 || give < 0 {
		return fmt.Errorf("redisstore: unexpected reply %v", reply)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lease += give
	b.fleet, b.members = fleet, int(n)
	b.synced, b.syncedAt = true, now
	return nil
}

// budgetScript keeps a fleet's retry budget: one bucket, leased out to its
// members.
//
//	KEYS[1]  the budget's hash
//	ARGV[1]  the member (store and budget)
//	ARGV[2]  the tokens of its lease it still holds (the rest it spent)
//	ARGV[3]  the tokens it gives back: what its successes earned since its
//	         last write, and what it held beyond its share
//	ARGV[4]  the lease it wants: its share of the Burst
//	ARGV[5]  the Burst
//	ARGV[6]  how long a member that stopped writing still counts, ms
//	ARGV[7]  key TTL, ms
//
// Fields: "tokens", the bucket's tokens not leased; one per member, "held
// seen_ms". A member not seen for ARGV[6] is deleted and its lease returns
// to the bucket. What the member gives back goes into the bucket, which
// with the leases holds at most the Burst; then the member's lease is topped up to what it
// wants from what the bucket has. A new hash starts full.
//
// Returns {tokens granted, the bucket with every lease (both strings),
// members}.
var budgetScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key, me = KEYS[1], ARGV[1]
local h, e, w, cap, stale = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', key)
local tokens, others, back, n = nil, 0, 0, 1
for i = 1, #all, 2 do
  local f, v = all[i], all[i + 1]
  if f == 'tokens' then
    tokens = tonumber(v)
  elseif f ~= me then
    local eh, seen = string.match(v, '^(%S+) (%d+)$')
    if seen and tonumber(eh) and now - tonumber(seen) <= stale then
      others, n = others + tonumber(eh), n + 1
    else
      redis.call('HDEL', key, f)
      if tonumber(eh) then back = back + tonumber(eh) end
    end
  end
end
if tokens == nil then tokens = cap end
tokens = math.max(0, math.min(tokens + back + e, cap - others - h))
local give = 0
if w > h then give = math.min(w - h, tokens) end
tokens = tokens - give
h = h + give
redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), me, string.format('%.17g %d', h, now))
redis.call('PEXPIRE', key, ARGV[7])
return {string.format('%.17g', give), string.format('%.17g', tokens + others + h), n}
`)
