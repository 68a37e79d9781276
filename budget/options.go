package budget

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults. Together they meet the targets of issue 5 for a client that
// retries up to 3 times: see the package documentation for the arithmetic.
const (
	DefaultRatio        = 0.25             // retries per call, over the window
	DefaultMinPerSecond = 1.0              // floor: retries per second allowed whatever the traffic
	DefaultWindow       = 10 * time.Second // how long a deposit lasts
	DefaultRefund       = 0.9              // share of its cost a successful retry gets back
	DefaultTolerance    = 3                // failed retries, net of successes, before retries stop
	DefaultMaxKeys      = 1024             // budgets a Group keeps
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
	ratio     float64
	minPerSec float64
	window    time.Duration
	refund    float64
	tolerance int
}

func defaults() config {
	return config{
		ratio:     DefaultRatio,
		minPerSec: DefaultMinPerSecond,
		window:    DefaultWindow,
		refund:    DefaultRefund,
		tolerance: DefaultTolerance,
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

// Ratio sets how many retries each call pays for: within any window, failed
// retries (plus the unrefunded part of successful ones) stay within f times
// the calls, plus the floor. Default 0.25; f must be finite, from 0 to 1000.
func Ratio(f float64) Option {
	return Option{func(c *config) error {
		if math.IsNaN(f) || f < 0 || f > 1000 {
			return fmt.Errorf("Ratio(%v): must be from 0 to 1000", f)
		}
		c.ratio = f
		return nil
	}}
}

// MinPerSecond sets the floor: retries per second allowed whatever the
// traffic, so that a quiet client's occasional failure is retried. It is
// granted as a reserve of n times the window's seconds per window, like
// Finagle's minRetriesPerSec. Default 1 (per budget, that is per host for
// retryhttp); n must be finite, from 0 to 1e6; 0 means no floor.
//
// The floor is not a way around the failure gate (see Tolerance): when
// retries keep failing, the floor is cut off with the rest.
func MinPerSecond(n float64) Option {
	return Option{func(c *config) error {
		if math.IsNaN(n) || n < 0 || n > 1e6 {
			return fmt.Errorf("MinPerSecond(%v): must be from 0 to 1e6", n)
		}
		c.minPerSec = n
		return nil
	}}
}

// Window sets how long a deposit lasts: the budget counts the calls and
// retries of the last d, in ten slots of d/10. It also sets how fast the
// failure gate forgets: one failed retry each d. Default 10s;
// d must be at least 10ms.
func Window(d time.Duration) Option {
	return Option{func(c *config) error {
		if d < 10*time.Millisecond {
			return fmt.Errorf("Window(%v): must be at least 10ms", d)
		}
		c.window = d
		return nil
	}}
}

// Refund sets the share of its cost a retry gets back when it succeeds, so a
// retry that works costs 1-f. Default 0.9; f must be from 0 to 1.
func Refund(f float64) Option {
	return Option{func(c *config) error {
		if math.IsNaN(f) || f < 0 || f > 1 {
			return fmt.Errorf("Refund(%v): must be from 0 to 1", f)
		}
		c.refund = f
		return nil
	}}
}

// Tolerance sets the failure gate: retries stop once n retries have failed
// net of successes (each success, of a first attempt or of a retry, cancels
// one failure; a run of successes banks up to 2 more), and come back with
// the next success, or by themselves as time forgives one failure each
// Window. Default 3, a whole request's worth of retries for the default
// retryhttp client, so a request that fails three times in a row among
// successes keeps its last retry. n must be at least 1; a large n (1e9)
// turns the gate off and leaves the cap alone.
func Tolerance(n int) Option {
	return Option{func(c *config) error {
		if n < 1 {
			return fmt.Errorf("Tolerance(%d): must be at least 1", n)
		}
		c.tolerance = n
		return nil
	}}
}
