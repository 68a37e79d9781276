package redisstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
	"github.com/nop-platform/retry/redisstore"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Three processes make 10 calls each and then all want retries. Budgets of
// their own would give 3 x (10 floor + 10 x 0.1) = 33 retries; the shared
// budget gives the fleet's cap, 10 + 30 x 0.1 = 13, shared out by the
// processes' parts of the calls: 4.33 each, so 12 whole retries.
func TestSharedBudgetLimitsFleet(t *testing.T) {
	opts := []budget.Option{budget.Ratio(0.1), budget.MinPerSecond(1), budget.Window(10 * time.Second),
		budget.Tolerance(1000)}
	srv := startRedis(t)
	ps := fleet(t, srv, 3)
	var bs []retry.Budget
	var shared []*redisstore.Budget
	for _, p := range ps {
		b, err := p.store.Budget("search", opts...)
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			b.Request()
		}
		bs = append(bs, b)
		shared = append(shared, b)
	}
	eventually(t, 3*time.Second, "every process sees the fleet", func() bool {
		for _, b := range shared {
			st := b.Stats()
			if !st.Shared || st.Members != 3 || st.FleetRequests != 30 || st.Allowance < 4.3 {
				return false
			}
		}
		return true
	})
	st := shared[0].Stats()
	t.Logf("fleet view: credit %.2f, %d calls, %d members, share %.2f, allowance %.2f", st.FleetCredit,
		st.FleetRequests, st.Members, st.Share, st.Allowance)
	if st.FleetCredit < 12.99 || st.FleetCredit > 13.01 {
		t.Fatalf("fleet credit %.3f, want 13", st.FleetCredit)
	}

	fleetGranted := drain(bs)
	var local []retry.Budget
	for range 3 {
		b, _ := budget.New(opts...)
		for range 10 {
			b.Request()
		}
		local = append(local, b)
	}
	localGranted := drain(local)
	t.Logf("retries granted: %d shared (fleet cap 13), %d with a budget per process", fleetGranted, localGranted)
	if localGranted != 33 {
		t.Fatalf("local budgets granted %d, want 33", localGranted)
	}
	if fleetGranted < 10 || fleetGranted > 13 {
		t.Fatalf("shared budgets granted %d retries, want 10 to 13", fleetGranted)
	}
	var denied int64
	for _, b := range shared {
		denied += b.Stats().FleetDenied
	}
	if denied == 0 {
		t.Fatal("no retry was refused by the fleet's cap")
	}
}

// drain asks every budget for retries, round-robin, for half a second, as
// processes whose calls keep failing would; the outcomes are not reported,
// so each retry stays charged.
func drain(bs []retry.Budget) int {
	granted := 0
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		for _, b := range bs {
			if b.AllowRetry() {
				granted++
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return granted
}

// retry.Do and retryhttp find CancelRetry by a type assertion.
var _ interface{ CancelRetry() } = (*redisstore.Budget)(nil)
