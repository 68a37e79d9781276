package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nop-platform/retry"
)

const runUsage = `Usage: retry run [flags] -- COMMAND [ARGS...]

Runs COMMAND, and runs it again while it fails, waiting longer before each
retry. Each retry is logged to stderr as the specification prints it:

  [Retry 1/2] ./deploy.sh prod (delay: 1034ms, reason: exit status 3)

Flags:
` + policyHelp + `  --attempt-timeout D  stop a run that takes longer than D (TERM, then KILL 5s
                       later); it counts as exit status 124, like timeout(1)
  --max-time D         bound the whole, waits included: a run still going at D is
                       stopped the same way, and no wait starts that would pass D
  --retry-on LIST      retry only these exit statuses, e.g. 1,3-5 (default: all but 0)
  --stop-on LIST       never retry these exit statuses
  --quiet              do not log retries or the give-up
  -h, --help           show this help

D is a number of seconds (1.5) or a Go duration (250ms, 1m30s); 0 turns
--attempt-timeout and --max-time off.

Exit status: the last run's, or 128+N when it died of signal N; 124 when it
timed out; 127 when COMMAND is not found and 126 when it cannot be executed
(neither is retried); 2 for a usage error or a bad RETRY_* variable.

Signals: on INT or TERM retry stops retrying and forwards the signal to the
running COMMAND, then exits with its status (130 or 143 when it dies of the
signal). If COMMAND is still running 5s later, it gets KILL. A second INT or
TERM kills COMMAND at once, and retry exits 130 or 143. Between runs retry
exits 130 or 143 at once. COMMAND runs in retry's process group, so a Ctrl-C
at the terminal reaches it directly: when retry is in the terminal's
foreground process group it does not forward that INT again.

Input and output: COMMAND shares retry's stdin, stdout and stderr. Input is
not buffered, so only the first run sees piped input; later runs read what
is left (usually nothing).
`

// job is one retry run invocation.
type job struct {
	argv           []string
	policy         policy
	attemptTimeout time.Duration
	maxTime        time.Duration
	retryOn        codeSet // empty: every failure
	stopOn         codeSet
	quiet          bool
	killGrace      time.Duration // between stopping a run and SIGKILL
}

// killGraceVar overrides killGrace, for the tests only: they run the
// binary and cannot wait 5s for each KILL. It is not documented.
const killGraceVar = "_RETRY_TEST_KILL_GRACE"

func cmdRun(ctx context.Context, e *env, args []string) error {
	var j job
	var pf policyFlags
	fs := j.flags(&pf)
	if err := parse(fs, args); err != nil {
		return err
	}
	if j.argv = fs.Args(); len(j.argv) == 0 {
		return badUsage("no command given (put it after --)")
	}
	var err error
	if j.policy, err = pf.resolve(fs, e.lookup); err != nil {
		return err
	}
	j.killGrace = killGrace
	if v, ok := e.lookup(killGraceVar); ok {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			j.killGrace = d
		}
	}
	return j.run(ctx, e)
}

// flags returns the flag set of retry run, bound to j and pf.
func (j *job) flags(pf *policyFlags) *flag.FlagSet {
	fs := newFlagSet("run")
	pf.register(fs)
	fs.Var(delayValue{&j.attemptTimeout}, "attempt-timeout", "")
	fs.Var(delayValue{&j.maxTime}, "max-time", "")
	fs.Var(codesValue{&j.retryOn}, "retry-on", "")
	fs.Var(codesValue{&j.stopOn}, "stop-on", "")
	fs.BoolVar(&j.quiet, "quiet", false, "")
	return fs
}

// retryable reports whether a failed run is worth another.
func (j *job) retryable(a *attempt) bool {
	if a.notStarted || (!j.retryOn.empty() && !j.retryOn.has(a.status)) {
		return false
	}
	return !j.stopOn.has(a.status)
}

// run runs the command under the policy and returns the exit status.
func (j *job) run(ctx context.Context, e *env) error {
	opts := append(j.policy.options(),
		retry.Name(shellJoin(j.argv)),
		retry.If(func(err error) bool {
			var a *attempt
			return errors.As(err, &a) && j.retryable(a)
		}),
		retry.AttemptTimeout(j.attemptTimeout),
	)
	if !j.quiet {
		opts = append(opts, retry.Logger(slog.New(newLineHandler(e.stderr))))
	}
	rctx := ctx
	if j.maxTime > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeoutCause(ctx, j.maxTime, errMaxTime)
		defer cancel()
	}
	err := retry.Do(rctx, func(ctx context.Context) error {
		a := runChild(ctx, j.argv, e.stdin, e.stdout, e.stderr, j.attemptTimeout, j.killGrace)
		switch {
		case a == nil:
			return nil
		case a.notStarted:
			return retry.Permanent(a)
		}
		return a
	}, opts...)
	return j.finish(ctx, e, err)
}

// finish reports how retry.Do ended and returns the exit status.
func (j *job) finish(ctx context.Context, e *env, err error) error {
	if err == nil {
		return nil
	}
	var last *attempt // the last run's: errors.As finds it first
	errors.As(err, &last)
	var re *retry.Error
	gaveUp := errors.As(err, &re)
	runs := 0
	if gaveUp {
		runs = re.Attempts
	}

	if sig, ok := signalOf(ctx); ok {
		j.say(e, "retry: got %s; stopped after %d %s", signalName(sig), runs, plural(runs, "attempt"))
		if last == nil || !last.interrupted {
			return exitStatus(signalStatus(sig))
		}
		return exitStatus(last.status)
	}
	switch {
	case last == nil:
		return err // not a run's failure: reported as an internal error
	case last.notStarted:
		fmt.Fprintf(e.stderr, "retry: %v\n", last.err)
	case gaveUp && re.Cause == nil:
		j.say(e, "retry: gave up after %d %s: %v", runs, plural(runs, "attempt"), last)
	case gaveUp && errors.Is(re.Cause, context.DeadlineExceeded) && last.timedOut:
		j.say(e, "retry: --max-time %s reached during attempt %d; stopped it", fmtDur(j.maxTime), runs)
	case gaveUp && errors.Is(re.Cause, context.DeadlineExceeded):
		j.say(e, "retry: --max-time %s: gave up after %d %s: %v", fmtDur(j.maxTime), runs, plural(runs, "attempt"), last)
	case gaveUp:
		j.say(e, "retry: stopped after %d %s: %v: %v", runs, plural(runs, "attempt"), re.Cause, last)
	}
	return exitStatus(last.status)
}

// say writes a line to stderr unless --quiet.
func (j *job) say(e *env, format string, args ...any) {
	if !j.quiet {
		fmt.Fprintf(e.stderr, format+"\n", args...)
	}
}

// shellJoin writes argv as a shell would need it typed, for log lines.
func shellJoin(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=@%+,^", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
