package budget_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

// A dependency that is down: the budget grants its cold-start Burst (here
// 6 tokens, two calls' worth of 3 transient retries), then refuses, and Do
// returns at once with the call's own error, marked by
// retry.ErrBudgetExhausted. A success earns the next retry.
func Example() {
	b, err := budget.New(budget.Burst(6)) // share one per dependency
	if err != nil {
		panic(err)
	}
	errDown := errors.New("connection refused")
	for call := 1; call <= 3; call++ {
		attempts := 0
		err := retry.Do(context.Background(), func(context.Context) error {
			attempts++
			return errDown
		}, retry.MaxAttempts(4), retry.BaseDelay(0), retry.WithBudget(b))
		fmt.Printf("call %d: %d attempts, budget said no: %v, cause kept: %v\n",
			call, attempts, errors.Is(err, retry.ErrBudgetExhausted), errors.Is(err, errDown))
	}
	reason, _ := b.Refusal()
	fmt.Println(reason)
	// Output:
	// call 1: 4 attempts, budget said no: false, cause kept: true
	// call 2: 4 attempts, budget said no: false, cause kept: true
	// call 3: 1 attempts, budget said no: true, cause kept: true
	// 6 of the last 6 retries failed, 1 refused, 3 of 3 first attempts failed; 0 of 6 tokens, a retry costs 1 (2 overloaded, 2 timed out)
}

// One budget per destination host, created on first use, at most
// DefaultMaxKeys of them: the shape retryhttp uses.
func ExampleGroup() {
	g, err := budget.NewGroup(budget.DefaultMaxKeys, budget.Ratio(0.2))
	if err != nil {
		panic(err)
	}
	err = retry.Do(context.Background(), func(context.Context) error {
		return nil
	}, retry.WithBudget(g.For("api.example.com")))
	fmt.Println(err, g.Len())
	// Output:
	// <nil> 1
}

func ExampleBudget_Stats() {
	b, err := budget.New(budget.Burst(10))
	if err != nil {
		panic(err)
	}
	t, _ := b.AllowRetry(retry.OutcomeOverloaded) // costs 2
	b.Outcome(t, retry.OutcomeOverloaded)         // failed: the cost stays spent
	st := b.Stats()
	fmt.Printf("retries %d, failed %d, credit %.1f of %.0f, available %d\n",
		st.Retries, st.Failed, st.Credit, st.Burst, st.Available)
	// Output:
	// retries 1, failed 1, credit 8.0 of 10, available 8
}
