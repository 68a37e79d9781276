package breaker

// State is a breaker's state. The zero State is Closed.
type State uint8

const (
	// Closed lets every call through and counts failures.
	Closed State = iota
	// Open rejects every call with an error matching ErrOpen.
	Open
	// HalfOpen lets a few probe calls through to learn whether the
	// dependency has recovered; the rest are rejected like in Open.
	HalfOpen
)

var stateNames = [...]string{"closed", "open", "half-open"}

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// The breaker's hot state is one atomic word:
//
//	bits  0-1   state
//	bit   2     heavy: a success needs more than this word (see Breaker.heavy)
//	bits  3-31  generation (low 29 bits; the full count is Breaker.gen)
//	bits 32-63  consecutive failures in the closed state
//
// The low 32 bits change exactly when the state or generation does, so a
// result from a call admitted under an older word is recognised as stale.
// The fast path of a call applies when the low 3 bits are zero: closed and
// not heavy.
const (
	stateMask = 1<<2 - 1
	heavyBit  = 1 << 2
	slowMask  = stateMask | heavyBit
	genShift  = 3
	lowMask   = 1<<32 - 1
	failShift = 32
	failOne   = 1 << failShift
)

// pack builds a word with no failures counted.
func pack(s State, heavy bool, gen uint64) uint64 {
	w := uint64(s) | gen<<genShift
	if heavy {
		w |= heavyBit
	}
	return w & lowMask
}

func stateOf(w uint64) State { return State(w & stateMask) }

// sameEpoch reports whether two words have the same state and generation.
func sameEpoch(a, b uint64) bool { return a&lowMask == b&lowMask }
