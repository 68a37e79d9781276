package budget

import "sync/atomic"

// The window is a ring of nSlots slots, each counting the events of one
// tenth of the window. A slot is reused for a newer tenth when the ring comes
// round to it ("claimed"), under Budget.mu. Request counts into it with an
// atomic add, and so takes no lock except to claim a slot, once per tenth;
// everything else in a slot is written and read under Budget.mu.

// nSlots is the number of slots in the window.
const nSlots = 10

type slot struct {
	id       atomic.Int64 // number of the tenth counted here
	requests atomic.Int64 // first attempts: the deposits

	// The rest is under Budget.mu.
	retries int64 // retries granted here, less those cancelled
	refunds int64 // of those, retries that succeeded
	denied  int64 // retries refused
	pending int64 // of retries, those whose outcome is pending (ledger.go)
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
	if s > b.latest {
		b.latest = s
		b.retire()
	}
	if sl.id.Load() < s {
		sl.requests.Store(0)
		sl.retries, sl.refunds, sl.denied = 0, 0, 0
		sl.pending = 0
		sl.id.Store(s)
	}
}

// counts are the window's totals.
type counts struct {
	requests, retries, refunds, denied int64
}

// inWindow reports whether sl counts a tenth of the window that ends with
// tenth s.
func inWindow(sl *slot, s int64) bool {
	id := sl.id.Load()
	return id > s-nSlots && id <= s
}

// sum adds up the slots of the window that ends with tenth s. b.mu must be
// held.
func (b *Budget) sum(s int64) counts {
	var c counts
	for i := range b.slots {
		if sl := &b.slots[i]; inWindow(sl, s) {
			c.requests += sl.requests.Load()
			c.retries += sl.retries
			c.refunds += sl.refunds
			c.denied += sl.denied
		}
	}
	return c
}

// credit returns the retries the window ending with tenth s still allows:
// the floor, plus Ratio per first attempt, minus the cost of the retries
// granted in the window: 1 each, less Refund for those that succeeded. A
// refund is credited to the tenth where its retry was charged (ledger.go),
// so it leaves the window with the charge, and never offsets retries
// granted later. b.mu must be held.
func (b *Budget) credit(s int64) float64 {
	c := b.sum(s)
	spent := float64(c.retries) - b.refund*float64(c.refunds)
	return b.reserve + b.ratio*float64(c.requests) - spent
}
