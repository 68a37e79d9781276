package scanner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/nop-platform/retry"
)

// ConnectScan scans the TCP ports of one host by connecting to each, in
// pure Go, without nmap: the fallback that works everywhere. target and
// ports are validated as PortScan's; a hostname is resolved with the Go
// resolver (its first IPv4 address, else its first). Up to MaxDials
// connections are in progress at once, each bounded by DialTimeout: a
// connection made is open, a refused one closed, no answer filtered.
//
// The Host is reported up (Reason "user-set", as nmap -Pn) and lists every
// requested port in ascending order, with no Service. The scan is retried as
// a whole, with the Scanner's retry options but not its breaker (which
// guards nmap), when it fails transiently: a DNS lookup that timed out or
// failed temporarily, or a local resource shortage (too many open files, no
// buffer space, no free local port). It runs on Unix-like systems; the
// classification of dial errors is untested elsewhere.
func (s *Scanner) ConnectScan(ctx context.Context, target, ports string) (*Host, error) {
	t, set, err := parseScan(target, ports)
	if err != nil {
		return nil, err
	}
	return s.connectScan(ctx, t, set)
}

func (s *Scanner) connectScan(ctx context.Context, t target, set *portSet) (*Host, error) {
	ports := set.list()
	return retry.DoValue(ctx, func(ctx context.Context) (*Host, error) {
		return connectOnce(ctx, t, ports)
	}, s.retryOptions("connect_scan")...)
}

// connectOnce makes one connect scan.
func connectOnce(ctx context.Context, t target, ports []int) (*Host, error) {
	addr, err := resolve(ctx, t)
	if err != nil {
		return nil, err
	}
	h := &Host{Addr: addr, State: "up", Reason: "user-set", Ports: make([]Port, len(ports))}
	if t.name != "" {
		h.Hostnames = []string{t.name}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(MaxDials, len(ports)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ports) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				p, err := probe(ctx, addr, ports[i])
				if err != nil {
					cancel(err)
					return
				}
				h.Ports[i] = p
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// resolve returns t's address, looking a hostname up.
func resolve(ctx context.Context, t target) (netip.Addr, error) {
	if t.addr.IsValid() {
		return t.addr, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", t.name)
	var dnsErr *net.DNSError
	switch {
	case err == nil && len(addrs) > 0:
		for _, a := range addrs {
			if a.Unmap().Is4() {
				return a.Unmap(), nil
			}
		}
		return addrs[0], nil
	case errors.As(err, &dnsErr) && (dnsErr.IsTimeout || dnsErr.IsTemporary):
		return netip.Addr{}, fmt.Errorf("scanner: resolving %s: %w", t.name, err)
	case err == nil:
		err = errors.New("no addresses")
	}
	return netip.Addr{}, retry.Permanent(fmt.Errorf("scanner: resolving %s: %w", t.name, err))
}

// probe connects to one port. It returns an error only when the scan
// cannot go on: ctx ended, or a local failure (transient for a resource
// shortage, else wrapped by retry.Permanent).
func probe(ctx context.Context, addr netip.Addr, port int) (Port, error) {
	d := net.Dialer{Timeout: DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(addr, uint16(port)).String())
	p := Port{Number: port, Protocol: "tcp"}
	var ne net.Error
	switch {
	case err == nil:
		conn.Close()
		p.State, p.Reason = Open, "syn-ack"
	case ctx.Err() != nil:
		return p, context.Cause(ctx)
	case errors.Is(err, syscall.ECONNREFUSED):
		p.State, p.Reason = Closed, "conn-refused"
	case errors.As(err, &ne) && ne.Timeout():
		p.State, p.Reason = Filtered, "no-response"
	case errors.Is(err, syscall.EHOSTUNREACH):
		p.State, p.Reason = Filtered, "host-unreach"
	case errors.Is(err, syscall.ENETUNREACH):
		p.State, p.Reason = Filtered, "net-unreach"
	case resourceShortage(err):
		return p, fmt.Errorf("scanner: connecting to port %d: %w", port, err)
	default:
		return p, retry.Permanent(fmt.Errorf("scanner: connecting to port %d: %w", port, err))
	}
	return p, nil
}

// resourceShortage reports whether err is a local shortage that passes.
func resourceShortage(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS,
		syscall.ENOMEM, syscall.EAGAIN, syscall.EADDRNOTAVAIL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
