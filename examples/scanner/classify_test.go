package scanner

import (
	"errors"
	"testing"
)

func TestTransientStderr(t *testing.T) {
	tests := []struct {
		give         string
		failed, want bool
	}{
		{`Failed to resolve "db.internal".`, false, true},
		{`Failed to resolve "db.internal".`, true, true},
		{"getaddrinfo: Temporary failure in name resolution", true, true},
		{"socket: Too many open files", true, true},
		{"socket: Too many open files", false, false},
		{"Malloc Failed! Probably out of space.", true, true},
		{"sendto: No buffer space available", true, true},
		{"Ports specified must be between 0 and 65535 inclusive\nQUITTING!", true, false},
		{"You requested a scan type which requires root privileges.\nQUITTING!", true, false},
		{"", true, false},
	}
	for _, tt := range tests {
		if got := transientStderr(tt.give, tt.failed); got != tt.want {
			t.Errorf("transientStderr(%q, failed %v) = %v; want %v", tt.give, tt.failed, got, tt.want)
		}
	}
}

// judge on runs that exited normally (status 0); the other ends are tested
// with real processes in nmap_test.go.
func TestJudgeStatusZero(t *testing.T) {
	good := `<nmaprun><host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/></host></nmaprun>`
	tests := []struct {
		name, stdout, stderr string
		timedOut             bool
		transient, ok        bool
	}{
		{name: "report", stdout: good, ok: true},
		{name: "warning", stdout: good, stderr: "WARNING: a warning", ok: true},
		{name: "not XML", stdout: "oops"},
		{name: "empty", stdout: ""},
		{name: "nmap error", stdout: `<nmaprun><runstats><finished exit="error" errormsg="bad"/></runstats></nmaprun>`},
		{name: "unresolved", stdout: good, stderr: `Failed to resolve "x".`, transient: true},
		{name: "timed out", stdout: good, timedOut: true, transient: true},
	}
	for _, tt := range tests {
		o := outcome{args: []string{"-sn"}, stdout: []byte(tt.stdout), stderr: tt.stderr, timedOut: tt.timedOut}
		if tt.timedOut {
			o.err = ErrTimeout
		}
		r, err := o.judge()
		if tt.ok {
			if err != nil || len(r.hosts) != 1 {
				t.Errorf("%s: got %v, %v", tt.name, r, err)
			}
			continue
		}
		var re *RunError
		if !errors.As(err, &re) || re.Transient != tt.transient || re.Retryable() != tt.transient {
			t.Errorf("%s: got %v; want a *RunError, transient %v", tt.name, err, tt.transient)
		}
	}
}
