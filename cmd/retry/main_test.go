package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// retryBin is the retry binary that TestMain builds once for the
// black-box tests, which run it as a user would.
var retryBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "retry-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	retryBin = filepath.Join(dir, "retry")
	args := []string{"build", "-o", retryBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building retry:", err)
		return 1
	}
	return m.Run()
}

// result is what a run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// cli describes one run of the binary.
type cli struct {
	args  []string
	env   []string // added to a copy of the test's environment without RETRY_*
	stdin string
	dir   string
}

// policyVars are removed from the environment the binary sees, so that a
// developer's settings cannot change the tests.
var policyVars = []string{"MAX_RETRY_ATTEMPTS", "RETRY_BASE_DELAY", "RETRY_MAX_DELAY", "RETRY_EXPONENTIAL_BACKOFF"}

func (c cli) command(ctx context.Context) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, retryBin, c.args...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !contains(policyVars, name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if raceEnabled {
		// A race-enabled binary sleeps a second at exit by default.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0 halt_on_error=1")
	}
	cmd.Env = append(cmd.Env, c.env...)
	cmd.Stdin = strings.NewReader(c.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	return cmd, &stdout, &stderr
}

// run runs the binary to completion, failing the test if it takes more than
// 20 seconds.
func (c cli) run(t *testing.T) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd, stdout, stderr := c.command(ctx)
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("retry %s: still running after 20s; stderr:\n%s", strings.Join(c.args, " "), r.stderr)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("retry %s: %v", strings.Join(c.args, " "), err)
	}
	return r
}

// retryCLI is cli{args: args}.run(t).
func retryCLI(t *testing.T, args ...string) result {
	t.Helper()
	return cli{args: args}.run(t)
}

func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// flaky writes the fixture script: each run appends to a count file, prints
// "attempt N" to stdout, and exits with status until it has failed fails
// times, then 0. It returns the script's path and a function reporting the
// number of runs so far.
func flaky(t *testing.T, fails, status int) (script string, runs func() int) {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	script = filepath.Join(dir, "flaky.sh")
	writeScript(t, script, fmt.Sprintf(`#!/bin/sh
n=$(cat %[1]q 2>/dev/null || echo 0)
n=$((n+1))
echo "$n" > %[1]q
echo "attempt $n"
[ "$n" -gt %[2]d ] && exit 0
exit %[3]d
`, count, fails, status))
	return script, func() int { return readCount(t, count) }
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func readCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := fmt.Sscan(string(b), &n); err != nil {
		return 0 // being written
	}
	return n
}

// retryLine matches the specification's log line for one retry.
func retryLine(n, m int, command, reason string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\[Retry ` + itoa(n) + `/` + itoa(m) + `\] ` + regexp.QuoteMeta(command) +
		` \(delay: \d+ms, reason: ` + regexp.QuoteMeta(reason) + `\)$`)
}

func itoa(n int) string { return strconv.Itoa(n) }
