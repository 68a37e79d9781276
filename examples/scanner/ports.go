package scanner

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// portSet is a set of port numbers 0 to 65535. The zero value is empty.
type portSet struct{ bits [65536 / 64]uint64 }

func (s *portSet) add(p int) { s.bits[p/64] |= 1 << (p % 64) }

// addRange adds lo to hi, a word at a time.
func (s *portSet) addRange(lo, hi int) {
	for p := lo; p <= hi; {
		if p%64 == 0 && hi-p >= 63 {
			s.bits[p/64] = ^uint64(0)
			p += 64
			continue
		}
		s.add(p)
		p++
	}
}

func (s *portSet) has(p int) bool { return s.bits[p/64]&(1<<(p%64)) != 0 }

// len returns the number of ports in the set.
func (s *portSet) len() int {
	n := 0
	for _, w := range s.bits {
		n += bits.OnesCount64(w)
	}
	return n
}

// list returns the ports in ascending order.
func (s *portSet) list() []int {
	out := make([]int, 0, s.len())
	for i, w := range s.bits {
		for w != 0 {
			out = append(out, i*64+bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
	return out
}

// String returns the canonical list: ascending, runs as ranges ("22,80-82").
func (s *portSet) String() string {
	var b strings.Builder
	ports := s.list()
	for i := 0; i < len(ports); {
		j := i
		for j+1 < len(ports) && ports[j+1] == ports[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ports[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ports[j]))
		}
		i = j + 1
	}
	return b.String()
}

// parsePorts parses a list of ports and ranges such as "22,80,8000-8100",
// with no spaces, each port from lo to 65535. Duplicates and overlaps are
// allowed.
func parsePorts(s string, lo int) (*portSet, error) {
	bad := func(format string, args ...any) error {
		return &InputError{Kind: "ports", Value: s, Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return nil, bad("empty; give ports such as 22,80,8000-8100")
	}
	set := new(portSet)
	for item := range strings.SplitSeq(s, ",") {
		loS, hiS, isRange := strings.Cut(item, "-")
		first, err := parsePort(loS, item, lo)
		if err != nil {
			return nil, bad("%s", err)
		}
		last := first
		if isRange {
			if last, err = parsePort(hiS, item, lo); err != nil {
				return nil, bad("%s", err)
			}
			if last < first {
				return nil, bad("%q: range runs backwards", item)
			}
		}
		set.addRange(first, last)
	}
	return set, nil
}

// parsePort parses one port of item.
func parsePort(s, item string, lo int) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("%q: want a port or a range such as 8000-8100", item)
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q: %q is not a port number", item, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > 65535 {
		return 0, fmt.Errorf("%q: ports run from %d to 65535", item, lo)
	}
	return n, nil
}
