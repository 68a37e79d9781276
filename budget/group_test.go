package budget_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

func TestGroupGet(t *testing.T) {
	g, err := budget.NewGroup(4, budget.Burst(0), budget.Ratio(0))
	if err != nil {
		t.Fatal(err)
	}
	a, b := g.Get("a"), g.Get("b")
	if a == b || g.Get("a") != a {
		t.Fatal("Get must return one Budget per key")
	}
	if _, ok := a.AllowRetry(retry.OutcomeTransient); ok {
		t.Error("the Group's options were not applied")
	}
	var rb retry.Budget = g.For("a")
	if rb != retry.Budget(a) {
		t.Error("For must return Get's Budget")
	}
	if g.Len() != 2 {
		t.Errorf("Len %d, want 2", g.Len())
	}
}

// TestGroupEvict: the Group holds at most maxKeys budgets, and a key in
// use survives a stream of new keys.
func TestGroupEvict(t *testing.T) {
	g, err := budget.NewGroup(4)
	if err != nil {
		t.Fatal(err)
	}
	hot := g.Get("hot")
	for i := range 100 {
		g.Get(fmt.Sprint("cold", i))
		if g.Get("hot") != hot {
			t.Fatalf("hot key evicted after %d new keys", i+1)
		}
		if g.Len() > 4 {
			t.Fatalf("Len %d after %d new keys, want at most 4", g.Len(), i+1)
		}
	}
	keys := map[string]bool{}
	g.Range(func(key string, b *budget.Budget) bool {
		if g.Get(key) != b {
			t.Errorf("Range gave %q a Budget that Get does not", key)
		}
		keys[key] = true
		return true
	})
	if len(keys) != 4 || !keys["hot"] {
		t.Errorf("Range saw %v, want 4 keys with hot", keys)
	}
	n := 0
	g.Range(func(string, *budget.Budget) bool { n++; return false })
	if n != 1 {
		t.Errorf("Range went on after false: %d calls", n)
	}
}

func TestGroupZero(t *testing.T) {
	var g budget.Group
	b := g.Get("x")
	if b == nil || g.Get("x") != b || g.Len() != 1 {
		t.Fatal("the zero Group must work")
	}
	if st := b.Stats(); st.Available != budget.DefaultBurst {
		t.Errorf("zero Group's budget: %+v, want the default Burst available", st)
	}
}

func TestGroupConcurrent(t *testing.T) {
	g, err := budget.NewGroup(16)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 2))
			for range 1000 {
				b := g.Get(fmt.Sprint("host", r.IntN(40)))
				b.Request()
				if t, ok := b.AllowRetry(retry.OutcomeTransient); ok {
					b.Outcome(t, retry.Outcome(r.IntN(2)))
				}
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			g.Range(func(_ string, b *budget.Budget) bool { _ = b.Stats(); return true })
		}
	})
	wg.Wait()
	if g.Len() > 16 {
		t.Errorf("Len %d, want at most 16", g.Len())
	}
}

// Looking up a known key allocates nothing, in a zero Group and a made one.
func TestGroupGetAllocatesNothing(t *testing.T) {
	var zero budget.Group
	made, err := budget.NewGroup(4)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*budget.Group{&zero, made} {
		b := g.Get("h:1")
		if n := testing.AllocsPerRun(100, func() {
			if g.Get("h:1") != b {
				t.Fatal("another Budget for the same key")
			}
		}); n != 0 {
			t.Errorf("%v allocations per Get", n)
		}
	}
}
