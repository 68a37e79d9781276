package retry

import (
	"bufio"
	"errors"
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
// (not a number, fewer than 1 attempt, a negative delay, set but empty, or a
// base above the maximum when both are set) is an *EnvError naming the
// variable and the value.
func FromEnv() (Option, error) {
	return FromLookup(os.LookupEnv)
}

// FromLookup is FromEnv reading variables through lookup, which has the
// shape of os.LookupEnv.
func FromLookup(lookup func(key string) (string, bool)) (Option, error) {
	e, err := ReadEnv(lookup)
	if err != nil {
		return Option{}, err
	}
	return e.Option(), nil
}

// LoadEnvFile is FromEnv for a process that keeps its settings in a .env file
// (see ParseEnvFile). As with dotenv tools, a variable set in the process
// environment wins over the file. Errors name the file and line of a bad
// value.
func LoadEnvFile(path string) (Option, error) {
	e, err := ReadEnvFile(path, os.LookupEnv)
	if err != nil {
		return Option{}, err
	}
	return e.Option(), nil
}

// Env holds the specification's variables as ReadEnv found them, for callers
// that merge them with settings of their own (a command line's flags) before
// building options. The zero Env has nothing set.
type Env struct {
	MaxAttempts EnvSetting[int]           // MAX_RETRY_ATTEMPTS
	BaseDelay   EnvSetting[time.Duration] // RETRY_BASE_DELAY
	MaxDelay    EnvSetting[time.Duration] // RETRY_MAX_DELAY
	Exponential EnvSetting[bool]          // RETRY_EXPONENTIAL_BACKOFF
}

// EnvSetting is one variable's parsed value.
type EnvSetting[T any] struct {
	Value T
	Set   bool   // the variable was set; Value is meaningless otherwise
	From  string // where it was set, for messages: `RETRY_BASE_DELAY=2` or `.env:3: RETRY_BASE_DELAY=2`
}

// Option returns the options for the variables that are set.
func (e Env) Option() Option {
	var opts []Option
	if e.MaxAttempts.Set {
		opts = append(opts, MaxAttempts(e.MaxAttempts.Value))
	}
	if e.BaseDelay.Set {
		opts = append(opts, BaseDelay(e.BaseDelay.Value))
	}
	if e.MaxDelay.Set {
		opts = append(opts, MaxDelay(e.MaxDelay.Value))
	}
	if e.Exponential.Set {
		opts = append(opts, Exponential(e.Exponential.Value))
	}
	return Options(opts...)
}

// EnvError reports a bad value of an environment variable.
type EnvError struct {
	Where string // "" for the process environment, "FILE:LINE" for a .env file
	Key   string // the variable
	Value string // its value
	Err   error  // what is wrong with it
}

func (e *EnvError) Error() string {
	where := ""
	if e.Where != "" {
		where = e.Where + ": "
	}
	return fmt.Sprintf("retry: %s%s=%q: %v", where, e.Key, e.Value, e.Err)
}

func (e *EnvError) Unwrap() error { return e.Err }

// ReadEnv parses the specification's variables through lookup, which has
// the shape of os.LookupEnv. An unset variable is left unset in the Env; a
// bad value is an *EnvError. A base delay above the maximum is an error only
// when both are set; otherwise Do checks the delays it ends up with.
func ReadEnv(lookup func(key string) (string, bool)) (Env, error) {
	return readEnv(func(key string) (string, string, bool) {
		v, ok := lookup(key)
		return v, "", ok
	})
}

// ReadEnvFile is ReadEnv for a .env file at path, with lookup (os.LookupEnv,
// or nil for none) winning over the file, as dotenv tools do.
func ReadEnvFile(path string, lookup func(key string) (string, bool)) (Env, error) {
	f, err := os.Open(path)
	if err != nil {
		return Env{}, fmt.Errorf("retry: %w", err)
	}
	defer f.Close()
	vars, err := ParseEnvFile(f, path)
	if err != nil {
		return Env{}, err
	}
	return readEnv(func(key string) (string, string, bool) {
		if lookup != nil {
			if v, ok := lookup(key); ok {
				return v, "", true
			}
		}
		if v, ok := vars[key]; ok {
			return v.Value, fmt.Sprintf("%s:%d", path, v.Line), true
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
// optionally in single or double quotes (double quotes take Go escapes); a #
// after whitespace outside quotes starts a comment. name is used in errors, which give the line number. A later
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
	q := v[0]
	if q != '"' && q != '\'' {
		// Unquoted: a # after whitespace, or at the start, begins a comment.
		for i := 0; i < len(v); i++ {
			if v[i] == '#' && (i == 0 || v[i-1] == ' ' || v[i-1] == '\t') {
				return strings.TrimSpace(v[:i]), nil
			}
		}
		return v, nil
	}
	end := -1
	for i := 1; i < len(v); i++ {
		if q == '"' && v[i] == '\\' {
			i++ // skip the escaped character
			continue
		}
		if v[i] == q {
			end = i
			break
		}
	}
	if end < 0 {
		return "", fmt.Errorf("unterminated quote in %s", v)
	}
	if rest := strings.TrimSpace(v[end+1:]); rest != "" && rest[0] != '#' {
		return "", fmt.Errorf("text %q after the closing quote", rest)
	}
	if q == '\'' {
		return v[1:end], nil
	}
	s, err := strconv.Unquote(v[:end+1])
	if err != nil {
		return "", fmt.Errorf("bad double-quoted value %s", v[:end+1])
	}
	return s, nil
}

// readEnv reads the four variables through get, which also says where a
// value came from ("" for the environment, "FILE:LINE" for a file).
func readEnv(get func(key string) (val, where string, ok bool)) (Env, error) {
	var e Env
	var err error
	if err = readVar(get, EnvMaxAttempts, ParseCount, &e.MaxAttempts); err != nil {
		return Env{}, err
	}
	if err = readVar(get, EnvBaseDelay, ParseDelay, &e.BaseDelay); err != nil {
		return Env{}, err
	}
	if err = readVar(get, EnvMaxDelay, ParseDelay, &e.MaxDelay); err != nil {
		return Env{}, err
	}
	if err = readVar(get, EnvExponential, ParseBool, &e.Exponential); err != nil {
		return Env{}, err
	}
	if e.BaseDelay.Set && e.MaxDelay.Set && e.BaseDelay.Value > e.MaxDelay.Value {
		return Env{}, fmt.Errorf("retry: %s is above %s (%v > %v)",
			e.BaseDelay.From, e.MaxDelay.From, e.BaseDelay.Value, e.MaxDelay.Value)
	}
	return e, nil
}

func readVar[T any](get func(string) (string, string, bool), key string, parse func(string) (T, error), dst *EnvSetting[T]) error {
	v, where, ok := get(key)
	if !ok {
		return nil
	}
	x, err := parse(v)
	if err != nil {
		return &EnvError{Where: where, Key: key, Value: v, Err: err}
	}
	from := key + "=" + v
	if where != "" {
		from = where + ": " + from
	}
	*dst = EnvSetting[T]{Value: x, Set: true, From: from}
	return nil
}

// ParseCount parses an attempt count: a decimal integer of at least 1.
func ParseCount(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty; unset it to use the default")
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("out of range")
	}
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
	f, err := strconv.ParseFloat(t, 64)
	if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) { // "1e400"
		if f < 0 {
			return 0, fmt.Errorf("must not be negative")
		}
		return 0, fmt.Errorf("too large (at most %d seconds)", int64(math.MaxInt64)/int64(time.Second))
	}
	if err == nil {
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
		if durationSyntax(t) {
			return 0, fmt.Errorf("out of range (at most %v)", time.Duration(math.MaxInt64))
		}
		return 0, fmt.Errorf(`not a number of seconds ("1.5") or a duration ("250ms")`)
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return d, nil
}

// durationSyntax reports whether s has the form of a Go duration, such as
// "99999999999h", whatever its size: when time.ParseDuration rejects such a
// string, it is out of range.
func durationSyntax(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for s != "" {
		i, digits, dots := 0, 0, 0
		for ; i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.'); i++ {
			if s[i] == '.' {
				dots++
			} else {
				digits++
			}
		}
		if digits == 0 || dots > 1 { // "1.2.3s" is malformed, not out of range
			return false
		}
		s = s[i:]
		unit := false
		for _, u := range []string{"ns", "us", "µs", "μs", "ms", "s", "m", "h"} {
			if strings.HasPrefix(s, u) && !(u == "m" && strings.HasPrefix(s, "ms")) {
				s, unit = s[len(u):], true
				break
			}
		}
		if !unit {
			return false
		}
	}
	return true
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
