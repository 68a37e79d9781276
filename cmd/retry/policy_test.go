package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResolvePolicy(t *testing.T) {
	def := policy{attempts: 3, base: time.Second, max: time.Minute, jitter: 0.3, exponential: true}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want policy
	}{
		{"defaults", nil, nil, def},
		{"env", nil, map[string]string{
			"MAX_RETRY_ATTEMPTS": "5", "RETRY_BASE_DELAY": "0.5", "RETRY_MAX_DELAY": "30s", "RETRY_EXPONENTIAL_BACKOFF": "off",
		}, policy{attempts: 5, base: 500 * time.Millisecond, max: 30 * time.Second, jitter: 0.3}},
		{"flags", []string{"--attempts", "7", "--base-delay", "250ms", "--max-delay", "1.5", "--jitter", "0", "--no-exponential"}, nil,
			policy{attempts: 7, base: 250 * time.Millisecond, max: 1500 * time.Millisecond}},
		{"flags over env", []string{"--attempts=2", "--no-exponential=false", "--max-delay", "2m"},
			map[string]string{"MAX_RETRY_ATTEMPTS": "9", "RETRY_EXPONENTIAL_BACKOFF": "false", "RETRY_MAX_DELAY": "1"},
			policy{attempts: 2, base: time.Second, max: 2 * time.Minute, jitter: 0.3, exponential: true}},
		{"flag base fixes env max", []string{"--base-delay", "100ms"}, map[string]string{"RETRY_MAX_DELAY": "0.5"},
			policy{attempts: 3, base: 100 * time.Millisecond, max: 500 * time.Millisecond, jitter: 0.3, exponential: true}},
		{"zero delays", []string{"-base-delay", "0", "-max-delay", "0"}, nil,
			policy{attempts: 3, jitter: 0.3, exponential: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveArgs(tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResolvePolicyErrors(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		want      string
		showUsage bool
	}{
		{"bad count", []string{"--attempts", "many"}, nil, `invalid value "many" for flag --attempts: not a whole number`, true},
		{"bad delay", []string{"--base-delay", "1x"}, nil, `invalid value "1x" for flag --base-delay`, true},
		{"unknown", []string{"--retries", "1"}, nil, "flag provided but not defined: --retries", true},
		{"missing value", []string{"--attempts"}, nil, "flag needs an argument: --attempts", true},
		{"env count", nil, map[string]string{"MAX_RETRY_ATTEMPTS": "0"}, `environment: MAX_RETRY_ATTEMPTS="0": must be at least 1`, false},
		{"env delay", nil, map[string]string{"RETRY_BASE_DELAY": "-1"}, `environment: RETRY_BASE_DELAY="-1": must not be negative`, false},
		{"env bool", nil, map[string]string{"RETRY_EXPONENTIAL_BACKOFF": "2"}, `environment: RETRY_EXPONENTIAL_BACKOFF="2": not a boolean`, false},
		{"flag conflict", []string{"--max-delay", "0.1"}, nil, "the default base delay 1s is above --max-delay 100ms", true},
		{"env conflict", nil, map[string]string{"RETRY_BASE_DELAY": "10", "RETRY_MAX_DELAY": "5"}, "RETRY_BASE_DELAY=10 is above RETRY_MAX_DELAY=5", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveArgs(tt.args, tt.env)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if ue.Error() != tt.want && !strings.HasPrefix(ue.Error(), tt.want) {
				t.Errorf("err = %q, want %q", ue.Error(), tt.want)
			}
			if ue.showUsage != tt.showUsage {
				t.Errorf("showUsage = %v", ue.showUsage)
			}
		})
	}
}

func TestResolvePolicyEnvFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(file, []byte("MAX_RETRY_ATTEMPTS=4\nRETRY_MAX_DELAY='0.25' # short\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := resolveArgs([]string{"--env-file", file, "--base-delay", "10ms"}, map[string]string{"MAX_RETRY_ATTEMPTS": "6"})
	if err != nil {
		t.Fatal(err)
	}
	want := policy{attempts: 6, base: 10 * time.Millisecond, max: 250 * time.Millisecond, jitter: 0.3, exponential: true}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	_, err = resolveArgs([]string{"--env-file", file}, nil)
	if err == nil || err.Error() != "the default base delay 1s is above "+file+":2: RETRY_MAX_DELAY=0.25" {
		t.Errorf("err = %v", err)
	}
}

// resolveArgs parses args as the policy flags and resolves them against env.
func resolveArgs(args []string, env map[string]string) (policy, error) {
	var pf policyFlags
	fs := newFlagSet("test")
	pf.register(fs)
	if err := parse(fs, args); err != nil {
		return policy{}, err
	}
	return pf.resolve(fs, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

func TestParseInterleaved(t *testing.T) {
	fs := newFlagSet("test")
	i := fs.Bool("i", false, "")
	var headers []string
	fs.Var(listValue{&headers}, "H", "")
	pos, err := parseInterleaved(fs, []string{"-H", "A: 1", "http://x/", "-i", "-H", "B: 2", "--", "-y"})
	if err != nil {
		t.Fatal(err)
	}
	if !*i || len(headers) != 2 || strings.Join(pos, " ") != "http://x/ -y" {
		t.Errorf("i=%v headers=%q pos=%q", *i, headers, pos)
	}
}

func TestShellJoin(t *testing.T) {
	tests := []struct {
		give []string
		want string
	}{
		{[]string{"./deploy.sh", "prod"}, "./deploy.sh prod"},
		{[]string{"sh", "-c", "exit 3"}, "sh -c 'exit 3'"},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
		{[]string{"curl", "--max-time=5", "user@host:8080/a,b"}, "curl --max-time=5 user@host:8080/a,b"},
	}
	for _, tt := range tests {
		if got := shellJoin(tt.give); got != tt.want {
			t.Errorf("shellJoin(%q) = %s, want %s", tt.give, got, tt.want)
		}
	}
}

func TestFmtDur(t *testing.T) {
	tests := []struct {
		give time.Duration
		want string
	}{
		{0, "0s"},
		{500 * time.Microsecond, "500µs"},
		{time.Millisecond, "1ms"},
		{1500 * time.Microsecond, "1.5ms"},
		{250 * time.Millisecond, "250ms"},
		{time.Second, "1s"},
		{1300 * time.Millisecond, "1.3s"},
		{12750 * time.Millisecond, "12.75s"},
		{time.Minute, "1m0s"},
		{150 * time.Second, "2m30s"},
		{maxDuration, "2562047h"},
	}
	for _, tt := range tests {
		if got := fmtDur(tt.give); got != tt.want {
			t.Errorf("fmtDur(%v) = %s, want %s", tt.give, got, tt.want)
		}
	}
}
