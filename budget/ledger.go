package budget

// The ledger matches the outcomes of retries to the tenths where they were
// charged, so that a successful retry's refund leaves the window with its
// charge and never offsets retries granted later. Outcome and CancelRetry
// do not say which granted retry they are about, so the ledger keeps, per
// slot, the retries granted there whose outcome is pending, and settles
// the oldest first: a success refunds the tenth of the oldest pending
// retry, or nothing if that tenth has left the window; a failure settles
// it with no refund; a cancel takes its charge back.
//
// The counts are exact when outcomes come in the order the retries were
// granted, tenth by tenth. When they do not, a retry's outcome may be
// credited to an older one's tenth or a newer one's: the refund leaves the
// window up to that much earlier or later than it should.
//
// Every function here needs b.mu.

// grant charges a retry to sl.
func (b *Budget) grant(sl *slot) {
	sl.retries++
	sl.pending++
}

// retire hands the pending retries of the slots that have left the window
// to oldPending, which is settled first, as the oldest.
func (b *Budget) retire() {
	for i := range b.slots {
		if sl := &b.slots[i]; sl.id.Load() <= b.latest-nSlots {
			b.oldPending += sl.pending
			sl.pending = 0
		}
	}
}

// settleOldest takes the oldest pending retry off the ledger and returns its
// slot, or nil if its tenth has left the window (or none is pending).
func (b *Budget) settleOldest() *slot {
	if b.oldPending > 0 {
		b.oldPending--
		return nil
	}
	var o *slot
	for i := range b.slots {
		if sl := &b.slots[i]; sl.pending > 0 && (o == nil || sl.id.Load() < o.id.Load()) {
			o = sl
		}
	}
	if o != nil {
		o.pending--
	}
	return o
}

// settleRetry records the outcome of a retry: a success gets its refund in
// the tenth where it was charged.
func (b *Budget) settleRetry(ok bool) {
	if sl := b.settleOldest(); sl != nil && ok {
		sl.refunds++
	}
}

// uncharge takes back the charge of a granted retry that will not be made.
func (b *Budget) uncharge() {
	if sl := b.settleOldest(); sl != nil {
		sl.retries--
	}
}
