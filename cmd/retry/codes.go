package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// codeSet is a set of exit statuses from 1 to 255, written as a comma list
// of statuses and ranges: "1,3-5,75". The zero value is empty.
type codeSet struct{ bits [4]uint64 }

// maxCode is the largest exit status a process can report.
const maxCode = 255

// parseCodes parses a list such as "1,3-5". Spaces around items are
// allowed; empty items, 0 (success is never retried), statuses above 255 and
// backward ranges are errors.
func parseCodes(s string) (codeSet, error) {
	var c codeSet
	if strings.TrimSpace(s) == "" {
		return c, errors.New("empty list; give exit statuses such as 1,3-5")
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		loS, hiS, isRange := strings.Cut(item, "-")
		lo, err := parseCode(loS, item)
		if err != nil {
			return codeSet{}, err
		}
		hi := lo
		if isRange {
			if hi, err = parseCode(hiS, item); err != nil {
				return codeSet{}, err
			}
			if hi < lo {
				return codeSet{}, fmt.Errorf("%q: range runs backwards", item)
			}
		}
		for n := lo; n <= hi; n++ {
			c.add(n)
		}
	}
	return c, nil
}

// parseCode parses one exit status of item.
func parseCode(s, item string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%q: want an exit status or a range like 3-5", item)
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q: %q is not an exit status", item, s)
		}
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n > maxCode:
		return 0, fmt.Errorf("%q: exit statuses run from 1 to %d", item, maxCode)
	case n == 0:
		return 0, fmt.Errorf("%q: 0 is success and never retried", item)
	}
	return n, nil
}

func (c *codeSet) add(n int) { c.bits[n/64] |= 1 << (n % 64) }

// has reports whether n is in the set.
func (c codeSet) has(n int) bool {
	return n >= 0 && n <= maxCode && c.bits[n/64]&(1<<(n%64)) != 0
}

// empty reports whether the set has no status.
func (c codeSet) empty() bool { return c.bits == [4]uint64{} }

// String returns the canonical list: ascending, runs of three or more as
// ranges ("1,3-5").
func (c codeSet) String() string {
	var parts []string
	for n := 1; n <= maxCode; n++ {
		if !c.has(n) {
			continue
		}
		end := n
		for end+1 <= maxCode && c.has(end+1) {
			end++
		}
		switch {
		case end == n:
			parts = append(parts, strconv.Itoa(n))
		case end == n+1:
			parts = append(parts, strconv.Itoa(n), strconv.Itoa(end))
		default:
			parts = append(parts, fmt.Sprintf("%d-%d", n, end))
		}
		n = end
	}
	return strings.Join(parts, ",")
}

// codesValue is a flag holding a codeSet.
type codesValue struct{ c *codeSet }

func (v codesValue) String() string {
	if v.c == nil {
		return ""
	}
	return v.c.String()
}

func (v codesValue) Set(s string) error {
	c, err := parseCodes(s)
	if err != nil {
		return err
	}
	*v.c = c
	return nil
}
