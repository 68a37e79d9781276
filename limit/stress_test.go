package limit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Under contention, the calls admitted and not yet reported never exceed
// the limit (fixed here, so that the bound is known), and every permit is
// given back.
func TestStressNeverExceeds(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		max  int64
	}{
		{"fixed", []Option{Initial(5), Min(5), Max(5)}, 5},
		{"adaptive", []Option{Initial(8), Max(16), Window(time.Millisecond)}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var active, peak, admitted atomic.Int64
			deadline := time.Now().Add(500 * time.Millisecond)
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
						p, err := l.Acquire(context.Background())
						if err != nil {
							continue
						}
						admitted.Add(1)
						n := active.Add(1)
						for {
							old := peak.Load()
							if n <= old || peak.CompareAndSwap(old, n) {
								break
							}
						}
						if n > int64(l.c.max) {
							t.Errorf("%d calls in flight, above the limit's maximum %d", n, l.c.max)
						}
						active.Add(-1)
						p.Done(Outcome((i + g) % 3))
					}
				})
			}
			wg.Wait()
			if peak.Load() > tc.max {
				t.Errorf("peak in flight %d, above %d", peak.Load(), tc.max)
			}
			if l.InFlight() != 0 {
				t.Errorf("InFlight = %d after every permit was reported", l.InFlight())
			}
			if admitted.Load() == 0 {
				t.Error("nothing admitted")
			}
			t.Logf("admitted %d, rejected %d, peak %d, final limit %d", admitted.Load(), l.Stats().Rejected, peak.Load(), l.Limit())
		})
	}
}
