package promretry

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/nop-platform/retry/internal/labels"
	"github.com/prometheus/client_golang/prometheus"
)

// The names of the metrics. Counters end in _total; label values are
// operation names, route patterns and breaker names chosen in code, never
// raw URLs, and small fixed sets.
const (
	NameAttempts          = "retry_attempts_total"              // counter{operation, outcome}
	NameRetries           = "retry_retries_total"               // counter{operation}
	NameDelay             = "retry_delay_seconds"               // histogram{operation}
	NameExhausted         = "retry_exhausted_total"             // counter{operation, cause}
	NameBudgetRejected    = "retry_budget_rejected_total"       // counter{operation}
	NameBudgetAvailable   = "retry_budget_available"            // gauge{budget}
	NameBudgetCredit      = "retry_budget_credit"               // gauge{budget}
	NameHTTPRequests      = "retry_http_requests_total"         // counter{route, code}
	NameBreakerState      = "circuit_breaker_state"             // gauge{name}
	NameBreakerTransition = "circuit_breaker_transitions_total" // counter{name, from, to}
	NameLimit             = "retry_limit"                       // gauge{limiter}
	NameLimitInFlight     = "retry_limit_in_flight"             // gauge{limiter}
	NameLimitRejected     = "retry_limit_rejected_total"        // counter{limiter}
)

// Defaults.
const (
	DefaultMaxNames = 256          // distinct label values kept per kind of name
	Other           = labels.Other // the label value that names past MaxNames share
)

// DefaultBuckets are the upper bounds, in seconds, of the retry_delay_seconds
// histogram: from a millisecond to a minute, the range of the delays of
// package retry and retryhttp.
var DefaultBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// ErrInvalidOption is matched by the error of New for an invalid option.
var ErrInvalidOption = errors.New("promretry: invalid option")

// Option configures New.
type Option struct{ apply func(*config) error }

type config struct {
	buckets  []float64
	maxNames int
}

// Buckets sets the upper bounds, in seconds, of the retry_delay_seconds
// histogram; they must be increasing. Default DefaultBuckets.
func Buckets(bounds ...float64) Option {
	return Option{func(c *config) error {
		if len(bounds) == 0 {
			return fmt.Errorf("%w: Buckets(): no bounds", ErrInvalidOption)
		}
		for i, b := range bounds {
			if math.IsNaN(b) || i > 0 && b <= bounds[i-1] {
				return fmt.Errorf("%w: Buckets%v: bounds must be increasing numbers", ErrInvalidOption, bounds)
			}
		}
		c.buckets = slices.Clone(bounds)
		return nil
	}}
}

// MaxNames bounds the distinct operation names, routes and breaker names,
// each kind on its own, that get series of their own; past n, new names are
// counted under the label value Other ("_other"), so that a name built from
// request data by mistake cannot grow the series without bound. Default
// DefaultMaxNames (256); n must be at least 1.
func MaxNames(n int) Option {
	return Option{func(c *config) error {
		if n < 1 {
			return fmt.Errorf("%w: MaxNames(%d): must be at least 1", ErrInvalidOption, n)
		}
		c.maxNames = n
		return nil
	}}
}

// Metrics turns the events of package retry, retryhttp, breaker and budget
// into Prometheus metrics: pass m.Notify to retry.Notify or
// retryhttp.Notify, m.OnStateChange to breaker.OnStateChange, register
// breakers, budgets and concurrency limiters with m.Breaker, m.Budget
// and m.Limiter, and wrap retryhttp
// transports with m.Transport. See the package documentation for the
// metrics.
//
// A Metrics is a prometheus.Collector, safe for concurrent use. Recording an
// event takes no lock and allocates nothing once its name has been seen.
// The zero Metrics is not usable; create one with New.
type Metrics struct {
	attempts    *prometheus.CounterVec
	retries     *prometheus.CounterVec
	delay       *prometheus.HistogramVec
	exhausted   *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	requests    *prometheus.CounterVec
	transitions *prometheus.CounterVec
	budgets     *budgets
	limits      *limits

	ops    labels.Set[opMetrics]
	routes labels.Set[routeMetrics]
	cbs    labels.Set[breakerMetrics]
}

var _ prometheus.Collector = (*Metrics)(nil)

// New returns Metrics registered with reg, or an error if an option is
// invalid (matching ErrInvalidOption) or registration fails, for instance
// because reg already holds metrics of the same names. With a nil reg, New
// registers nothing: register m, a prometheus.Collector, yourself. To add
// labels to every series, such as the service, wrap reg with
// prometheus.WrapRegistererWith.
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	c := config{buckets: DefaultBuckets, maxNames: DefaultMaxNames}
	for _, o := range opts {
		if o.apply == nil {
			return nil, fmt.Errorf("%w: the zero Option", ErrInvalidOption)
		}
		if err := o.apply(&c); err != nil {
			return nil, err
		}
	}
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameAttempts,
			Help: `Attempts that ended, by operation and outcome ("success" or "error").`},
			[]string{"operation", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameRetries,
			Help: "Retries scheduled, by operation."}, []string{"operation"}),
		delay: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameDelay,
			Help: "Delay before each retry, in seconds, by operation.", Buckets: c.buckets},
			[]string{"operation"}),
		exhausted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameExhausted,
			Help: `Calls that gave up while the failure was still retryable, by operation and cause ("attempts", "deadline", "canceled", "budget", "other").`},
			[]string{"operation", "cause"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameBudgetRejected,
			Help: "Retries that a retry budget refused, by operation."}, []string{"operation"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameHTTPRequests,
			Help: `HTTP requests through retryhttp, each counted once whatever its retries, by route and final result ("1xx".."5xx", "other", "error").`},
			[]string{"route", "code"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameBreakerTransition,
			Help: `Circuit breaker state changes, by breaker name and states ("closed", "open", "half-open").`},
			[]string{"name", "from", "to"}),
		budgets: newBudgets(),
		limits:  newLimits(),
	}
	m.ops = labels.Set[opMetrics]{Max: c.maxNames, Make: m.newOp}
	m.routes = labels.Set[routeMetrics]{Max: c.maxNames, Make: m.newRoute}
	m.cbs = labels.Set[breakerMetrics]{Max: c.maxNames, Make: m.newBreaker}
	if reg != nil {
		if err := reg.Register(m); err != nil {
			return nil, fmt.Errorf("promretry: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.attempts, m.retries, m.delay, m.exhausted, m.rejected,
		m.requests, m.transitions, m.budgets, m.limits}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
	ch <- stateDesc
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
	m.collectStates(ch)
}
