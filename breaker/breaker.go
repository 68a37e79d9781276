package breaker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Breaker is a circuit breaker; see the package documentation for how it
// moves between Closed, Open and HalfOpen. Most callers want Do or Call.
//
// A Breaker is safe for concurrent use by any number of goroutines. The zero
// Breaker is ready to use with the defaults (FailureThreshold 5,
// RecoveryTimeout 60s, no name); New sets other options. A Breaker must not be
// copied after first use.
type Breaker struct {
	word atomic.Uint64 // state, generation and consecutive failures; see state.go
	_    [56]byte      // keep the word, read by every call, off lines written by slow paths

	c     *config // immutable; nil means defaultConfig
	heavy bool    // a success needs more than the word: counting or SlowCall
	succ  *stripes
	tick  *time.Timer // FailureRate: dates the counted successes; see clock.go
	armed atomic.Bool // tick is due; written about once per idle spell
	link  Link
	epoch time.Time // origin of the breaker's clock

	openUntil atomic.Int64 // Open: when a probe may go, on the breaker's clock

	mu         sync.Mutex
	gen        uint64 // full generation; the word holds its low bits
	probes     int    // HalfOpen: probes running
	probeOK    int    // HalfOpen: successful probes
	probeSince int64  // HalfOpen: when the last probe slot was given
	win        *window
	unreported uint64  // successes not yet reported to the store
	events     []event // state changes to announce, in order
	delivering bool    // some goroutine is announcing events
}

// New returns a closed breaker configured by opts.
//
// New panics with an error matching ErrInvalidOption if an option is invalid
// (FailureThreshold(0), Shared without Name): a programming error, like a bad
// pattern given to regexp.MustCompile. Call Validate first when options come
// from configuration.
func New(opts ...Option) *Breaker {
	c, err := build(opts)
	if err != nil {
		panic(err)
	}
	b := &Breaker{c: c, epoch: time.Now()}
	if c.rate > 0 {
		b.win = newWindow(c.window)
		b.tick = time.AfterFunc(time.Hour, b.onTick)
		b.tick.Stop()
	}
	if c.rate > 0 || c.store != nil {
		b.succ = new(stripes)
	}
	b.heavy = b.succ != nil || c.slow > 0
	b.word.Store(pack(Closed, b.heavy, 0))
	if c.store != nil {
		link := c.store.Join(Member{Name: c.name, Window: c.window, Sync: b.sync, Take: b.take})
		b.mu.Lock() // the store may already call b.sync from its own goroutines
		b.link = link
		b.mu.Unlock()
	}
	return b
}

// Do calls fn unless the breaker rejects the call, and records the outcome.
// fn receives ctx unchanged. A rejection returns an *OpenError matching
// ErrOpen without calling fn; otherwise Do returns fn's error unchanged.
//
// A panic in fn (or runtime.Goexit) counts as a failure and propagates. An
// error matching context.Canceled, and any error returned after ctx was
// cancelled, counts neither way: someone gave the call up, which says
// nothing about the dependency. An error matching context.DeadlineExceeded
// (fn's own timeout, or ctx's deadline) is judged by IsFailure like any
// other, a failure by default: the dependency was too slow. Do is safe for
// concurrent use. In the closed state, with the default rules, a successful
// call takes no lock, reads no clock, allocates nothing and writes no shared
// memory.
func (b *Breaker) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	w := b.word.Load()
	if w&slowMask != 0 {
		if w&stateMask == 0 && b.conf().slow == 0 {
			return b.doCounted(ctx, fn, w)
		}
		return b.doSlow(ctx, fn)
	}
	// Closed, default rules: the fast path, inlined from Allow and report.
	finished := false
	defer func() {
		if !finished {
			b.failClosed(w)
		}
	}()
	err := fn(ctx)
	finished = true
	if err == nil {
		if b.word.Load() >= failOne { // some failures to forget
			b.resetFails(w)
		}
		return nil
	}
	b.reportSlow(Permit{b: b, w: w}, b.classify(ctx, err))
	return err
}

// doCounted is Do in the closed state of a breaker that counts successes.
func (b *Breaker) doCounted(ctx context.Context, fn func(ctx context.Context) error, w uint64) error {
	finished := false
	defer func() {
		if !finished {
			b.failClosed(w)
		}
	}()
	err := fn(ctx)
	finished = true
	if err == nil {
		b.succeedClosed(w)
		return nil
	}
	b.reportSlow(Permit{b: b, w: w}, b.classify(ctx, err))
	return err
}

func (b *Breaker) doSlow(ctx context.Context, fn func(ctx context.Context) error) error {
	p, err := b.allowSlow()
	if err != nil {
		return err
	}
	finished := false
	defer func() {
		if !finished {
			p.report(failure)
		}
	}()
	err = fn(ctx)
	finished = true
	p.report(b.classify(ctx, err))
	return err
}

// Call is Do for a function that returns a value as well as an error: it
// returns what fn returns, or the zero value and an *OpenError when b
// rejects the call.
func Call[T any](ctx context.Context, b *Breaker, fn func(ctx context.Context) (T, error)) (T, error) {
	w := b.word.Load()
	if w&slowMask != 0 {
		return callSlow(ctx, b, fn)
	}
	finished := false
	defer func() {
		if !finished {
			b.failClosed(w)
		}
	}()
	v, err := fn(ctx)
	finished = true
	if err == nil {
		if b.word.Load() >= failOne {
			b.resetFails(w)
		}
		return v, nil
	}
	b.reportSlow(Permit{b: b, w: w}, b.classify(ctx, err))
	return v, err
}

func callSlow[T any](ctx context.Context, b *Breaker, fn func(ctx context.Context) (T, error)) (T, error) {
	p, err := b.allowSlow()
	if err != nil {
		var zero T
		return zero, err
	}
	finished := false
	defer func() {
		if !finished {
			p.report(failure)
		}
	}()
	v, err := fn(ctx)
	finished = true
	p.report(b.classify(ctx, err))
	return v, err
}

// State returns the current state. An open breaker whose recovery timeout
// has passed becomes HalfOpen when its state is read, here or by a call.
func (b *Breaker) State() State {
	w := b.word.Load()
	if stateOf(w) == Open && b.now() >= b.openUntil.Load() {
		b.mu.Lock()
		b.halfOpenLocked(w, b.now())
		b.unlock()
		return stateOf(b.word.Load())
	}
	return stateOf(w)
}

// Name returns the name given with Name, or "".
func (b *Breaker) Name() string { return b.conf().name }

// classify judges the outcome of a call made under ctx, as Permit.Done
// does, and ignores any error once ctx was cancelled.
func (b *Breaker) classify(ctx context.Context, err error) outcome {
	if err == nil {
		return success
	}
	if errors.Is(err, context.Canceled) || ctx != nil && errors.Is(ctx.Err(), context.Canceled) {
		return ignored
	}
	if b.conf().failure(err) {
		return failure
	}
	return success
}

func (b *Breaker) conf() *config {
	if b.c != nil {
		return b.c
	}
	return &defaultConfig
}

// now reads the breaker's monotonic clock, in nanoseconds since New.
func (b *Breaker) now() int64 { return int64(time.Since(b.epoch)) }
