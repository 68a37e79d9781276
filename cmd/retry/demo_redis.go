package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// With --redis, our client runs as demoInstances instances, as many
// processes of one service would, sharing their breaker and retry budget
// through Redis.
const demoInstances = 3

const (
	demoKeyPrefix = "nop:retry:demo:" // then the run's id and ":"
	demoKeyTTL    = 10 * time.Minute  // the keys' life after the demo
	redisTimeout  = time.Second       // dial, read and write; the start's PING
)

// origin is the last change of the shared breaker to a state that an
// instance decided: which instance, and when (since the start).
type origin struct {
	label string
	at    time.Duration
}

// checkRedisAddr checks that addr is HOST:PORT with a numeric port; the
// host may be empty (the local host) or a name.
func checkRedisAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q: want a number from 1 to 65535", port)
	}
	return nil
}

// newRedisClient is one instance's client of Redis: short timeouts, so that
// an unreachable Redis cannot hold the demo, and no retries of its own (the
// store tries again every Resync). It sends no CLIENT SETINFO or
// MAINT_NOTIFICATIONS on connecting, which older servers refuse.
func newRedisClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     addr,
		DialTimeout:              redisTimeout,
		ReadTimeout:              redisTimeout,
		WriteTimeout:             redisTimeout,
		MaxRetries:               -1,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// newFleet builds the demoInstances instances of our client, each with its
// own Redis client and store, and returns a get that gives the requests to
// them in turn. If Redis does not answer a PING within redisTimeout it says
// so on stderr and carries on: the stores fail open, and each breaker keeps
// its own state until Redis answers.
func (d *demo) newFleet(ctx context.Context) (get func(ctx context.Context, url string) outcome, close func(), err error) {
	redis.SetLogger(quietRedis{}) // the stores report what matters
	close = sync.OnceFunc(func() {
		for _, in := range d.ours {
			in.idle()
			// Before Close, which cancels a command in flight: not an error
			// of Redis's.
			in.stats = in.store.Stats()
			_ = in.store.Close()
			_ = in.rdb.Close()
		}
	})
	d.redisKeys = fmt.Sprintf("%s%08x:", demoKeyPrefix, rand.Uint32())
	t := d.timing
	opts := []redisstore.Option{
		redisstore.Prefix(d.redisKeys),
		redisstore.TTL(demoKeyTTL),
		// Scaled to the demo's windows, as for its other delays.
		redisstore.Flush(min(max(t.window/10, time.Millisecond), redisstore.DefaultFlush)),
		redisstore.Resync(min(max(t.phase/4, 10*time.Millisecond), redisstore.DefaultResync)),
	}
	if err := redisstore.Validate(opts...); err != nil {
		return nil, nil, err
	}

	rdb := newRedisClient(d.redisAddr)
	pctx, cancel := context.WithTimeout(ctx, redisTimeout)
	err = rdb.Ping(pctx).Err()
	cancel()
	if err != nil && ctx.Err() == nil {
		d.redisDown = true
		fmt.Fprintf(d.stderr, "retry demo: Redis at %s is unreachable (%v); each instance's breaker keeps local state\n",
			d.redisAddr, err)
	}
	for n := 1; n <= demoInstances; n++ {
		if n > 1 {
			rdb = newRedisClient(d.redisAddr)
		}
		in := &ourInstance{label: fmt.Sprintf("%s#%d", clientNames[clientOurs], n), rdb: rdb}
		in.store = redisstore.New(rdb, slices.Concat(opts, []redisstore.Option{redisstore.Logger(slog.New(storeLog{d, in.label}))})...)
		if err := d.newInstance(in, in.store); err != nil {
			_ = in.store.Close()
			_ = rdb.Close()
			close()
			return nil, nil, err
		}
		d.ours = append(d.ours, in)
	}
	var turn sync.Mutex
	next := 0
	get = func(ctx context.Context, url string) outcome {
		turn.Lock()
		in := d.ours[next]
		next = (next + 1) % len(d.ours)
		turn.Unlock()
		in.requests.Add(1)
		return in.get(ctx, url)
	}
	return get, close, nil
}

// sharedChange counts and prints a change of in's shared breaker.
// Openings and closings are printed with their origin; the probes in
// between (open → half-open → open) are only counted.
func (d *demo) sharedChange(in *ourInstance, from, to breaker.State, how changeOrigin) {
	now := d.sinceStart()
	in.changes.Add(1)
	if from == breaker.Closed {
		in.opened.Add(1)
		if how == learnt {
			in.openedShared.Add(1)
		}
	}
	if to == breaker.Closed {
		in.closed.Add(1)
		if how == learnt {
			in.closedShared.Add(1)
		}
	}
	if from == breaker.Closed || to == breaker.Closed {
		in.mu.Lock()
		in.flips = append(in.flips, flip{in.label, int(d.phase.Load()), now, from == breaker.Closed, how})
		in.mu.Unlock()
	}
	if from != breaker.Closed && to != breaker.Closed || int(to) >= len(d.origin) {
		return
	}
	d.originMu.Lock()
	var what string
	switch o := d.origin[to]; {
	case how != learnt:
		d.origin[to] = origin{in.label, now}
		what = describe(to, how)
	case o.label != "" && o.label != in.label:
		what = fmt.Sprintf("shared from %s, +%s", o.label, fmtDur((now - o.at).Round(10*time.Microsecond)))
	default:
		what = describe(to, how)
	}
	d.originMu.Unlock()
	d.printf("  %7s  %s: breaker %s → %s (%s)", d.elapsed(), in.label, from, to, what)
}

// describe says where a change to state to came from.
func describe(to breaker.State, how changeOrigin) string {
	switch {
	case how == learnt:
		return "shared"
	case to != breaker.Open:
		return "here"
	case how == madeOnFleet:
		return "tripped here on the shared counts"
	}
	return "tripped here"
}

// fleetTable adds to the closing table a row per instance, and how far
// apart their breakers opened for the outage.
func (d *demo) fleetTable(b *strings.Builder) {
	fmt.Fprintf(b, "\nShared through Redis at %s, keys %s*", d.redisAddr, d.redisKeys)
	if d.redisDown {
		b.WriteString(" (unreachable at the start)")
	}
	const format = "%-10s %6s %7s %7s %7s %7s %8s %9s %9s %7s\n"
	fmt.Fprintf(b, "\n"+format, "instance", "reqs", "opened", "shared", "closed", "shared", "changes",
		"commands", "messages", "errors")
	for _, in := range d.ours {
		st := in.stats
		fmt.Fprintf(b, format, in.label, fmt.Sprint(in.requests.Load()), fmt.Sprint(in.opened.Load()),
			fmt.Sprint(in.openedShared.Load()), fmt.Sprint(in.closed.Load()), fmt.Sprint(in.closedShared.Load()),
			fmt.Sprint(in.changes.Load()), fmt.Sprint(st.Commands), fmt.Sprint(st.Messages), fmt.Sprint(st.Errors))
	}
	b.WriteString(`
opened, closed: the times the instance's breaker left closed and came
back; shared: of those, the ones it learnt from Redis rather than decided
itself; changes: all its changes of state; commands, messages, errors:
its redisstore.Stats. The rows of ours above add up the instances.
`)
	const outage = 2
	var opens []flip
	for _, in := range d.ours {
		if o, ok := in.openFor(outage); ok {
			opens = append(opens, o)
		}
	}
	if len(opens) == 0 {
		b.WriteString("\nIn the outage no instance's breaker was open.\n")
		return
	}
	slices.SortFunc(opens, func(x, y flip) int { return int(x.at - y.at) })
	first := opens[0].at
	spread := fmtDur((opens[len(opens)-1].at - first).Round(10 * time.Microsecond))
	if len(opens) == len(d.ours) {
		fmt.Fprintf(b, "\nIn the outage all %d breakers were open; they opened within %s:\n", len(opens), spread)
	} else {
		fmt.Fprintf(b, "\nIn the outage %d of the %d breakers were open; they opened within %s:\n", len(opens), len(d.ours), spread)
	}
	for i, o := range opens {
		at := fmt.Sprintf("at %.2fs", o.at.Seconds())
		if i > 0 {
			at = "+" + fmtDur((o.at - first).Round(10*time.Microsecond))
		}
		how := describe(breaker.Open, o.how)
		if o.how == learnt {
			how = "shared, learnt from Redis"
		}
		if o.phase != outage {
			how += ", in the " + demoPhases[o.phase].name + " phase"
		}
		fmt.Fprintf(b, "  %-8s %-9s %s\n", o.label, at, how)
	}
}

// flip is a change of an instance's breaker from closed (opened) or to
// closed.
type flip struct {
	label  string
	phase  int
	at     time.Duration // since the start
	opened bool
	how    changeOrigin
}

// openFor returns the opening that made in's breaker open in phase p: the
// last one before p if it was still open when p began, else the first one
// in p.
func (in *ourInstance) openFor(p int) (flip, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var last flip
	open := false
	for _, o := range in.flips {
		switch {
		case o.phase < p:
			open = o.opened
			if o.opened {
				last = o
			}
		case open || o.phase > p:
			return last, open
		case o.opened:
			return o, true
		}
	}
	return last, open
}

// storeLog prints what an instance's store logs (Redis unreachable, and
// reachable again) as a live line, naming the instance. When the start
// already said that Redis is unreachable, the stores' own saying so is left
// out.
type storeLog struct {
	d     *demo
	label string
}

func (h storeLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h storeLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && h.d.redisDown {
		return nil
	}
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			msg += fmt.Sprintf(" (%v)", a.Value.Any())
		}
		return true
	})
	h.d.printf("  %7s  %s: %s", h.d.elapsed(), h.label, msg)
	return nil
}

func (h storeLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h storeLog) WithGroup(string) slog.Handler      { return h }

// quietRedis drops go-redis's own log lines (failed dials while Redis is
// unreachable): the stores report that once, through storeLog.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
