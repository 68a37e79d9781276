package scanner

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrTimeout is matched by the *RunError of an nmap run that the per-run
// Timeout stopped. Such a run is retried.
var ErrTimeout = errors.New("scanner: nmap run timed out")

// ErrHostDown is returned by PortScan when nmap reports no host: the target
// did not answer host discovery (loopback targets are not probed, -Pn). It
// is the scan's answer, not a failure, so it is not retried.
var ErrHostDown = errors.New("scanner: host seems down")

// RunError reports an nmap run that failed; see the package documentation
// for how Transient is decided. Its Retryable method reports Transient, so
// that a retry.Do around a scan retries it only when it may heal. It is not
// modified once returned.
type RunError struct {
	// Args are nmap's arguments, the binary's name excluded.
	Args []string
	// ExitCode is nmap's exit status; -1 when it was killed by a signal or
	// stopped by the timeout, 0 when it exited normally but its output
	// reported a failure.
	ExitCode int
	// Stderr is what nmap wrote to stderr (at most its first 8 KiB).
	Stderr string
	// Transient reports whether the failure may heal by itself.
	Transient bool
	// Err is the cause: an *exec.ExitError, an error matching ErrTimeout,
	// or an error describing nmap's output.
	Err error
}

// Error names the command and the cause, and quotes nmap's stderr when it
// adds to the cause.
func (e *RunError) Error() string {
	args := strings.Join(e.Args, " ")
	if len(args) > 120 {
		args = args[:117] + "..."
	}
	msg := strings.TrimPrefix(e.Err.Error(), "scanner: ")
	if line := firstLine(e.Stderr); line != "" && !strings.Contains(msg, line) {
		msg += ": " + line
	}
	return fmt.Sprintf("scanner: nmap %s: %s", args, msg)
}

// Unwrap returns Err.
func (e *RunError) Unwrap() error { return e.Err }

// Retryable reports Transient.
func (e *RunError) Retryable() bool { return e.Transient }

// firstLine returns the first line of s that is not blank, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// notFoundError reports a missing nmap binary. It matches exec.ErrNotFound.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("scanner: nmap not found (install nmap, or point NmapPath at it): %v", e.err)
}

func (e *notFoundError) Unwrap() []error { return []error{exec.ErrNotFound, e.err} }

// Retryable reports false: installing nmap takes a person.
func (e *notFoundError) Retryable() bool { return false }
