package scanner

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidInput is matched by the *InputError of a target or port list
// rejected before nmap runs.
var ErrInvalidInput = errors.New("scanner: invalid input")

// InputError reports a target or port list rejected before nmap runs. It
// matches ErrInvalidInput, and its Retryable method reports false, so that a
// retry.Do around a scan stops at once. It is not modified once returned.
type InputError struct {
	Kind   string // "target" or "ports"
	Value  string // the rejected value, as given
	Reason string // what is wrong with it
}

// Error names the kind, the value and what is wrong with it.
func (e *InputError) Error() string {
	return fmt.Sprintf("scanner: invalid %s %q: %s", e.Kind, e.Value, e.Reason)
}

// Is reports whether target is ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// Retryable reports false: bad input stays bad.
func (e *InputError) Retryable() bool { return false }

// maxHostBits bounds a CIDR prefix to 2^16 addresses, a /16 in IPv4.
const maxHostBits = 16

// target is a validated scan target: an address, a prefix or a hostname.
type target struct {
	arg    string // as passed to nmap
	addr   netip.Addr
	prefix netip.Prefix
	name   string
}

func (t target) v6() bool {
	return t.addr.Is6() || t.prefix.IsValid() && t.prefix.Addr().Is6()
}

func (t target) loopback() bool {
	return t.addr.IsLoopback() || t.prefix.IsValid() && t.prefix.Addr().IsLoopback() ||
		strings.EqualFold(strings.TrimSuffix(t.name, "."), "localhost")
}

// parseTarget validates s as an IP address, a CIDR prefix or an RFC 1123
// hostname.
func parseTarget(s string) (target, error) {
	bad := func(format string, args ...any) error {
		return &InputError{Kind: "target", Value: s, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s == "":
		return target{}, bad("empty")
	case s[0] == '-':
		return target{}, bad("starts with '-', which nmap would read as an option")
	case len(s) > 253:
		return target{}, bad("longer than 253 characters")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':' || r == '/') {
			return target{}, bad("holds %q: only letters, digits and . - : / may appear (no spaces or shell metacharacters)", r)
		}
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			return target{}, bad("not a CIDR prefix such as 10.0.0.0/24")
		case p.Addr().BitLen()-p.Bits() > maxHostBits:
			return target{}, bad("/%d holds more than %d addresses", p.Bits(), 1<<maxHostBits)
		}
		return target{arg: p.String(), prefix: p}, nil
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return target{}, bad("not an IPv6 address")
		}
		return addrTarget(a, bad)
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return addrTarget(a, bad)
	}
	if reason := hostnameError(s); reason != "" {
		return target{}, bad("%s", reason)
	}
	return target{arg: s, name: s}, nil
}

func addrTarget(a netip.Addr, bad func(string, ...any) error) (target, error) {
	if a.IsUnspecified() {
		return target{}, bad("the unspecified address is no host")
	}
	return target{arg: a.String(), addr: a}, nil
}

// hostnameError says why s is not an RFC 1123 hostname, or returns "".
// s holds only letters, digits, '.' and '-'.
func hostnameError(s string) string {
	labels := strings.Split(strings.TrimSuffix(s, "."), ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "has an empty label"
		case len(l) > 63:
			return "has a label longer than 63 characters"
		case l[0] == '-' || l[len(l)-1] == '-':
			return "has a label that starts or ends with '-'"
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "not an IP address nor a hostname (a top-level domain is never all digits)"
	}
	return ""
}

// parseTargets validates targets for one nmap run: at least one, and all
// of one IP family (hostnames count as IPv4, nmap's default).
func parseTargets(targets []string) ([]target, error) {
	if len(targets) == 0 {
		return nil, &InputError{Kind: "target", Reason: "no targets given"}
	}
	out := make([]target, len(targets))
	for i, s := range targets {
		t, err := parseTarget(s)
		if err != nil {
			return nil, err
		}
		if i > 0 && t.v6() != out[0].v6() {
			return nil, &InputError{Kind: "target", Value: s, Reason: fmt.Sprintf(
				"mixes IPv4 and IPv6 with %q: nmap scans one family per run", targets[0])}
		}
		out[i] = t
	}
	return out, nil
}
