package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/nop-platform/retry"
)

// policy is the retry policy shared by run and schedule.
type policy struct {
	attempts    int // calls in all, the first included
	base, max   time.Duration
	jitter      float64
	exponential bool
}

// options returns the policy as options for retry.Do.
func (p policy) options() []retry.Option {
	return []retry.Option{
		retry.MaxAttempts(p.attempts),
		retry.BaseDelay(p.base),
		retry.MaxDelay(p.max),
		retry.Jitter(p.jitter),
		retry.Exponential(p.exponential),
	}
}

// String describes the policy in one line.
func (p policy) String() string {
	kind := "exponential"
	if !p.exponential {
		kind = "constant"
	}
	return fmt.Sprintf("%d %s (%d %s), %s from %s, max %s, jitter %g",
		p.attempts, plural(p.attempts, "attempt"), p.attempts-1, plural(p.attempts-1, "retry"),
		kind, fmtDur(p.base), fmtDur(p.max), p.jitter)
}

// policyFlags are the policy flags of run and schedule.
type policyFlags struct {
	attempts      int
	base, max     time.Duration
	jitter        float64
	noExponential bool
	envFile       string
}

func (pf *policyFlags) register(fs *flag.FlagSet) {
	fs.Var(countValue{&pf.attempts}, "attempts", "")
	fs.Var(delayValue{&pf.base}, "base-delay", "")
	fs.Var(delayValue{&pf.max}, "max-delay", "")
	fs.Var(jitterValue{&pf.jitter}, "jitter", "")
	fs.BoolVar(&pf.noExponential, "no-exponential", false, "")
	fs.StringVar(&pf.envFile, "env-file", "", "")
}

// policyHelp documents the flags that register defines.
const policyHelp = `  --attempts N         calls in all, the first included (default 3; MAX_RETRY_ATTEMPTS)
  --base-delay D       delay before the first retry (default 1s; RETRY_BASE_DELAY)
  --max-delay D        cap on each delay, jitter included (default 60s; RETRY_MAX_DELAY)
  --jitter F           add up to F times each delay at random, 0 to 10 (default 0.3)
  --no-exponential     wait the base delay before every retry instead of doubling it
                       (RETRY_EXPONENTIAL_BACKOFF=false)
  --env-file PATH      read the RETRY_* variables from a .env file; the process
                       environment wins over the file, flags win over both
`

// resolve builds the policy: the specification's defaults, then the
// environment (and the env file), then the flags set on the command line.
func (pf *policyFlags) resolve(fs *flag.FlagSet, lookup func(string) (string, bool)) (policy, error) {
	p := policy{
		attempts:    retry.DefaultMaxAttempts,
		base:        retry.DefaultBaseDelay,
		max:         retry.DefaultMaxDelay,
		jitter:      retry.DefaultJitter,
		exponential: true,
	}
	baseFrom := "the default base delay " + fmtDur(p.base)
	maxFrom := "the default max delay " + fmtDur(p.max)

	env, err := readEnv(lookup, pf.envFile)
	if err != nil {
		return policy{}, err
	}
	if env.MaxAttempts.Set {
		p.attempts = env.MaxAttempts.Value
	}
	if env.BaseDelay.Set {
		p.base, baseFrom = env.BaseDelay.Value, env.BaseDelay.From
	}
	if env.MaxDelay.Set {
		p.max, maxFrom = env.MaxDelay.Value, env.MaxDelay.From
	}
	if env.Exponential.Set {
		p.exponential = env.Exponential.Value
	}

	set := visited(fs)
	if set["attempts"] {
		p.attempts = pf.attempts
	}
	if set["base-delay"] {
		p.base, baseFrom = pf.base, "--base-delay "+fs.Lookup("base-delay").Value.String()
	}
	if set["max-delay"] {
		p.max, maxFrom = pf.max, "--max-delay "+fs.Lookup("max-delay").Value.String()
	}
	if set["jitter"] {
		p.jitter = pf.jitter
	}
	if set["no-exponential"] {
		p.exponential = !pf.noExponential
	}
	if p.base > p.max {
		err := fmt.Errorf("%s is above %s", baseFrom, maxFrom)
		if set["base-delay"] || set["max-delay"] {
			return policy{}, &usageError{err: err, showUsage: true}
		}
		return policy{}, badConfig(err)
	}
	return p, nil
}

// readEnv reads the policy variables: the process environment first, then
// the env file, if any (the semantics of retry.LoadEnvFile). A bad value is a
// configuration error naming the variable and where it was set.
func readEnv(lookup func(string) (string, bool), file string) (retry.Env, error) {
	var env retry.Env
	var err error
	if file == "" {
		env, err = retry.ReadEnv(lookup)
	} else {
		env, err = retry.ReadEnvFile(file, lookup)
	}
	if err == nil {
		return env, nil
	}
	msg := strings.TrimPrefix(err.Error(), "retry: ")
	var ee *retry.EnvError
	switch {
	case errors.As(err, &ee) && ee.Where == "":
		msg = "environment: " + msg
	case file != "" && !errors.As(err, &ee):
		msg = "--env-file: " + msg
	}
	return retry.Env{}, badConfig(errors.New(msg))
}

// plural returns word, with "s" (or "retries") unless n is 1.
func plural(n int, word string) string {
	switch {
	case n == 1:
		return word
	case word == "retry":
		return "retries"
	}
	return word + "s"
}

// fmtDur formats a duration for people: "250ms", "1.3s", "2m30s".
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return d.String()
	case d < time.Second:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", float64(d)/1e6), "0"), ".") + "ms"
	case d < time.Minute:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", d.Seconds()), "0"), ".") + "s"
	case d < 1000*time.Hour:
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}
