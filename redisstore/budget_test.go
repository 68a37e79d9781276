package redisstore_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/redisstore"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Three processes share a budget with a Burst of 12 tokens and earn nothing
// (Ratio 0). Budgets of their own would give 3 x 12 = 36 retries to a
// dependency that is down; the shared budget gives the fleet's bucket, 12,
// exactly: each process leases 4, spends them, and finds the bucket empty.
func TestSharedBudgetLimitsFleet(t *testing.T) {
	opts := []budget.Option{budget.Burst(12), budget.Ratio(0)}
	srv := startRedis(t)
	ps := fleet(t, srv, 3)
	shared := sharedBudgets(t, ps, "search", opts...)
	st := shared[0].Stats()
	t.Logf("fleet view: %.2f tokens, %d members, lease %.2f", st.FleetCredit, st.Members, st.Lease)
	if st.FleetCredit < 11.99 || st.FleetCredit > 12.01 {
		t.Fatalf("fleet credit %.3f, want 12", st.FleetCredit)
	}
	fleetGranted := drain(shared, 12)
	var local []retry.Budget
	for range 3 {
		b, _ := budget.New(opts...)
		local = append(local, b)
	}
	localGranted := drain(local, 36)
	t.Logf("retries granted: %d shared (fleet bucket 12), %d with a budget per process", fleetGranted, localGranted)
	if localGranted != 36 {
		t.Fatalf("local budgets granted %d, want 36", localGranted)
	}
	if fleetGranted != 12 {
		t.Fatalf("shared budgets granted %d retries, want exactly the fleet's 12", fleetGranted)
	}
	var denied int64
	for _, b := range shared {
		denied += b.Stats().FleetDenied
	}
	if denied == 0 {
		t.Fatal("no retry was refused by the fleet's bucket")
	}
	reports := 0
	for _, b := range shared {
		if reason, report := b.Refusal(); report {
			reports++
			t.Logf("refusal: %s", reason)
			if !strings.Contains(reason, "the fleet's bucket refused") {
				t.Errorf("reason %q does not say the fleet's bucket refused", reason)
			}
		}
		if _, report := b.Refusal(); report {
			t.Error("a second report within the Window")
		}
	}
	if reports == 0 {
		t.Error("no process reported the fleet's refusals")
	}
}

// TestSharedBudgetEarns: what one process's successes earn, any process may
// spend, and no more: the fleet's bucket (Burst 6) is spent, process 0 has 8
// successes (Ratio 0.5: 4 tokens), and the three processes then get 4
// retries in all; 20 more successes fill the bucket to its Burst and no
// further, so 6 (less any lease held by a process whose own local budget,
// Burst 6 too, is spent). Cancelled and successful retries cost nothing.
func TestSharedBudgetEarns(t *testing.T) {
	opts := []budget.Option{budget.Burst(6), budget.Ratio(0.5)}
	srv := startRedis(t)
	ps := fleet(t, srv, 3)
	shared := sharedBudgets(t, ps, "search", opts...)
	if got := drain(shared, 6); got != 6 {
		t.Fatalf("granted %d from a fresh fleet bucket, want 6", got)
	}
	succeed := func(b *redisstore.Budget, n int) {
		for range n {
			b.Request()
			b.Outcome(0, retry.OutcomeOK)
		}
	}
	succeed(shared[0], 8)
	if got := drain(shared, 4); got != 4 {
		t.Fatalf("granted %d after 8 successes earned 4 tokens, want 4", got)
	}
	succeed(shared[2], 20)
	eventually(t, 5*time.Second, "the fleet's bucket at its Burst", func() bool {
		st := shared[2].Stats()
		return st.FleetCredit > 6-1e-9 && st.FleetCredit < 6+1e-9
	})
	// Each process is also held to its own local budget (Burst 6, and only
	// process 2 has earned locally): a process that has spent its local
	// bucket keeps its fleet lease unspent. Of the Burst, what is not
	// granted must be held so.
	got := drain(shared, 6)
	held := 0.0
	for _, b := range shared {
		if st := b.Stats(); st.Credit < 1 {
			held += st.Lease
		}
	}
	if got > 6 || float64(got)+held < 6-1e-9 {
		for i, b := range shared {
			st := b.Stats()
			t.Logf("process %d: local credit %.2f, %d retries, lease %.2f, fleet %.2f", i, st.Credit, st.Retries, st.Lease, st.FleetCredit)
		}
		t.Fatalf("granted %d after 20 successes earned 10 tokens, and %.2f held by processes whose local budget is spent; want 6 in all, the Burst", got, held)
	}
	succeed(shared[1], 4)         // 2 tokens
	var holder *redisstore.Budget // a process with a lease of 2 and local credit to use it
	eventually(t, 3*time.Second, "a usable lease of 2", func() bool {
		for _, b := range shared {
			if st := b.Stats(); st.Lease >= 2-1e-9 && st.Credit >= 1 {
				holder = b
				return true
			}
		}
		return false
	})
	granted := 0
	for range 5 {
		tk, ok := holder.AllowRetry(retry.OutcomeTransient)
		if !ok {
			continue
		}
		granted++
		if granted == 1 {
			holder.CancelRetry(tk)
		} else {
			holder.Outcome(tk, retry.OutcomeOK)
		}
	}
	// A retry cancelled, then ones that succeed: each gives its cost back
	// to the lease at once, so the process that holds the 2 tokens gets
	// all 5 of its asks.
	if granted != 5 {
		t.Fatalf("%d retries granted with refunds, want at least 5", granted)
	}
}

// sharedBudgets makes a shared budget named name on every process, each
// with a call, and waits until every one sees the whole fleet and holds its
// lease.
func sharedBudgets(t *testing.T, ps []*process, name string, opts ...budget.Option) []*redisstore.Budget {
	t.Helper()
	var shared []*redisstore.Budget
	for _, p := range ps {
		b, err := p.store.Budget(name, opts...)
		if err != nil {
			t.Fatal(err)
		}
		b.Request()
		shared = append(shared, b)
	}
	burst := shared[0].Local().Params().Burst
	eventually(t, 5*time.Second, "every process sees the fleet and holds its lease", func() bool {
		for _, b := range shared {
			b.Request() // stay active
			st := b.Stats()
			if !st.Shared || st.Members != len(ps) || st.Lease < burst/float64(len(ps))-1e-9 {
				return false
			}
		}
		return true
	})
	return shared
}

// drain asks every budget for retries, round-robin, as processes whose
// calls keep failing would, until want are granted and then a while more,
// and returns how many were; each retry fails, so its cost stays spent.
func drain[B retry.Budget](bs []B, want int) int {
	granted := 0
	// Until want retries are granted (leases arrive through the flusher,
	// every 20ms: 5s is a margin of 250 flushes under a loaded -race run),
	// then 200ms more (10 flushes) for any grant beyond want to show.
	deadline := time.Now().Add(5 * time.Second)
	settled := false
	for time.Now().Before(deadline) {
		for _, b := range bs {
			b.Request() // a call whose first attempt failed: the process is active
			b.Outcome(0, retry.OutcomeTransient)
			if tk, ok := b.AllowRetry(retry.OutcomeTransient); ok {
				granted++
				b.Outcome(tk, retry.OutcomeTransient)
			}
		}
		if granted >= want && !settled {
			settled = true
			deadline = time.Now().Add(200 * time.Millisecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return granted
}
