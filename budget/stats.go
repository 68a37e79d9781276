package budget

import (
	"math"
	"time"
)

// Stats is a snapshot of a Budget, for metrics and dashboards. Counts cover
// the current window (between nine and ten tenths of Window, by slot).
type Stats struct {
	Requests  int64 // first attempts
	Retries   int64 // retries allowed, less those given back by CancelRetry
	Succeeded int64 // of those, retries that succeeded (and got their refund)
	Denied    int64 // retries refused, by the cap or by the gate

	// Credit is what the cap still allows, in retries: the floor, plus
	// Ratio per first attempt, minus the cost of the retries made. It may
	// be negative after the window slides past deposits already spent.
	Credit float64
	// Gate is the failure gate's points: Tolerance for a new Budget, up to
	// Tolerance+2 after a run of successes, down to 0 after failed retries.
	// Retries are allowed while it is at least 1.
	Gate float64
	// Available is how many retries would be allowed now, asked for at
	// once: the whole part of Credit when the gate is open, else 0.
	Available int
}

// Stats returns a snapshot of b. It is safe to call at any time, from any
// goroutine.
func (b *Budget) Stats() Stats { return b.stats(b.mono()) }

// StatsAt is Stats at time now.
func (b *Budget) StatsAt(now time.Time) Stats { return b.stats(b.nanos(now)) }

func (b *Budget) stats(now int64) Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := max(b.slotNum(now), b.latest)
	c := b.sum(s)
	st := Stats{
		Requests:  c.requests,
		Retries:   c.retries,
		Succeeded: c.refunds,
		Denied:    c.denied,
		Credit:    b.credit(s),
	}
	open := b.gateOpen(now)
	st.Gate = b.tol - b.debt
	if open && st.Credit >= 1-eps {
		st.Available = int(min(math.Floor(st.Credit+eps), math.MaxInt32))
	}
	return st
}
