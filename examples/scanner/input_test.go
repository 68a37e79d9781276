package scanner

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		give     string
		want     string // nmap's argument; "" when invalid
		v6, loop bool
		reason   string // part of the error
	}{
		{give: "127.0.0.1", want: "127.0.0.1", loop: true},
		{give: "10.0.0.7", want: "10.0.0.7"},
		{give: "10.0.0.0/24", want: "10.0.0.0/24"},
		{give: "10.0.0.9/24", want: "10.0.0.9/24"},
		{give: "10.1.0.0/16", want: "10.1.0.0/16"},
		{give: "::1", want: "::1", v6: true, loop: true},
		{give: "fd00::/112", want: "fd00::/112", v6: true},
		{give: "localhost", want: "localhost", loop: true},
		{give: "db-1.internal.example.com.", want: "db-1.internal.example.com."},
		{give: "", reason: "empty"},
		{give: "-oN/etc/passwd", reason: "starts with '-'"},
		{give: "--script=evil", reason: "starts with '-'"},
		{give: "127.0.0.1;reboot", reason: `holds ';'`},
		{give: "$(reboot)", reason: `holds '$'`},
		{give: "a b", reason: `holds ' '`},
		{give: "host\n", reason: `holds '\n'`},
		{give: "`id`", reason: "holds '`'"},
		{give: "h|x", reason: "holds '|'"},
		{give: "db_1", reason: "holds '_'"},
		{give: "10.0.0.0/8", reason: "more than 65536 addresses"},
		{give: "fd00::/64", reason: "more than 65536 addresses"},
		{give: "10.0.0.0/33", reason: "not a CIDR prefix"},
		{give: "256.1.1.1", reason: "never all digits"},
		{give: "1.2.3", reason: "never all digits"},
		{give: "010.0.0.1", reason: "never all digits"},
		{give: "::g", reason: "not an IPv6 address"},
		{give: "0.0.0.0", reason: "unspecified"},
		{give: "a..b", reason: "empty label"},
		{give: "a-.b", reason: "starts or ends with '-'"},
		{give: strings.Repeat("a", 64) + ".com", reason: "longer than 63"},
		{give: strings.Repeat("a.", 127) + "com", reason: "longer than 253"},
	}
	for _, tt := range tests {
		got, err := parseTarget(tt.give)
		if tt.want == "" {
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || ie.Retryable() {
				t.Errorf("parseTarget(%q) = %+v, %v; want an *InputError", tt.give, got, err)
				continue
			}
			if !strings.Contains(err.Error(), tt.reason) || ie.Value != tt.give || ie.Kind != "target" {
				t.Errorf("parseTarget(%q): %v; want it to name the value and say %q", tt.give, err, tt.reason)
			}
			continue
		}
		if err != nil || got.arg != tt.want || got.v6() != tt.v6 || got.loopback() != tt.loop {
			t.Errorf("parseTarget(%q) = %+v (v6 %v, loopback %v), %v; want %q (v6 %v, loopback %v)",
				tt.give, got, got.v6(), got.loopback(), err, tt.want, tt.v6, tt.loop)
		}
	}
}

func TestParseTargetsMixedFamilies(t *testing.T) {
	_, err := parseTargets([]string{"127.0.0.1", "::1"})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"::1"`) {
		t.Fatalf("got %v; want an error naming ::1", err)
	}
	if _, err := parseTargets(nil); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("no targets: got %v; want ErrInvalidInput", err)
	}
	if ts, err := parseTargets([]string{"10.0.0.0/24", "gw.example.com"}); err != nil || len(ts) != 2 {
		t.Fatalf("got %v, %v", ts, err)
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		give   string
		want   string // canonical list; "" when invalid
		reason string
	}{
		{give: "22", want: "22"},
		{give: "80,22,443", want: "22,80,443"},
		{give: "8000-8002,8001,22", want: "22,8000-8002"},
		{give: "1-65535", want: "1-65535"},
		{give: "65535", want: "65535"},
		{give: "", reason: "empty"},
		{give: "0", reason: "ports run from 1 to 65535"},
		{give: "65536", reason: "ports run from 1 to 65535"},
		{give: "99999999999999999999", reason: "ports run from 1 to 65535"},
		{give: "90-80", reason: "range runs backwards"},
		{give: "22,,80", reason: "want a port or a range"},
		{give: "-22", reason: "want a port or a range"},
		{give: "-", reason: "want a port or a range"},
		{give: "1-2-3", reason: `"2-3" is not a port number`},
		{give: "22, 80", reason: `" 80" is not a port number`},
		{give: "http", reason: `"http" is not a port number`},
		{give: "T:22", reason: `"T:22" is not a port number`},
		{give: "22;reboot", reason: "is not a port number"},
		{give: "+22", reason: "is not a port number"},
	}
	for _, tt := range tests {
		got, err := parsePorts(tt.give, 1)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tt.reason) ||
				!strings.Contains(err.Error(), "invalid ports") {
				t.Errorf("parsePorts(%q) = %v; want an *InputError saying %q", tt.give, err, tt.reason)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("parsePorts(%q) = %v, %v; want %s", tt.give, got, err, tt.want)
		}
	}
}

func TestPortSetRange(t *testing.T) {
	var s portSet
	s.addRange(60, 200)
	s.addRange(0, 0)
	s.addRange(65530, 65535)
	if got, want := s.String(), "0,60-200,65530-65535"; got != want {
		t.Fatalf("got %s; want %s", got, want)
	}
	if s.len() != 1+141+6 {
		t.Fatalf("len %d", s.len())
	}
}
