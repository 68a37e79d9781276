package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/budget"
)

// On Redis Cluster (one node holding every slot, which enforces the same
// cross-slot rule for scripts as a large one) through go-redis's
// ClusterClient: trips spread, one process probes, the budget is shared.
func TestCluster(t *testing.T) {
	srv := startCluster(t)
	ps := fleet(t, srv, 2)
	var o opened
	bs := breakers(ps, "payments", func(i int) []breaker.Option {
		return []breaker.Option{breaker.FailureThreshold(2), breaker.RecoveryTimeout(100 * time.Millisecond), o.hook(i)}
	})
	time.Sleep(50 * time.Millisecond) // joined
	_ = bs[0].Do(context.Background(), fail)
	_ = bs[1].Do(context.Background(), fail)
	eventually(t, 2*time.Second, "both open", func() bool { return o.all(2) })

	time.Sleep(150 * time.Millisecond)
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- bs[0].Do(context.Background(), func(context.Context) error { <-release; return nil })
	}()
	eventually(t, time.Second, "process 0 probes", func() bool { return bs[0].State() == breaker.HalfOpen })
	time.Sleep(20 * time.Millisecond)
	if err := bs[1].Do(context.Background(), succeed); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("process 1 probed alongside process 0: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "both closed", func() bool {
		return bs[0].State() == breaker.Closed && bs[1].State() == breaker.Closed
	})

	var shared []float64
	for _, p := range ps {
		b, err := p.store.Budget("payments", budget.Burst(4))
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			b.Request()
		}
		eventually(t, 2*time.Second, "budget synced", func() bool { return b.Stats().Shared })
		shared = append(shared, b.Stats().FleetCredit)
	}
	if shared[1] != 4 {
		t.Fatalf("fleet credit %v, want 4 (the Burst)", shared)
	}
	for i, p := range ps {
		if st := p.store.Stats(); st.Errors != 0 {
			t.Fatalf("process %d: %d errors", i, st.Errors)
		}
	}
}
