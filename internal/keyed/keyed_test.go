package keyed

import (
	"fmt"
	"sync"
	"testing"
)

// At most limit keys; the one evicted is not one used since the hand last
// passed; a known key's lookup allocates nothing; concurrent first uses
// of a key make one value.
func TestMap(t *testing.T) {
	var m Map[string]
	made := 0
	mk := func(k string) func() *string {
		return func() *string { made++; return &k }
	}
	for _, k := range []string{"a", "b", "c"} {
		m.Get(k, 3, mk(k))
	}
	m.Get("a", 3, mk("a")) // a is used again: b or c goes first
	m.Get("d", 3, mk("d"))
	if m.Len() != 3 || made != 4 {
		t.Fatalf("%d keys, %d made; want 3 and 4", m.Len(), made)
	}
	held := map[string]bool{}
	m.Range(func(k string, v *string) bool {
		if *v != k {
			t.Errorf("key %s holds %s", k, *v)
		}
		held[k] = true
		return true
	})
	if !held["a"] || !held["d"] {
		t.Errorf("held %v, want a (used lately) and d (new)", held)
	}
	a := m.Get("a", 3, mk("a"))
	if n := testing.AllocsPerRun(100, func() { m.Get("a", 3, nil) }); n != 0 || *a != "a" {
		t.Errorf("a known key: %v allocations, value %s", n, *a)
	}

	var c Map[int]
	var mu sync.Mutex
	calls := 0
	var wg sync.WaitGroup
	got := make([]*int, 16)
	for i := range got {
		wg.Go(func() {
			got[i] = c.Get("k", 1, func() *int { mu.Lock(); calls++; mu.Unlock(); return new(int) })
		})
	}
	wg.Wait()
	for _, p := range got {
		if p != got[0] {
			t.Fatal("concurrent first uses got different values")
		}
	}
	if calls != 1 {
		t.Errorf("newV called %d times, want once", calls)
	}
}

// Every key stays within the bound, whatever the order of use.
func TestMapBound(t *testing.T) {
	var m Map[int]
	for i := range 1000 {
		m.Get(fmt.Sprint(i%37), 8, func() *int { return new(int) })
		if m.Len() > 8 {
			t.Fatalf("%d keys after %d uses, want at most 8", m.Len(), i+1)
		}
	}
	var one Map[int]
	one.Get("x", 0, func() *int { return new(int) }) // a bound below 1 holds 1
	one.Get("y", 0, func() *int { return new(int) })
	if one.Len() != 1 {
		t.Errorf("bound 0: %d keys, want 1", one.Len())
	}
}
