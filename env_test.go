package retry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// applied builds the config an option produces, for inspection.
func applied(o Option) config {
	var c config
	c.init()
	c.applyOne(&o)
	return c
}

func TestFromLookup(t *testing.T) {
	tests := []struct {
		name      string
		give      map[string]string
		attempts  int
		base, max time.Duration
		linear    bool
	}{
		{"unset means defaults", nil, 3, time.Second, time.Minute, false},
		{"spec .env block", map[string]string{"MAX_RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "1.0", "RETRY_MAX_DELAY": "60.0", "RETRY_EXPONENTIAL_BACKOFF": "true"}, 3, time.Second, time.Minute, false},
		{"durations", map[string]string{"MAX_RETRY_ATTEMPTS": "7", "RETRY_BASE_DELAY": "250ms", "RETRY_MAX_DELAY": "1m30s"}, 7, 250 * time.Millisecond, 90 * time.Second, false},
		{"fractional seconds", map[string]string{"RETRY_BASE_DELAY": "0.0015"}, 3, 1500 * time.Microsecond, time.Minute, false},
		{"zero delay", map[string]string{"RETRY_BASE_DELAY": "0"}, 3, 0, time.Minute, false},
		{"exponential off", map[string]string{"RETRY_EXPONENTIAL_BACKOFF": "No"}, 3, time.Second, time.Minute, true},
		{"exponential 0", map[string]string{"RETRY_EXPONENTIAL_BACKOFF": "0"}, 3, time.Second, time.Minute, true},
		{"spaces trimmed", map[string]string{"MAX_RETRY_ATTEMPTS": " 5 "}, 5, time.Second, time.Minute, false},
		{"base raised with max", map[string]string{"RETRY_BASE_DELAY": "120", "RETRY_MAX_DELAY": "600"}, 3, 2 * time.Minute, 10 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := FromLookup(lookupMap(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			c := applied(opt)
			if err := c.check(); err != nil {
				t.Fatal(err)
			}
			if c.maxAttempts != tt.attempts || c.base != tt.base || c.max != tt.max || c.linear != tt.linear {
				t.Fatalf("got attempts %d base %v max %v linear %v", c.maxAttempts, c.base, c.max, c.linear)
			}
		})
	}
}

func TestFromLookupErrors(t *testing.T) {
	tests := []struct {
		give map[string]string
		want string
	}{
		{map[string]string{"MAX_RETRY_ATTEMPTS": "three"}, `MAX_RETRY_ATTEMPTS="three": not a whole number`},
		{map[string]string{"MAX_RETRY_ATTEMPTS": "0"}, `MAX_RETRY_ATTEMPTS="0": must be at least 1`},
		{map[string]string{"MAX_RETRY_ATTEMPTS": ""}, `MAX_RETRY_ATTEMPTS="": empty; unset it to use the default`},
		{map[string]string{"RETRY_BASE_DELAY": "-1"}, `RETRY_BASE_DELAY="-1": must not be negative`},
		{map[string]string{"RETRY_BASE_DELAY": "-5ms"}, `RETRY_BASE_DELAY="-5ms": must not be negative`},
		{map[string]string{"RETRY_BASE_DELAY": "soon"}, `RETRY_BASE_DELAY="soon": not a number of seconds`},
		{map[string]string{"RETRY_MAX_DELAY": "NaN"}, `RETRY_MAX_DELAY="NaN": not a finite number of seconds`},
		{map[string]string{"RETRY_MAX_DELAY": "1e300"}, `RETRY_MAX_DELAY="1e300": too large`},
		{map[string]string{"RETRY_MAX_DELAY": "1e400"}, `RETRY_MAX_DELAY="1e400": too large`},
		{map[string]string{"RETRY_MAX_DELAY": "-1e400"}, `RETRY_MAX_DELAY="-1e400": must not be negative`},
		{map[string]string{"RETRY_MAX_DELAY": "99999999999h"}, `RETRY_MAX_DELAY="99999999999h": out of range`},
		{map[string]string{"RETRY_MAX_DELAY": "1.2.3s"}, `RETRY_MAX_DELAY="1.2.3s": not a number of seconds`},
		{map[string]string{"RETRY_MAX_DELAY": "1..5s"}, `RETRY_MAX_DELAY="1..5s": not a number of seconds`},
		{map[string]string{"RETRY_EXPONENTIAL_BACKOFF": "maybe"}, `RETRY_EXPONENTIAL_BACKOFF="maybe": not a boolean`},
		{map[string]string{"RETRY_BASE_DELAY": "10", "RETRY_MAX_DELAY": "5"}, `RETRY_BASE_DELAY=10 is above RETRY_MAX_DELAY=5 (10s > 5s)`},
	}
	for _, tt := range tests {
		_, err := FromLookup(lookupMap(tt.give))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromLookup(%v) = %v, want an error containing %q", tt.give, err, tt.want)
		}
	}
}

// A delay set in the environment and one set in code are checked together,
// by Do, once every option is applied.
func TestEnvAndCodeDelaysCheckedTogether(t *testing.T) {
	opt, err := FromLookup(lookupMap(map[string]string{"RETRY_MAX_DELAY": "0.5"}))
	if err != nil {
		t.Fatalf("RETRY_MAX_DELAY alone: %v", err)
	}
	if err := Do(t.Context(), func(context.Context) error { return nil }, opt, BaseDelay(100*time.Millisecond)); err != nil {
		t.Fatalf("base 100ms in code, max 0.5s from the environment: %v", err)
	}
	err = Do(t.Context(), func(context.Context) error { return nil }, opt)
	if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "base delay 1s is above max delay 500ms") {
		t.Fatalf("default base 1s over max 0.5s: err = %v", err)
	}
}

func TestReadEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.env")
	if err := os.WriteFile(path, []byte("MAX_RETRY_ATTEMPTS=4\nRETRY_MAX_DELAY=30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := ReadEnvFile(path, lookupMap(map[string]string{"RETRY_MAX_DELAY": "20"}))
	if err != nil {
		t.Fatal(err)
	}
	if !e.MaxAttempts.Set || e.MaxAttempts.Value != 4 || e.MaxAttempts.From != path+":1: MAX_RETRY_ATTEMPTS=4" {
		t.Errorf("MaxAttempts = %+v", e.MaxAttempts)
	}
	if e.MaxDelay.Value != 20*time.Second || e.MaxDelay.From != "RETRY_MAX_DELAY=20" {
		t.Errorf("MaxDelay = %+v; the lookup must win over the file", e.MaxDelay)
	}
	if e.BaseDelay.Set || e.Exponential.Set {
		t.Errorf("unset variables reported as set: %+v", e)
	}
	_, err = ReadEnv(lookupMap(map[string]string{"MAX_RETRY_ATTEMPTS": "-2"}))
	var ee *EnvError
	if !errors.As(err, &ee) || ee.Key != "MAX_RETRY_ATTEMPTS" || ee.Value != "-2" || ee.Where != "" {
		t.Fatalf("err = %#v, want an *EnvError naming the variable and value", err)
	}
}

func TestFromEnvDrivesDo(t *testing.T) {
	t.Setenv("MAX_RETRY_ATTEMPTS", "4")
	t.Setenv("RETRY_BASE_DELAY", "0")
	opt, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = Do(t.Context(), func(context.Context) error { calls++; return errConn }, opt)
	var re *Error
	if calls != 4 || !errors.As(err, &re) || re.Attempts != 4 {
		t.Fatalf("%d calls, err %v; want 4 attempts from MAX_RETRY_ATTEMPTS", calls, err)
	}
}

func TestLoadEnvFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	body := "# retry settings\n\nexport MAX_RETRY_ATTEMPTS=5\nRETRY_BASE_DELAY=\"0.5\" # half a second\nRETRY_MAX_DELAY='30'\nUNRELATED=x=y\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RETRY_MAX_DELAY", "20") // the process environment wins over the file
	opt, err := LoadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := applied(opt)
	if c.maxAttempts != 5 || c.base != 500*time.Millisecond || c.max != 20*time.Second {
		t.Fatalf("got attempts %d base %v max %v; want 5, 500ms, 20s", c.maxAttempts, c.base, c.max)
	}

	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("MAX_RETRY_ATTEMPTS=2\n\nRETRY_BASE_DELAY=fast\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadEnvFile(bad)
	if want := bad + `:3: RETRY_BASE_DELAY="fast": not a number`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %q", err, want)
	}
	if _, err := LoadEnvFile(filepath.Join(dir, "missing.env")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
}

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		give string
		want map[string]string
		err  string
	}{
		{"A=1\nB = two words \n", map[string]string{"A": "1", "B": "two words"}, ""},
		{"\ufeffA=1", map[string]string{"A": "1"}, ""},
		{`A="x # not a comment"`, map[string]string{"A": "x # not a comment"}, ""},
		{`A="line\nbreak"`, map[string]string{"A": "line\nbreak"}, ""},
		{"A=1\nA=2", map[string]string{"A": "2"}, ""},
		{"A='2' # don't go below 1", map[string]string{"A": "2"}, ""},
		{`A="2" # the "base" delay`, map[string]string{"A": "2"}, ""},
		{`A="say \"hi\"" # c`, map[string]string{"A": `say "hi"`}, ""},
		{"A=2\t# tab comment", map[string]string{"A": "2"}, ""},
		{"A=a#b", map[string]string{"A": "a#b"}, ""},
		{"A=#only a comment", map[string]string{"A": ""}, ""},
		{"A=", map[string]string{"A": ""}, ""},
		{"just words", nil, `f:1: "just words" is not KEY=VALUE`},
		{"\n1A=x", nil, `f:2: "1A" is not a valid variable name`},
		{`A="open`, nil, `f:1: A: unterminated quote`},
		{`A="x" y`, nil, `f:1: A: text "y" after the closing quote`},
	}
	for _, tt := range tests {
		got, err := ParseEnvFile(strings.NewReader(tt.give), "f")
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseEnvFile(%q) err = %v, want %q", tt.give, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseEnvFile(%q): %v", tt.give, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseEnvFile(%q) = %v, want %v", tt.give, got, tt.want)
		}
		for k, v := range tt.want {
			if got[k].Value != v {
				t.Errorf("ParseEnvFile(%q)[%s] = %q, want %q", tt.give, k, got[k].Value, v)
			}
		}
	}
}

// The env parsers never panic, and what they accept is in range.
func FuzzParseEnv(f *testing.F) {
	for _, s := range []string{"1.0", "250ms", "-1", "1e300", "NaN", "true", "3", "", "9223372036.854775807", "0x10", "1h2m3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDelay(s); err == nil && d < 0 {
			t.Fatalf("ParseDelay(%q) = %v, negative", s, d)
		}
		if n, err := ParseCount(s); err == nil && n < 1 {
			t.Fatalf("ParseCount(%q) = %d", s, n)
		}
		_, _ = ParseBool(s)
		opt, err := FromLookup(func(k string) (string, bool) { return s, true })
		if err == nil {
			c := applied(opt)
			if err := c.check(); err != nil {
				t.Fatalf("FromLookup accepted %q but the options are invalid: %v", s, err)
			}
		}
	})
}

func FuzzParseEnvFile(f *testing.F) {
	f.Add("A=1\n# c\nexport B='x'\nC=\"y\\n\" # z\n")
	f.Add("=\n\"\n'")
	f.Fuzz(func(t *testing.T, s string) {
		vars, err := ParseEnvFile(strings.NewReader(s), "f")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "retry: f") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for k, v := range vars {
			if !validKey(k) || v.Line < 1 {
				t.Fatalf("accepted key %q at line %d", k, v.Line)
			}
		}
	})
}

// FromEnv's delays are the ones Do waits.
func TestFromEnvDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opt, err := FromLookup(lookupMap(map[string]string{"RETRY_BASE_DELAY": "0.2", "RETRY_EXPONENTIAL_BACKOFF": "false"}))
		if err != nil {
			t.Fatal(err)
		}
		var at []time.Time
		_ = Do(t.Context(), func(context.Context) error { at = append(at, time.Now()); return errConn }, opt, Jitter(0))
		if len(at) != 3 || at[1].Sub(at[0]) != 200*time.Millisecond || at[2].Sub(at[1]) != 200*time.Millisecond {
			t.Fatalf("calls at %v; want 3 calls 200ms apart", at)
		}
	})
}
