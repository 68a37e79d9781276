package breaker

import (
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	nBuckets   = 10              // buckets of a sliding window
	stripeBits = 3               // log2 of nStripes
	nStripes   = 1 << stripeBits // cache lines a success counter is spread over
)

// stripes counts successes from many goroutines without a lock or a clock,
// spread over cache lines.
type stripes [nStripes]struct {
	n atomic.Uint64
	_ [56]byte // one cache line per stripe
}

// add counts one success.
//
// The stripe is a hash of the address of a variable on the caller's stack:
// a goroutine keeps its stripe (until its stack moves), so a busy worker's
// stripe stays in its core's cache, and goroutines spread over the stripes.
// The address is only hashed, never used as a pointer. It costs about 1ns;
// a random stripe from math/rand/v2 cost 10ns here, and a single counter
// bounces between cores.
func (s *stripes) add() {
	var anchor byte
	h := uint64(uintptr(unsafe.Pointer(&anchor))) * 0x9e3779b97f4a7c15 // Fibonacci hashing
	s[h>>(64-stripeBits)].n.Add(1)
}

// take returns the successes counted since the last take and resets them.
func (s *stripes) take() uint64 {
	var n uint64
	for i := range s {
		n += s[i].n.Swap(0)
	}
	return n
}

// any reports whether some success was counted since the last take.
func (s *stripes) any() bool {
	for i := range s {
		if s[i].n.Load() != 0 {
			return true
		}
	}
	return false
}

// window holds call and failure counts over a sliding time window, in
// nBuckets buckets. Times are nanoseconds from any fixed origin. It is not
// safe for concurrent use.
type window struct {
	width int64 // nanoseconds per bucket
	b     [nBuckets]bucket
}

type bucket struct {
	idx          int64 // absolute bucket number: time / width
	calls, fails uint64
}

func newWindow(d time.Duration) *window {
	w := &window{width: max(int64(d)/nBuckets, 1)}
	w.reset()
	return w
}

// reset forgets every count.
func (w *window) reset() {
	w.b = [nBuckets]bucket{}
	for i := range w.b {
		w.b[i].idx = -1
	}
}

// at returns the bucket numbered i, emptied if it held an older bucket.
func (w *window) at(i int64) *bucket {
	bk := &w.b[i%nBuckets]
	if bk.idx != i {
		*bk = bucket{idx: i}
	}
	return bk
}

// add records calls and fails at time now.
func (w *window) add(now int64, calls, fails uint64) {
	bk := w.at(now / w.width)
	bk.calls += calls
	bk.fails += fails
}

// sum returns the calls and failures in the window ending at now.
func (w *window) sum(now int64) (calls, fails uint64) {
	cur := now / w.width
	for i := range w.b {
		if bk := &w.b[i]; bk.idx > cur-nBuckets && bk.idx <= cur {
			calls += bk.calls
			fails += bk.fails
		}
	}
	return calls, fails
}
