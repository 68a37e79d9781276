// Package redisstore shares circuit breaker and retry budget state between
// the processes of a fleet through Redis (go-redis v9: a single node,
// Sentinel or Cluster), the NOP specification's distributed circuit
// breaker.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	store := redisstore.New(rdb) // connects in the background
//	defer store.Close()
//	cb := breaker.New(breaker.Name("payments"), breaker.Shared(store))
//	rb, err := store.Budget("payments") // a retry.Budget
//	err = retry.Do(ctx, func(ctx context.Context) error {
//		return cb.Do(ctx, charge)
//	}, retry.WithBudget(rb))
//
// # What is shared
//
// Breakers of the same name share their state: failures in every process
// count toward the trip; when one trips, the others learn it by pub/sub
// within milliseconds; after a (re)subscription, and after an outage, each
// process reads every name again, and every Resync (default 1s) it
// re-reads a batch of 100 names in turn, a backstop whose cost does not
// grow with the number of names; in half-open, one process of the fleet probes, holding a lease that
// expires after the breaker's RecoveryTimeout (at least 1s).
//
// A successful call never waits on Redis: the breaker reads its state
// locally and the store counts successes in memory. Failures and changes of
// state are sent at once by the store's goroutine, in batches, never by the
// caller. Successes are sent every Flush (default 100ms) while they matter:
// with a FailureRate window always (at most every twentieth of the window);
// with the consecutive-failure rule only while some process has reported a
// failure since the last success, since that is all they can change. A
// fleet whose calls succeed sends nothing but the backstop (at most 100
// scripts per process per Resync, however many names) and a ping on a
// quiet pub/sub connection: with 10,000 names, about 70 commands a second
// per process as measured (load_test.go; 100 a second is the bound). Every change of state is a Lua script, a compare-and-set on
// the generation; no lock is held around a call.
//
// Retry budgets of the same name (Store.Budget) share one token bucket:
// each process's budget.Budget decides locally, and each process also
// leases its share of the fleet's bucket from Redis (every Resync, every
// Flush while it grants retries) and spends it without waiting on Redis,
// so that the fleet's failed retries stay within one Burst plus what its
// successes earn, exactly, instead of one Burst per process; see Budget.
//
// # Redis data
//
// Keys start with Prefix (default "nop:retry:") and carry the name as a
// hash tag, so that each key maps to one slot on Redis Cluster; every write
// renews the key's TTL (default 24h), so the keys of names no longer used
// go away. Time is Redis's (TIME), so clocks of the fleet need not agree.
//
//	<prefix>breaker:{<name>}  hash: state, gen, until (unix ms), succ, fail,
//	                          consec; w0…w9 (FailureRate window buckets);
//	                          lease, lgen, luntil (the half-open probe)
//	<prefix>budget:{<name>}   hash: tokens (the bucket not leased); one
//	                          field per process, "held seen_ms"
//	<prefix>breaker           pub/sub channel: "state gen until succ fail consec name"
//
// # When Redis is unreachable
//
// Breakers carry on with local state, as unshared breakers would: calls
// flow, failures trip the breaker that sees them, a half-open breaker takes
// the probe lease itself (or, with FailClosed, waits for Redis). Redis is
// taken for unreachable on a network error, on a command of the store left
// without a reply for Resync (a hung server: go-redis applies a context's
// deadline only with ContextTimeoutEnabled, so the store keeps its own
// watch), and when Redis refuses the client's credentials (NOAUTH,
// WRONGPASS: a misconfiguration, logged once as an error and shown by
// Stats.AuthFailed). The first failed command is logged once (Logger) and
// counted (Stats); failure reports are dropped, changes of state are kept,
// and the store tries again every Resync with a PING. When Redis answers it sends the changes of state made
// meanwhile, so that a breaker that tripped alone trips the fleet, re-reads
// every breaker, and logs that Redis is back. The only call
// that waits for Redis is the half-open probe's lease, at most Timeout
// (default 100ms). Retry budgets fall back to their local budget.
package redisstore
