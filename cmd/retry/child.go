package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Exit statuses of the shell and timeout(1), which retry run follows.
const (
	statusTimedOut    = 124 // an attempt ran out of time (timeout(1))
	statusCannotRun   = 126 // found but not executable
	statusNotFound    = 127 // no such command
	statusOtherFailed = 1
)

// killGrace is how long a stopped child has between the signal that stops
// it (TERM at a time limit, or the INT or TERM retry got) and SIGKILL.
const killGrace = 5 * time.Second

// attempt is a failed run of the command. It is the error each call of
// retry.Do's function returns, so its message is the log line's reason.
type attempt struct {
	status      int   // the shell's $? for this run
	err         error // what happened: "exit status 3", "signal: killed", …
	notStarted  bool  // the command could not be started (126, 127)
	timedOut    bool  // killed by retry at --attempt-timeout or --max-time
	interrupted bool  // retry forwarded INT or TERM to this run
}

func (a *attempt) Error() string { return a.err.Error() }
func (a *attempt) Unwrap() error { return a.err }

// errMaxTime is the cause of the context that --max-time ends.
var errMaxTime = errors.New("--max-time reached")

// runChild runs argv once with the given streams and waits for it. When ctx
// ends first, the child gets the signal that ended it (INT or TERM from
// the user, forwarded), or TERM when a time limit ended it; either way it
// gets KILL when it is still there grace later. A second INT or TERM from
// the user kills it at once. It returns nil when the child exits 0.
//
// INT is not forwarded while retry is in the foreground process group of
// the terminal on its stdin: that INT is a Ctrl-C, which the terminal has
// already sent to the child, in retry's process group.
func runChild(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer, attemptTimeout, grace time.Duration) *attempt {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if cmd.Err != nil {
		return startFailure(argv[0], cmd.Err)
	}
	if err := cmd.Start(); err != nil {
		return startFailure(argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	select {
	case err := <-done:
		return exited(err)
	case <-ctx.Done():
	}
	// The child may have exited just as ctx ended: its result stands.
	select {
	case err := <-done:
		return exited(err)
	default:
	}
	sig, bySignal := signalOf(ctx)
	if !bySignal {
		sig = syscall.SIGTERM
	}
	if !bySignal || sig != syscall.SIGINT || !stdinInForeground() {
		_ = cmd.Process.Signal(sig)
	}
	kill := time.NewTimer(grace)
	defer kill.Stop()
	var err error
	var again os.Signal
	select {
	case err = <-done:
	case <-kill.C:
		_ = cmd.Process.Kill()
		err = <-done
	case again = <-laterSignals(ctx):
		_ = cmd.Process.Kill()
		err = <-done
	}
	if bySignal {
		a := exited(err)
		if again != nil {
			a = &attempt{status: signalStatus(again), err: fmt.Errorf("killed on a second signal (%s)", signalName(again))}
		}
		if a != nil {
			a.interrupted = true
		}
		return a
	}
	var reason error
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errMaxTime):
		reason = errMaxTime
	case errors.Is(cause, context.DeadlineExceeded):
		reason = fmt.Errorf("timed out after %s (--attempt-timeout)", fmtDur(attemptTimeout))
	default:
		reason = fmt.Errorf("stopped: %w", cause)
	}
	return &attempt{status: statusTimedOut, err: reason, timedOut: true}
}

// exited describes the result of cmd.Wait.
func exited(err error) *attempt {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return &attempt{status: statusOtherFailed, err: err}
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &attempt{status: signalStatus(ws.Signal()), err: err}
	}
	return &attempt{status: ee.ExitCode(), err: err}
}

// startFailure describes a command that could not be started, with the
// shell's statuses: 127 when it does not exist, 126 when it cannot be run.
func startFailure(name string, err error) *attempt {
	a := &attempt{status: statusCannotRun, notStarted: true}
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		a.status = statusNotFound
		a.err = fmt.Errorf("%s: command not found", name)
		if strings.ContainsRune(name, os.PathSeparator) {
			a.err = fmt.Errorf("%s: no such file or directory", name)
		}
	case errors.Is(err, exec.ErrDot):
		a.status = statusNotFound
		a.err = fmt.Errorf("%s: command not found (it is in the current directory: run ./%s)", name, name)
	case errors.Is(err, fs.ErrPermission):
		a.err = fmt.Errorf("%s: permission denied (not executable?)", name)
	case errors.Is(err, syscall.ENOEXEC):
		a.err = fmt.Errorf("%s: cannot execute: exec format error (missing #! line?)", name)
	default:
		a.err = fmt.Errorf("%s: cannot execute: %w", name, err)
	}
	return a
}
