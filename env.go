package retry

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// The environment variables FromEnv reads, from the specification's .env
// block.
const (
	EnvMaxAttempts = "MAX_RETRY_ATTEMPTS"        // a count, at least 1
	EnvBaseDelay   = "RETRY_BASE_DELAY"          // seconds ("1.0") or a Go duration ("250ms")
	EnvMaxDelay    = "RETRY_MAX_DELAY"           // seconds or a Go duration
	EnvExponential = "RETRY_EXPONENTIAL_BACKOFF" // true/false, 1/0, yes/no, on/off
)

// FromEnv returns the options set by the process environment, for use with
// Do like any other option. An unset variable leaves the default. A bad value
// (not a number, fewer than 1 attempt, a negative delay, a maximum below the
// base, or set but empty) is an error naming the variable and the value.
func FromEnv() (Option, error) {
	return FromLookup(os.LookupEnv)
}

// FromLookup is FromEnv reading variables through lookup, which has the
// shape of os.LookupEnv.
func FromLookup(lookup func(key string) (string, bool)) (Option, error) {
	return fromSource(func(key string) (string, string, bool) {
		v, ok := lookup(key)
		return v, "", ok
	})
}

// LoadEnvFile is FromEnv for a process that keeps its settings in a .env file
// (KEY=VALUE lines, # comments, optional "export " and quotes). As with
// dotenv tools, a variable set in the process environment wins over the file.
// Errors name the file and line of a bad value.
func LoadEnvFile(path string) (Option, error) {
	f, err := os.Open(path)
	if err != nil {
		return Option{}, fmt.Errorf("retry: %w", err)
	}
	defer f.Close()
	vars, err := ParseEnvFile(f, path)
	if err != nil {
		return Option{}, err
	}
	return fromSource(func(key string) (string, string, bool) {
		if v, ok := os.LookupEnv(key); ok {
			return v, "", true
		}
		if v, ok := vars[key]; ok {
			return v.Value, fmt.Sprintf("%s:%d: ", path, v.Line), true
		}
		return "", "", false
	})
}

// EnvValue is one assignment read from a .env file.
type EnvValue struct {
	Value string
	Line  int // 1-based line number
}

// ParseEnvFile reads .env syntax from r: one KEY=VALUE per line, blank lines
// and lines starting with # ignored, an optional "export " prefix, and values
// optionally in single or double quotes (a # after an unquoted value starts a
// comment). name is used in errors, which give the line number. A later
// assignment to the same key wins.
func ParseEnvFile(r io.Reader, name string) (map[string]EnvValue, error) {
	vars := make(map[string]EnvValue)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("retry: %s:%d: %q is not KEY=VALUE", name, n, line)
		}
		if !validKey(key) {
			return nil, fmt.Errorf("retry: %s:%d: %q is not a valid variable name", name, n, key)
		}
		v, err := unquote(strings.TrimSpace(val))
		if err != nil {
			return nil, fmt.Errorf("retry: %s:%d: %s: %w", name, n, key, err)
		}
		vars[key] = EnvValue{Value: v, Line: n}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("retry: %s: %w", name, err)
	}
	return vars, nil
}

func validKey(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r == '.' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

func unquote(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	switch q := v[0]; q {
	case '"', '\'':
		end := strings.LastIndexByte(v, q)
		if end == 0 {
			return "", fmt.Errorf("unterminated quote in %s", v)
		}
		rest := strings.TrimSpace(v[end+1:])
		if rest != "" && rest[0] != '#' {
			return "", fmt.Errorf("text %q after the closing quote", rest)
		}
		if q == '"' {
			s, err := strconv.Unquote(v[:end+1])
			if err != nil {
				return "", fmt.Errorf("bad double-quoted value %s", v[:end+1])
			}
			return s, nil
		}
		return v[1:end], nil
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v, nil
}

// fromSource reads the four variables through get, which also returns where
// a value came from ("" for the environment, "file:line: " for a file).
func fromSource(get func(key string) (val, where string, ok bool)) (Option, error) {
	var opts []Option
	base, max := DefaultBaseDelay, DefaultMaxDelay
	var baseFrom, maxFrom string
	if v, where, ok := get(EnvMaxAttempts); ok {
		n, err := ParseCount(v)
		if err != nil {
			return Option{}, envError(where, EnvMaxAttempts, v, err)
		}
		opts = append(opts, MaxAttempts(n))
	}
	if v, where, ok := get(EnvBaseDelay); ok {
		d, err := ParseDelay(v)
		if err != nil {
			return Option{}, envError(where, EnvBaseDelay, v, err)
		}
		base, baseFrom = d, where+EnvBaseDelay+"="+v
		opts = append(opts, BaseDelay(d))
	}
	if v, where, ok := get(EnvMaxDelay); ok {
		d, err := ParseDelay(v)
		if err != nil {
			return Option{}, envError(where, EnvMaxDelay, v, err)
		}
		max, maxFrom = d, where+EnvMaxDelay+"="+v
		opts = append(opts, MaxDelay(d))
	}
	if v, where, ok := get(EnvExponential); ok {
		b, err := ParseBool(v)
		if err != nil {
			return Option{}, envError(where, EnvExponential, v, err)
		}
		opts = append(opts, Exponential(b))
	}
	if base > max {
		if baseFrom == "" {
			baseFrom = fmt.Sprintf("the default base delay %v", DefaultBaseDelay)
		}
		if maxFrom == "" {
			maxFrom = fmt.Sprintf("the default max delay %v", DefaultMaxDelay)
		}
		return Option{}, fmt.Errorf("retry: %s is above %s (%v > %v)", baseFrom, maxFrom, base, max)
	}
	return Options(opts...), nil
}

func envError(where, key, val string, err error) error {
	return fmt.Errorf("retry: %s%s=%q: %w", where, key, val, err)
}

// ParseCount parses an attempt count: a decimal integer of at least 1.
func ParseCount(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty; unset it to use the default")
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("not a whole number")
	}
	if n < 1 {
		return 0, fmt.Errorf("must be at least 1")
	}
	return n, nil
}

// ParseDelay parses a delay given as a number of seconds ("1", "0.25") or a
// Go duration ("250ms", "1m30s"). It must not be negative.
func ParseDelay(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty; unset it to use the default")
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return 0, fmt.Errorf("not a finite number of seconds")
		case f < 0:
			return 0, fmt.Errorf("must not be negative")
		case f*1e9 >= math.MaxInt64:
			return 0, fmt.Errorf("too large (at most %d seconds)", int64(math.MaxInt64)/int64(time.Second))
		}
		return time.Duration(math.Round(f * 1e9)), nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf(`not a number of seconds ("1.5") or a duration ("250ms")`)
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// ParseBool parses true/false, 1/0, yes/no and on/off, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on", "y", "t":
		return true, nil
	case "false", "0", "no", "off", "n", "f":
		return false, nil
	case "":
		return false, fmt.Errorf("empty; unset it to use the default")
	}
	return false, fmt.Errorf("not a boolean (true/false, 1/0, yes/no, on/off)")
}
