package budget_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/budget"
)

// A dependency that is down: the first call makes its three retries, which
// all fail; the budget's failure gate then refuses the next call's retry,
// and Do returns at once with the call's own error, marked by
// retry.ErrBudgetExhausted.
func Example() {
	b, err := budget.New() // share one per dependency
	if err != nil {
		panic(err)
	}
	errDown := errors.New("connection refused")
	for call := 1; call <= 2; call++ {
		attempts := 0
		err := retry.Do(context.Background(), func(context.Context) error {
			attempts++
			return errDown
		}, retry.MaxAttempts(4), retry.BaseDelay(0), retry.WithBudget(b))
		fmt.Printf("call %d: %d attempts, budget said no: %v, cause kept: %v\n",
			call, attempts, errors.Is(err, retry.ErrBudgetExhausted), errors.Is(err, errDown))
	}
	// Output:
	// call 1: 4 attempts, budget said no: false, cause kept: true
	// call 2: 1 attempts, budget said no: true, cause kept: true
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
	b, err := budget.New(budget.MinPerSecond(0)) // no floor: retries come from traffic only
	if err != nil {
		panic(err)
	}
	for range 8 {
		b.Request() // 8 calls deposit 8 x 0.25 = 2 retries
	}
	b.AllowRetry()
	b.Outcome(true, false) // a retry that failed costs 1
	st := b.Stats()
	fmt.Printf("calls %d, retries %d, credit %.2f, available %d\n",
		st.Requests, st.Retries, st.Credit, st.Available)
	// Output:
	// calls 8, retries 1, credit 1.00, available 1
}
