package backoff_test

import (
	"fmt"
	"time"

	"github.com/nop-platform/retry/backoff"
)

// The specification's example delays: base 1s, max 60s, 30% jitter.
func ExampleExponential() {
	e := backoff.Exponential{Base: time.Second, Max: time.Minute, Jitter: 0.3}
	for n := 1; n <= 7; n++ {
		lo, hi := e.Bounds(n)
		fmt.Printf("retry %d: %v to %v\n", n, lo, hi)
	}
	// Output:
	// retry 1: 1s to 1.3s
	// retry 2: 2s to 2.6s
	// retry 3: 4s to 5.2s
	// retry 4: 8s to 10.4s
	// retry 5: 16s to 20.8s
	// retry 6: 32s to 41.6s
	// retry 7: 1m0s to 1m0s
}

func ExampleDecorrelated() {
	d := backoff.Decorrelated{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	var prev time.Duration
	for n := 1; n <= 20; n++ {
		prev = d.Next(n, prev)
		if prev < 100*time.Millisecond || prev > 2*time.Second {
			fmt.Println("out of range:", prev)
		}
	}
	fmt.Println("all delays within [100ms, 2s]")
	// Output: all delays within [100ms, 2s]
}
