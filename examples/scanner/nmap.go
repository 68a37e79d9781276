package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"time"
)

const (
	stderrMax = 8 << 10         // bytes of nmap's stderr kept
	waitDelay = 2 * time.Second // after a kill, how long to wait for nmap's output pipes
)

// lookNmap finds the nmap binary: path itself when it holds a slash, else
// path looked up in PATH.
func lookNmap(path string) (string, error) {
	bin, err := exec.LookPath(path)
	switch {
	case err == nil:
		return bin, nil
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return "", &notFoundError{err}
	}
	return "", fmt.Errorf("scanner: cannot run nmap: %w", err)
}

// runNmap runs bin once with args, under the per-run timeout, and returns
// what nmap reported or a *RunError.
func runNmap(ctx context.Context, bin string, args []string, timeout time.Duration) (*run, error) {
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		rctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	var stdout bytes.Buffer
	stderr := &headBuffer{max: stderrMax}
	cmd := exec.CommandContext(rctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	o := outcome{args: args, err: err, stdout: stdout.Bytes(), stderr: stderr.String(),
		timedOut: err != nil && rctx.Err() != nil && ctx.Err() == nil}
	if o.timedOut {
		o.err = fmt.Errorf("%w after %v", ErrTimeout, timeout)
	}
	return o.judge()
}

// outcome is how one nmap run ended.
type outcome struct {
	args     []string
	err      error // from exec.Cmd.Run, or ErrTimeout's
	stdout   []byte
	stderr   string
	timedOut bool
}

// judge classifies the run (see the package documentation): its report,
// or a *RunError saying whether the failure is transient.
func (o *outcome) judge() (*run, error) {
	fail := func(transient bool, code int, cause error) (*run, error) {
		return nil, &RunError{Args: o.args, ExitCode: code, Stderr: o.stderr, Transient: transient, Err: cause}
	}
	var exit *exec.ExitError
	switch {
	case o.timedOut:
		return fail(true, -1, o.err)
	case errors.As(o.err, &exit) && exit.ExitCode() == -1:
		return fail(true, -1, exit) // killed by a signal
	case errors.As(o.err, &exit):
		cause := error(exit)
		if r, err := parseRun(o.stdout); err == nil && r.errmsg != "" {
			cause = fmt.Errorf("%w: %s", exit, r.errmsg)
		}
		return fail(transientStderr(o.stderr, true), exit.ExitCode(), cause)
	case o.err != nil:
		return fail(false, -1, o.err) // nmap could not start
	}
	r, err := parseRun(o.stdout)
	switch {
	case err != nil:
		return fail(false, 0, err)
	case r.exit == "error":
		return fail(false, 0, fmt.Errorf("nmap reported an error: %s", r.errmsg))
	case transientStderr(o.stderr, false):
		return fail(true, 0, errors.New("nmap could not resolve a target"))
	}
	return r, nil
}

// Markers of transient failures in nmap's stderr, in lower case.
var (
	resolveMarkers  = []string{"failed to resolve", "temporary failure in name resolution"}
	resourceMarkers = []string{"resource temporarily unavailable", "too many open files",
		"cannot allocate memory", "no buffer space available", "malloc failed"}
)

// transientStderr reports whether stderr names a transient cause: a name
// that did not resolve, or, for a run that failed, a resource shortage.
func transientStderr(stderr string, failed bool) bool {
	s := strings.ToLower(stderr)
	markers := resolveMarkers
	if failed {
		markers = append(markers[:len(markers):len(markers)], resourceMarkers...)
	}
	for _, m := range markers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// headBuffer keeps the first max bytes written to it and discards the
// rest, so that a chatty process never blocks on its stderr.
type headBuffer struct {
	buf bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (h *headBuffer) String() string { return h.buf.String() }
