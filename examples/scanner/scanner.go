package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
)

// Scanner runs nmap scans with retries and a circuit breaker. Its
// configuration is fixed by New; it is safe for concurrent use, and
// concurrent scans share its breaker.
//
// The zero Scanner runs "nmap" from PATH with retry's defaults, no per-run
// timeout, no breaker and no logging.
type Scanner struct {
	nmap     string
	timeout  time.Duration
	retry    []retry.Option
	breaker  *breaker.Breaker
	logger   *slog.Logger
	fallback bool
}

// New returns a Scanner with the defaults of the options, or an error
// matching ErrInvalidOption that names the first invalid option.
func New(opts ...Option) (*Scanner, error) {
	s := &Scanner{
		nmap:    DefaultNmapPath,
		timeout: DefaultTimeout,
		breaker: breaker.New(breaker.Name("nmap")),
		logger:  slog.Default(),
	}
	for i, o := range opts {
		if o.apply == nil {
			return nil, fmt.Errorf("%w: option %d is the zero Option", ErrInvalidOption, i+1)
		}
		if err := o.apply(s); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
		}
	}
	return s, nil
}

// PingSweep finds the hosts that are up among targets (the specification's
// ping_sweep), with nmap -sn: each target an IP address, a CIDR prefix of at
// most 65,536 addresses, or a hostname, all of one IP family. It returns the
// hosts up in nmap's order; none up is an empty result, not an error.
//
// Errors: an *InputError before nmap runs; an error matching
// exec.ErrNotFound when nmap is missing; an error matching breaker.ErrOpen
// when the breaker rejects a run; a *RunError for a failure not worth
// retrying; and a *retry.Error holding every attempt's *RunError when the
// retries ran out or ctx ended.
func (s *Scanner) PingSweep(ctx context.Context, targets []string) ([]Host, error) {
	ts, err := parseTargets(targets)
	if err != nil {
		return nil, err
	}
	args := []string{"-sn", "-n", "-oX", "-"}
	if ts[0].v6() {
		args = append(args, "-6")
	}
	args = append(args, "--")
	for _, t := range ts {
		args = append(args, t.arg)
	}
	bin, err := lookNmap(s.path())
	if err != nil {
		return nil, err
	}
	r, err := s.nmapRun(ctx, "nmap ping_sweep", bin, args)
	if err != nil {
		return nil, err
	}
	up := make([]Host, 0, len(r.hosts))
	for _, h := range r.hosts {
		if h.State == "up" {
			up = append(up, h)
		}
	}
	return up, nil
}

// PortScan scans the TCP ports of one host (the specification's
// port_scan), with nmap -sT (a connect scan, which needs no privileges):
// target is an IP address or a hostname, ports a list such as
// "22,80,8000-8100" of ports from 1 to 65535. The Host returned lists every
// requested port in ascending order.
//
// Errors are those of PingSweep, and ErrHostDown when the host did not
// answer. With Fallback, a missing nmap makes PortScan a ConnectScan.
func (s *Scanner) PortScan(ctx context.Context, target, ports string) (*Host, error) {
	t, set, err := parseScan(target, ports)
	if err != nil {
		return nil, err
	}
	bin, err := lookNmap(s.path())
	if err != nil {
		if s.fallback && errors.Is(err, exec.ErrNotFound) {
			return s.connectScan(ctx, t, set)
		}
		return nil, err
	}
	args := []string{"-sT", "-n"}
	if t.loopback() {
		args = append(args, "-Pn")
	}
	args = append(args, "-p", set.String(), "-oX", "-")
	if t.v6() {
		args = append(args, "-6")
	}
	args = append(args, "--", t.arg)
	r, err := s.nmapRun(ctx, "nmap port_scan", bin, args)
	if err != nil {
		return nil, err
	}
	if len(r.hosts) == 0 || r.hosts[0].State != "up" {
		return nil, fmt.Errorf("%w: %s", ErrHostDown, target)
	}
	return &r.hosts[0], nil
}

// parseScan validates the target and ports of a port scan.
func parseScan(host, ports string) (target, *portSet, error) {
	t, err := parseTarget(host)
	if err != nil {
		return t, nil, err
	}
	if t.prefix.IsValid() {
		return t, nil, &InputError{Kind: "target", Value: host, Reason: "a port scan takes one host, not a prefix"}
	}
	set, err := parsePorts(ports, 1)
	return t, set, err
}

// nmapRun runs nmap with args under retry.Do, each run through the breaker.
func (s *Scanner) nmapRun(ctx context.Context, op, bin string, args []string) (*run, error) {
	return retry.DoValue(ctx, func(ctx context.Context) (*run, error) {
		return s.guard(ctx, func(ctx context.Context) (*run, error) {
			r, err := runNmap(ctx, bin, args, s.timeout)
			if re := (*RunError)(nil); errors.As(err, &re) && !re.Transient {
				return nil, retry.Permanent(err)
			}
			return r, err
		})
	}, s.retryOptions(op)...)
}

// guard calls fn through the breaker, if any.
func (s *Scanner) guard(ctx context.Context, fn func(context.Context) (*run, error)) (*run, error) {
	if s.breaker == nil {
		return fn(ctx)
	}
	return breaker.Call(ctx, s.breaker, fn)
}

func (s *Scanner) retryOptions(op string) []retry.Option {
	return append([]retry.Option{retry.Name(op), retry.Logger(s.logger)}, s.retry...)
}

func (s *Scanner) path() string {
	if s.nmap == "" {
		return DefaultNmapPath
	}
	return s.nmap
}
