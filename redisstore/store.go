package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/redis/go-redis/v9"
)

var _ breaker.Store = (*Store)(nil)

// Store keeps breaker and retry budget state in Redis, shared by every
// process that uses the same Redis and Prefix: pass it to breaker.Shared,
// and make budgets with Budget. See the package documentation for what is
// shared, when, and what happens when Redis is unreachable.
//
// Breakers that join under one name share one key, and so one FailureRate
// window: the first non-zero window of the breakers that joined under the
// name in this process is the one sent to Redis; later members' windows are
// ignored. Give breakers of one name the same options.
//
// Redis counts as unreachable (Stats.Down) on network errors and timeouts
// of the store's own commands, on commands left without a reply for Resync
// (a hung server, whatever the client's timeouts), and when Redis refuses
// the client's credentials (Stats.AuthFailed: a misconfiguration, logged as
// an error). An error reply to one command (a key of the wrong type, a
// script error) is counted in Stats.Errors and logged, at most once a
// minute, without affecting the other breakers and budgets; neither is a
// half-open lease that outlasts Timeout.
//
// A Store is safe for concurrent use. Make one per process with New and
// Close it when done; the zero Store is not usable.
type Store struct {
	rdb  redis.UniversalClient
	c    *config
	id   string // this store among the fleet's, for leases and budgets
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	wake chan struct{}

	down   atomic.Bool // Redis is taken for unreachable
	auth   atomic.Bool // Redis refused the client's credentials
	closed atomic.Bool
	leases chan struct{} // a slot per lease waiting for Redis

	mu      sync.Mutex
	groups  map[string]*group
	order   []*group
	budgets []*Budget
	ps      *redis.PubSub
	resync  bool // a full resync is due at once
	links   int  // links made, to name their leases
	cursor  int  // next group of order to re-read in a periodic round

	logMu     sync.Mutex
	loggedAt  time.Time // last "unreachable" line
	logged    bool      // an "unreachable" line waits for its "reachable again"
	repliedAt time.Time // last "error reply" line

	st counters
}

type counters struct {
	commands, errors, syncs, messages, resyncs, dropped, local atomic.Uint64
}

// Stats counts what a Store did, for metrics and tests. Counters only grow.
type Stats struct {
	Commands uint64 // commands sent to Redis (a script counts as one)
	Errors   uint64 // commands that failed or timed out
	Syncs    uint64 // shared states given to breakers: replies, messages and resyncs
	Messages uint64 // pub/sub messages received
	Resyncs  uint64 // full rounds re-reading every breaker: after (re)subscribing or an outage
	Dropped  uint64 // failure reports not sent because Redis was unreachable
	Local    uint64 // probe leases decided locally because Redis was unreachable or slow
	Down     bool   // whether Redis is taken for unreachable now
	// AuthFailed is whether Redis refused the client's credentials (NOAUTH,
	// WRONGPASS, NOPERM) the last time it was tried: the client is
	// misconfigured. Down is true as well, and the store fails open.
	AuthFailed bool
}

// New returns a Store that keeps shared state in rdb (a *redis.Client,
// *redis.ClusterClient, a Sentinel-backed failover client or a Ring). It
// does not wait for Redis: its goroutines connect in the background, and
// breakers and budgets run on local state until they can.
//
// New panics with an error matching ErrInvalidOption if rdb is nil or an
// option is invalid: a programming error, as with breaker.New. Call Validate
// first when options come from configuration.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	c, err := build(opts)
	if err == nil && rdb == nil {
		err = fmt.Errorf("%w: nil client", ErrInvalidOption)
	}
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Store{
		rdb:    rdb,
		c:      c,
		id:     strconv.FormatUint(rand.Uint64(), 36),
		ctx:    ctx,
		stop:   stop,
		wake:   make(chan struct{}, 1),
		leases: make(chan struct{}, maxLeases),
		groups: make(map[string]*group),
		ps:     rdb.Subscribe(ctx), // no channel yet: no network
	}
	s.wg.Add(2)
	go s.flusher()
	go s.subscriber()
	return s
}

// Close stops the store's goroutines and waits for them, which may take as
// long as a command in flight (bounded by the client's own timeouts; with
// no ReadTimeout and a hung Redis, until Redis answers or the connection
// breaks). It
// does not close rdb. Breakers and budgets using the store carry on with
// local state. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock() // Lease adds to wg under mu, after checking closed
	if s.closed.Swap(true) {
		s.mu.Unlock()
		return nil
	}
	ps := s.ps
	s.mu.Unlock()
	s.stop()
	_ = ps.Close() // ends a blocked receive
	s.wg.Wait()
	return nil
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Commands: s.st.commands.Load(),
		Errors:   s.st.errors.Load(),
		Syncs:    s.st.syncs.Load(),
		Messages: s.st.messages.Load(),
		Resyncs:  s.st.resyncs.Load(),
		Dropped:  s.st.dropped.Load(),
		Local:    s.st.local.Load(),
		Down:     s.down.Load(),

		AuthFailed: s.auth.Load(),
	}
}

// poke wakes the flusher without waiting.
func (s *Store) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// requestResync makes the flusher re-read everything at once, down or not.
func (s *Store) requestResync() {
	s.mu.Lock()
	s.resync = true
	s.mu.Unlock()
	s.poke()
}

// flusher sends what breakers and budgets have to say, every Flush and
// whenever poked. Every Resync it also re-reads a batch of breakers in turn
// (at most resyncBatch) and writes the budgets; after a (re)subscription it
// re-reads every breaker. While Redis is unreachable it only tries again,
// every Resync, with a PING, and re-reads everything once Redis answers.
func (s *Store) flusher() {
	defer s.wg.Done()
	tick := time.NewTicker(s.c.flush)
	defer tick.Stop()
	next := time.Now().Add(s.c.resync)
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
		now := time.Now()
		s.mu.Lock()
		full := s.resync
		s.resync = false
		s.mu.Unlock()
		periodic := !now.Before(next)
		if periodic {
			next = now.Add(s.c.resync)
		}
		if s.down.Load() {
			if !periodic && !full {
				continue
			}
			if err := s.ping(); err != nil {
				s.markDown(err)
				continue
			}
			full = true
		}
		s.flush(now, periodic || full, full)
	}
}

// job is one script call of a flush.
type job struct {
	script *redis.Script
	key    string
	args   []any
	done   func(reply any)
	fail   func()
	cmd    *redis.Cmd
}

// flush runs one round: a script per breaker or budget with something to
// send or due to be re-read, all in one pipeline. periodic is a Resync
// round: budgets write, and the next batch of breakers is re-read; full
// re-reads every breaker.
func (s *Store) flush(now time.Time, periodic, full bool) {
	s.mu.Lock()
	groups := append([]*group(nil), s.order...)
	budgets := append([]*Budget(nil), s.budgets...)
	from, n := s.cursor, 0
	if periodic && !full && len(groups) > 0 {
		n = min(resyncBatch, len(groups))
		s.cursor = (from + n) % len(groups)
	}
	s.mu.Unlock()
	var jobs []*job
	for i, g := range groups {
		read := full || (i-from+len(groups))%len(groups) < n
		if j := g.prepare(now, read); j != nil {
			jobs = append(jobs, j)
		}
	}
	for _, b := range budgets {
		if j := b.prepare(now, periodic); j != nil {
			jobs = append(jobs, j)
		}
	}
	if full {
		s.st.resyncs.Add(1)
	}
	if len(jobs) == 0 {
		if s.down.Load() { // only after a PING that Redis answered
			s.markUp(full)
		}
		return
	}
	down, reply := s.run(jobs)
	for _, j := range jobs {
		if j.cmd.Err() != nil {
			j.fail()
		} else {
			j.done(j.cmd.Val())
		}
	}
	if reply != nil {
		s.replyError(reply)
	}
	if down != nil {
		s.markDown(down)
	} else {
		s.markUp(full)
	}
}

// ping checks whether Redis answers, before a round after an outage.
func (s *Store) ping() error {
	ctx, cancel := context.WithTimeout(s.ctx, s.c.resync)
	defer cancel()
	s.st.commands.Add(1)
	var err error
	s.within(func() { err = s.rdb.Ping(ctx).Err() })
	if err != nil && !replied(err) {
		s.st.errors.Add(1)
		return err
	}
	return nil
}

// errNoReply is why a hung Redis is taken for unreachable.
var errNoReply = errors.New("redisstore: no reply from Redis within Resync (a hung server or a silent network)")

// within runs f, which talks to Redis, on a goroutine of its own, and waits
// for it to return. If f has not returned within Resync, Redis is taken for
// unreachable at once, and the wait goes on: go-redis bounds a command by a
// context's deadline only with ContextTimeoutEnabled, so f may last the
// client's ReadTimeout, or, without one, until Redis answers. Breakers and
// budgets meanwhile go on with local state, and the flusher, waiting, sends
// nothing more; one command at a time is left hanging.
func (s *Store) within(f func()) {
	done := make(chan struct{})
	s.wg.Add(1) // the flusher's own count keeps wg above 0 here
	go func() {
		defer s.wg.Done()
		defer close(done)
		f()
	}()
	t := time.NewTimer(s.c.resync)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
		s.st.errors.Add(1)
		s.markDown(errNoReply)
	}
	<-done
}

// replied reports whether err is an error reply of a Redis that serves
// commands (WRONGTYPE, a script's error...): the fault is the command's,
// not an outage. Replies that say the server cannot serve (still loading,
// busy with a script, a replica, a cluster down) are taken as outages, and
// so are refused credentials (see authFailed).
func replied(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) || errors.Is(err, redis.Nil) || authFailed(err) {
		return false
	}
	for _, p := range []string{"LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"} {
		if strings.HasPrefix(rerr.Error(), p) {
			return false
		}
	}
	return true
}

// authFailed reports whether err is Redis refusing the client's
// credentials or its user's rights: no password given (NOAUTH), a wrong one
// (WRONGPASS, or "invalid password" from Redis before 6), a password
// where none is set, a command too long for a client not yet
// authenticated, or an ACL user not allowed the store's commands (NOPERM). A client so configured never gets through: a misconfiguration.
func authFailed(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	msg := rerr.Error()
	for _, p := range []string{"NOAUTH", "WRONGPASS", "NOPERM", "ERR invalid password", "ERR AUTH",
		"ERR Client sent AUTH, but no password is set", "ERR Protocol error: unauthenticated"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// run sends jobs in a pipeline, and again with EVAL those whose script
// Redis does not have, within Resync (see within). It returns the first error that means Redis is
// unreachable, and the first error reply.
func (s *Store) run(jobs []*job) (down, reply error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.c.resync)
	defer cancel()
	send := func(eval bool, js []*job) {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, j := range js {
				if eval {
					j.cmd = j.script.Eval(ctx, p, []string{j.key}, j.args...)
				} else {
					j.cmd = j.script.EvalSha(ctx, p, []string{j.key}, j.args...)
				}
			}
			return nil
		})
		s.st.commands.Add(uint64(len(js)))
		if err != nil {
			// A connection that could not be set up (AUTH refused) fails
			// the pipeline and leaves its commands without a reply or an
			// error of their own.
			for _, j := range js {
				if j.cmd.Err() == nil && j.cmd.Val() == nil {
					j.cmd.SetErr(err)
				}
			}
		}
	}
	s.within(func() {
		send(false, jobs)
		var again []*job
		for _, j := range jobs {
			if redis.HasErrorPrefix(j.cmd.Err(), "NOSCRIPT") {
				again = append(again, j)
			}
		}
		if len(again) > 0 {
			send(true, again)
		}
	})
	for _, j := range jobs {
		if err := j.cmd.Err(); err != nil {
			s.st.errors.Add(1)
			if !replied(err) {
				down = cmp.Or(down, err)
			} else {
				reply = cmp.Or(reply, err)
			}
		}
	}
	return down, reply
}

// replyError logs an error reply of Redis, at most once a minute. Redis is
// up: only the breaker or budget concerned goes without its shared state.
func (s *Store) replyError(err error) {
	if s.closed.Load() {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if now := time.Now(); now.Sub(s.repliedAt) >= time.Minute {
		s.repliedAt = now
		s.c.logger.Warn("redisstore: Redis replied with an error; the breaker or budget concerned goes on with local state",
			slog.String("prefix", s.c.prefix), slog.Any("err", err))
	}
}

// markDown takes Redis for unreachable, and says so once per outage, at
// most once a minute. Refused credentials are said at once, as an error,
// once until Redis takes the client again, in place of the outage's line.
func (s *Store) markDown(err error) {
	wasDown := s.down.Swap(true)
	if s.closed.Load() {
		return
	}
	if authFailed(err) {
		if !s.auth.Swap(true) {
			s.logMu.Lock()
			defer s.logMu.Unlock()
			s.logged = true
			s.c.logger.Error("redisstore: Redis refused the client's credentials: check the Redis client's "+
				"Password and Username (or the ACL user's rights); breakers and budgets go on with local state",
				slog.String("prefix", s.c.prefix), slog.Any("err", err))
		}
		return
	}
	if wasDown {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if now := time.Now(); now.Sub(s.loggedAt) >= time.Minute {
		s.loggedAt, s.logged = now, true
		s.c.logger.Warn("redisstore: Redis unreachable; breakers and budgets go on with local state",
			slog.String("prefix", s.c.prefix), slog.Any("err", err))
	}
}

// markUp takes Redis for reachable after a round that full says re-read
// every breaker or not; after an outage, a round that did not (a command
// that hung and got its reply at last) asks for one.
func (s *Store) markUp(full bool) {
	s.auth.Store(false)
	if !s.down.Swap(false) {
		return
	}
	if !full {
		s.requestResync()
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logged {
		s.logged = false
		s.c.logger.Info("redisstore: Redis reachable again; shared state re-synced",
			slog.String("prefix", s.c.prefix))
	}
}

// pause waits d or until Close; it reports false on Close.
func (s *Store) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// ms is d in whole milliseconds, at least 1.
func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }
