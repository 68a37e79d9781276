package limit

import (
	"errors"
	"fmt"
	"testing"
)

func TestGroup(t *testing.T) {
	var zero Group
	a := zero.Get("a:80")
	if zero.Get("a:80") != a || a.Limit() != DefaultInitial {
		t.Fatal("zero Group: Get does not return the same default Limiter for a key")
	}
	g, err := NewGroup(2, Initial(3), Min(3), Max(3))
	if err != nil {
		t.Fatal(err)
	}
	x := g.Get("x")
	if x.Limit() != 3 {
		t.Errorf("Group's options not applied: limit %d", x.Limit())
	}
	g.Get("y")
	g.Get("x") // x used lately
	g.Get("z") // evicts one
	if g.Len() != 2 {
		t.Errorf("Len = %d, want 2 (bounded)", g.Len())
	}
	seen := 0
	g.Range(func(key string, l *Limiter) bool { seen++; return true })
	if seen != 2 {
		t.Errorf("Range saw %d, want 2", seen)
	}
	for i := range 100 {
		g.Get(fmt.Sprint(i))
	}
	if g.Len() != 2 {
		t.Errorf("Len = %d after 100 keys, want 2", g.Len())
	}
	if _, err := NewGroup(0); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("NewGroup(0) = %v", err)
	}
	if _, err := NewGroup(1, Min(0)); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("NewGroup(1, Min(0)) = %v", err)
	}
}

// Looking up a known key allocates nothing, in a zero Group and a made one.
func TestGroupGetAllocatesNothing(t *testing.T) {
	var zero Group
	made, err := NewGroup(4)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Group{&zero, made} {
		l := g.Get("h:1")
		if n := testing.AllocsPerRun(100, func() {
			if g.Get("h:1") != l {
				t.Fatal("another Limiter for the same key")
			}
		}); n != 0 {
			t.Errorf("%v allocations per Get", n)
		}
	}
}
