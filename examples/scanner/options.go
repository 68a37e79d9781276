package scanner

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
)

// Defaults of New.
const (
	DefaultNmapPath = "nmap"          // looked up in PATH at each scan
	DefaultTimeout  = 5 * time.Minute // bound on each nmap run
)

// ConnectScan's limits.
const (
	DialTimeout = time.Second // bound on each connection; no answer means filtered
	MaxDials    = 100         // connections in progress at once
)

// ErrInvalidOption is matched by the error New returns for an invalid
// option.
var ErrInvalidOption = errors.New("scanner: invalid option")

// Option configures New. Options apply in order, so a later one overrides an
// earlier one (Retry adds to earlier Retry options). Options are immutable
// values, safe to share. The zero Option is invalid.
type Option struct{ apply func(*Scanner) error }

// NmapPath sets the nmap binary: a path holding a slash is used as it is,
// a bare name is looked up in PATH at each scan. Default DefaultNmapPath
// ("nmap"); path must not be empty.
func NmapPath(path string) Option {
	return Option{func(s *Scanner) error {
		if path == "" {
			return errors.New("NmapPath(\"\")")
		}
		s.nmap = path
		return nil
	}}
}

// Timeout bounds each nmap run; a run that takes longer is killed and
// counts as a transient failure (ErrTimeout), so it is retried. Default
// DefaultTimeout (5m); 0 means no bound beyond the caller's context; d must
// not be negative.
func Timeout(d time.Duration) Option {
	return Option{func(s *Scanner) error {
		if d < 0 {
			return fmt.Errorf("Timeout(%v): must not be negative", d)
		}
		s.timeout = d
		return nil
	}}
}

// Retry adds options for the retry.Do around every scan, after the
// scanner's own (retry.Name "nmap ping_sweep", "nmap port_scan" or
// "connect_scan", and the Logger). Default: retry's defaults, 3 attempts
// with delays of about 1s and 2s. An invalid option makes New fail with an
// error matching both ErrInvalidOption and retry.ErrInvalidOption. Do not
// give retry.On or retry.If unless you mean to replace the classification
// of errors that declare themselves (see the package documentation).
func Retry(opts ...retry.Option) Option {
	return Option{func(s *Scanner) error {
		if err := retry.Validate(opts...); err != nil {
			return fmt.Errorf("Retry: %w", err)
		}
		s.retry = append(s.retry[:len(s.retry):len(s.retry)], opts...)
		return nil
	}}
}

// Breaker sets the circuit breaker that every nmap run goes through, inside
// the retry loop; nil turns it off. A breaker may be shared by several
// Scanners. Default: a breaker of the Scanner's own, breaker.New with
// breaker.Name("nmap") and breaker's defaults: 5 failed runs in a row open
// it for 60s, during which scans fail at once with breaker.ErrOpen.
func Breaker(b *breaker.Breaker) Option {
	return Option{func(s *Scanner) error {
		s.breaker = b
		return nil
	}}
}

// Logger logs each retry at level Warn and each give-up at level Error, as
// retry.Logger does. Default slog.Default(); nil turns logging off.
func Logger(l *slog.Logger) Option {
	return Option{func(s *Scanner) error {
		s.logger = l
		return nil
	}}
}

// Fallback makes PortScan use ConnectScan when the nmap binary is missing,
// instead of failing with an error matching exec.ErrNotFound. Default
// false: a missing binary is an error, since a connect scan sees less than
// nmap (no service names, every host up).
func Fallback(on bool) Option {
	return Option{func(s *Scanner) error {
		s.fallback = on
		return nil
	}}
}
