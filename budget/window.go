package budget

import "sync/atomic"

// The window is a ring of nSlots slots, each counting the events of one
// tenth of the window. A slot is reused for a newer tenth when the ring comes
// round to it ("claimed"), under Budget.mu; the counters are atomics, so
// Request takes no lock except to claim a slot, once per tenth.

// nSlots is the number of slots in the window.
const nSlots = 10

type slot struct {
	id       atomic.Int64 // number of the tenth counted here
	requests atomic.Int64 // first attempts: the deposits
	retries  atomic.Int64 // retries allowed; written under Budget.mu
	refunds  atomic.Int64 // retries that succeeded
	denied   atomic.Int64 // retries refused; written under Budget.mu
}

// slotNum returns the number of the tenth of the window that holds now.
func (b *Budget) slotNum(now int64) int64 {
	q := now / b.width
	if now%b.width < 0 {
		q--
	}
	return q
}

// index returns the position of slot number s in the ring.
func index(s int64) int {
	m := s % nSlots
	if m < 0 {
		m += nSlots
	}
	return int(m)
}

// slot returns the slot that counts tenth s, claiming it if it still holds
// an older tenth. A caller whose clock reading is stale may get a newer
// tenth's slot, which only moves its event forward in time.
func (b *Budget) slot(s int64) *slot {
	sl := &b.slots[index(s)]
	if sl.id.Load() < s {
		b.mu.Lock()
		b.claim(sl, s)
		b.mu.Unlock()
	}
	return sl
}

// claim makes sl count tenth s if it holds an older one. b.mu must be held.
func (b *Budget) claim(sl *slot, s int64) {
	if sl.id.Load() < s {
		sl.requests.Store(0)
		sl.retries.Store(0)
		sl.refunds.Store(0)
		sl.denied.Store(0)
		sl.id.Store(s)
	}
	b.latest = max(b.latest, s)
}

// counts are the window's totals.
type counts struct {
	requests, retries, refunds, denied int64
}

// sum adds up the slots of the window that ends with tenth s.
func (b *Budget) sum(s int64) counts {
	var c counts
	for i := range b.slots {
		sl := &b.slots[i]
		if id := sl.id.Load(); id > s-nSlots && id <= s {
			c.requests += sl.requests.Load()
			c.retries += sl.retries.Load()
			c.refunds += sl.refunds.Load()
			c.denied += sl.denied.Load()
		}
	}
	return c
}

// credit returns the retries the window ending with tenth s still allows:
// the floor, plus Ratio per first attempt, minus the cost of the retries
// made. A successful retry's refund never makes credit of its own, even
// when the retry was charged to a tenth that has left the window.
func (b *Budget) credit(s int64) float64 {
	c := b.sum(s)
	spent := float64(c.retries) - min(b.refund*float64(c.refunds), float64(c.retries))
	return b.reserve + b.ratio*float64(c.requests) - spent
}
