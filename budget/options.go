package budget

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nop-platform/retry"
)

// Defaults. Together they meet the targets of issue 14 for a client that
// retries up to 5 times: see the package documentation for the arithmetic.
const (
	// DefaultBurst is the bucket's size and a new Budget's tokens: 50
	// transient retries, or 25 after overload or timeouts, before a
	// dependency has to earn any.
	DefaultBurst = 50.0
	// DefaultRatio is the tokens each success earns: half a transient
	// retry, a quarter of one after overload or a timeout.
	DefaultRatio = 0.5
	// DefaultTransientCost is what a retry after a transient failure costs.
	DefaultTransientCost = 1.0
	// DefaultOverloadedCost is what a retry after OutcomeOverloaded (a 429,
	// a 503, Retry-After) costs.
	DefaultOverloadedCost = 2.0
	// DefaultTimedOutCost is what a retry after OutcomeTimedOut costs.
	DefaultTimedOutCost = 2.0
	// DefaultWindow is how often Refusal reports while refusals go on.
	DefaultWindow = 10 * time.Second
	// DefaultMaxKeys is the number of budgets a Group keeps.
	DefaultMaxKeys = 1024
)

// ErrInvalidOption is matched by the error New and NewGroup return for an
// invalid option.
var ErrInvalidOption = errors.New("budget: invalid option")

// Option configures New and NewGroup. Options apply in order, so a later one
// overrides an earlier one; they are immutable values that may be shared.
// The zero Option is invalid.
type Option struct {
	set func(*config) error
}

type config struct {
	burst  float64
	ratio  float64
	cost   [4]float64 // by retry.Outcome; [0] unused
	window time.Duration
}

func defaults() config {
	return config{
		burst:  DefaultBurst,
		ratio:  DefaultRatio,
		cost:   [4]float64{0, DefaultTransientCost, DefaultOverloadedCost, DefaultTimedOutCost},
		window: DefaultWindow,
	}
}

func (c *config) apply(opts []Option) error {
	for _, o := range opts {
		if o.set == nil {
			return fmt.Errorf("%w: the zero Option", ErrInvalidOption)
		}
		if err := o.set(c); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
	}
	return nil
}

// Burst sets the size of the bucket, in tokens (a transient retry costs 1):
// what a new Budget holds, and the most it can save up. It is the cold-start
// allowance, the retries a dependency gets before it has earned any, and
// what an outage costs before retries stop. Default 50; n must be finite,
// from 0 to 1e6. The bucket must also hold the retries waiting out their
// delays at once (each holds its cost until it ends): make it at least the
// cost of a retry times the concurrent calls that may be waiting to retry.
func Burst(n float64) Option {
	return Option{func(c *config) error {
		if math.IsNaN(n) || n < 0 || n > 1e6 {
			return fmt.Errorf("Burst(%v): must be from 0 to 1e6", n)
		}
		c.burst = n
		return nil
	}}
}

// Ratio sets the tokens each success earns, first attempt or retry: the
// failed retries, in tokens, a dependency may cost per success once the
// Burst is spent. Default 0.5; f must be finite, from 0 to 1000; 0 means
// the Burst is all there is.
func Ratio(f float64) Option {
	return Option{func(c *config) error {
		if math.IsNaN(f) || f < 0 || f > 1000 {
			return fmt.Errorf("Ratio(%v): must be from 0 to 1000", f)
		}
		c.ratio = f
		return nil
	}}
}

// Cost sets what a retry after an attempt that ended with o costs, in
// tokens; it is charged when the retry is granted and refunded if the retry
// succeeds or is cancelled. Defaults: DefaultTransientCost (1) for
// retry.OutcomeTransient, DefaultOverloadedCost (2) for
// retry.OutcomeOverloaded, DefaultTimedOutCost (2) for
// retry.OutcomeTimedOut. f must be finite, from 0 to 1e6 (0 makes those
// retries free: never refused); o must not be retry.OutcomeOK.
func Cost(o retry.Outcome, f float64) Option {
	return Option{func(c *config) error {
		if o == retry.OutcomeOK || int(o) >= len(c.cost) {
			return fmt.Errorf("Cost(%v, %v): no cost for that outcome", o, f)
		}
		if math.IsNaN(f) || f < 0 || f > 1e6 {
			return fmt.Errorf("Cost(%v, %v): must be from 0 to 1e6", o, f)
		}
		c.cost[o] = f
		return nil
	}}
}

// Window sets how often Refusal reports while retries are being refused: at
// most once per d. Default 10s; d must be at least 10ms.
func Window(d time.Duration) Option {
	return Option{func(c *config) error {
		if d < 10*time.Millisecond {
			return fmt.Errorf("Window(%v): must be at least 10ms", d)
		}
		c.window = d
		return nil
	}}
}
