//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunSucceedsAfterFailures(t *testing.T) {
	script, runs := flaky(t, 2, 3)
	r := retryCLI(t, "run", "--base-delay", "1ms", "--", script, "arg one")
	r.wantCode(t, 0)
	if got := runs(); got != 3 {
		t.Errorf("ran %d times, want 3", got)
	}
	if want := "attempt 1\nattempt 2\nattempt 3\n"; r.stdout != want {
		t.Errorf("stdout = %q, want the child's own %q", r.stdout, want)
	}
	cmdline := script + " 'arg one'"
	for n := 1; n <= 2; n++ {
		if re := retryLine(n, 2, cmdline, "exit status 3"); !re.MatchString(r.stderr) {
			t.Errorf("stderr lacks %v:\n%s", re, r.stderr)
		}
	}
	if lines := strings.Count(r.stderr, "\n"); lines != 2 {
		t.Errorf("stderr has %d lines, want the 2 retry lines:\n%s", lines, r.stderr)
	}
}

func TestRunExitsWithLastStatus(t *testing.T) {
	script, runs := flaky(t, 99, 7)
	r := retryCLI(t, "run", "--base-delay", "1ms", "--attempts", "4", script)
	r.wantCode(t, 7)
	if got := runs(); got != 4 {
		t.Errorf("ran %d times, want 4", got)
	}
	if !strings.Contains(r.stderr, "retry: gave up after 4 attempts: exit status 7\n") {
		t.Errorf("stderr lacks the give-up line:\n%s", r.stderr)
	}
	if !retryLine(3, 3, script, "exit status 7").MatchString(r.stderr) {
		t.Errorf("stderr lacks [Retry 3/3]:\n%s", r.stderr)
	}
}

func TestRunDelaysGrow(t *testing.T) {
	script, _ := flaky(t, 99, 1)
	r := retryCLI(t, "run", "--base-delay", "0.02", "--jitter", "0", "--attempts", "4", script)
	r.wantCode(t, 1)
	for n, ms := range []string{"20", "40", "80"} {
		want := "] " + script + " (delay: " + ms + "ms, reason: exit status 1)"
		if !strings.Contains(r.stderr, "[Retry "+itoa(n+1)+"/3"+want) {
			t.Errorf("stderr lacks retry %d with delay %sms:\n%s", n+1, ms, r.stderr)
		}
	}
	r = retryCLI(t, "run", "--base-delay", "20ms", "--jitter", "0", "--no-exponential", "--attempts", "3", "--quiet", script)
	r.wantCode(t, 1)
	if r.stderr != "" {
		t.Errorf("--quiet wrote %q", r.stderr)
	}
}

func TestRunSignalDeathStatus(t *testing.T) {
	r := retryCLI(t, "run", "--attempts", "1", "--", "sh", "-c", "kill -KILL $$")
	r.wantCode(t, 128+9)
}

func TestRunCommandNotFound(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		give []string
		code int
		msg  string
	}{
		{[]string{"no-such-command-retry-test"}, 127, "retry: no-such-command-retry-test: command not found\n"},
		{[]string{filepath.Join(dir, "missing")}, 127, "no such file or directory"},
		{[]string{notExec}, 126, "permission denied"},
		{[]string{dir}, 126, dir},
	}
	for _, tt := range tests {
		r := retryCLI(t, append([]string{"run", "--base-delay", "1ms", "--"}, tt.give...)...)
		r.wantCode(t, tt.code)
		if !strings.Contains(r.stderr, tt.msg) || strings.Contains(r.stderr, "[Retry") {
			t.Errorf("%v: stderr = %q, want %q and no retry", tt.give, r.stderr, tt.msg)
		}
	}
}

func TestRunRetryOnStopOn(t *testing.T) {
	tests := []struct {
		flags []string
		runs  int
	}{
		{nil, 3},
		{[]string{"--retry-on", "1,3-5"}, 3},
		{[]string{"--retry-on", "1-3,5"}, 1},
		{[]string{"--stop-on", "4"}, 1},
		{[]string{"--stop-on", "1, 2,5-9"}, 3},
		{[]string{"--retry-on", "4", "--stop-on", "4"}, 1},
	}
	for _, tt := range tests {
		script, runs := flaky(t, 99, 4)
		args := append(append([]string{"run", "--base-delay", "1ms"}, tt.flags...), script)
		r := retryCLI(t, args...)
		r.wantCode(t, 4)
		if got := runs(); got != tt.runs {
			t.Errorf("%v: ran %d times, want %d", tt.flags, got, tt.runs)
		}
	}
}

func TestRunEnvDefaults(t *testing.T) {
	script, runs := flaky(t, 99, 3)
	r := cli{args: []string{"run", script}, env: []string{"MAX_RETRY_ATTEMPTS=2", "RETRY_BASE_DELAY=0.001"}}.run(t)
	r.wantCode(t, 3)
	if got := runs(); got != 2 {
		t.Errorf("MAX_RETRY_ATTEMPTS=2: ran %d times", got)
	}
	if !retryLine(1, 1, script, "exit status 3").MatchString(r.stderr) {
		t.Errorf("stderr lacks [Retry 1/1]:\n%s", r.stderr)
	}

	// Flags win over the environment.
	script, runs = flaky(t, 99, 3)
	r = cli{args: []string{"run", "--attempts", "4", script},
		env: []string{"MAX_RETRY_ATTEMPTS=2", "RETRY_BASE_DELAY=1ms", "RETRY_EXPONENTIAL_BACKOFF=false"}}.run(t)
	r.wantCode(t, 3)
	if got := runs(); got != 4 {
		t.Errorf("--attempts 4 over MAX_RETRY_ATTEMPTS=2: ran %d times", got)
	}
}

func TestRunEnvFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "retry.env")
	if err := os.WriteFile(file, []byte("# policy\nexport MAX_RETRY_ATTEMPTS=2\nRETRY_BASE_DELAY=\"1ms\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script, runs := flaky(t, 99, 3)
	r := retryCLI(t, "run", "--env-file", file, script)
	r.wantCode(t, 3)
	if got := runs(); got != 2 {
		t.Errorf("env file MAX_RETRY_ATTEMPTS=2: ran %d times", got)
	}

	// The process environment wins over the file.
	script, runs = flaky(t, 99, 3)
	r = cli{args: []string{"run", "--env-file", file, script}, env: []string{"MAX_RETRY_ATTEMPTS=3"}}.run(t)
	r.wantCode(t, 3)
	if got := runs(); got != 3 {
		t.Errorf("MAX_RETRY_ATTEMPTS=3 over the file's 2: ran %d times", got)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(badFile, []byte("MAX_RETRY_ATTEMPTS=2\nRETRY_MAX_DELAY=soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		env   []string
		want  []string // in stderr
		usage bool
	}{
		{"attempts zero", []string{"--attempts", "0", "true"}, nil, []string{"--attempts", `"0"`, "at least 1"}, true},
		{"bad delay", []string{"--base-delay", "abc", "true"}, nil, []string{"--base-delay", `"abc"`}, true},
		{"negative delay", []string{"--max-delay", "-1s", "true"}, nil, []string{"--max-delay", "negative"}, true},
		{"jitter", []string{"--jitter", "11", "true"}, nil, []string{"--jitter", `"11"`, "0 to 10"}, true},
		{"retry-on zero", []string{"--retry-on", "0", "true"}, nil, []string{"--retry-on", "0 is success"}, true},
		{"retry-on backwards", []string{"--retry-on", "5-3", "true"}, nil, []string{"--retry-on", "backwards"}, true},
		{"stop-on junk", []string{"--stop-on", "x", "true"}, nil, []string{"--stop-on", `"x"`}, true},
		{"unknown flag", []string{"--attemps", "3", "true"}, nil, []string{"--attemps"}, true},
		{"no command", []string{"--attempts", "2"}, nil, []string{"no command"}, true},
		{"base above max", []string{"--base-delay", "2", "--max-delay", "1", "true"}, nil, []string{"--base-delay 2s is above --max-delay 1s"}, true},
		{"bad env", []string{"true"}, []string{"MAX_RETRY_ATTEMPTS=three"}, []string{`MAX_RETRY_ATTEMPTS="three"`, "whole number"}, false},
		{"empty env", []string{"true"}, []string{"RETRY_BASE_DELAY="}, []string{`RETRY_BASE_DELAY=""`}, false},
		{"bad env bool", []string{"true"}, []string{"RETRY_EXPONENTIAL_BACKOFF=maybe"}, []string{"RETRY_EXPONENTIAL_BACKOFF"}, false},
		{"env max below base", []string{"true"}, []string{"RETRY_MAX_DELAY=0.5"}, []string{"the default base delay 1s is above RETRY_MAX_DELAY=0.5"}, false},
		{"bad env file", []string{"--env-file", badFile, "true"}, nil, []string{badFile + `:2: RETRY_MAX_DELAY="soon"`}, false},
		{"missing env file", []string{"--env-file", filepath.Join(dir, "nope"), "true"}, nil, []string{"--env-file", "no such file"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli{args: append([]string{"run"}, tt.args...), env: tt.env}.run(t)
			r.wantCode(t, 2)
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if got := strings.Contains(r.stderr, "Usage: retry run"); got != tt.usage {
				t.Errorf("usage shown: %v, want %v:\n%s", got, tt.usage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestRunAttemptTimeout(t *testing.T) {
	r := retryCLI(t, "run", "--attempt-timeout", "100ms", "--attempts", "2", "--base-delay", "1ms", "--", "sleep", "10")
	r.wantCode(t, 124)
	if !retryLine(1, 1, "sleep 10", "timed out after 100ms (--attempt-timeout)").MatchString(r.stderr) {
		t.Errorf("stderr lacks the timeout retry line:\n%s", r.stderr)
	}
	if r.took > 5*time.Second {
		t.Errorf("took %v", r.took)
	}
	// A timed-out run counts as 124 for --retry-on.
	r = retryCLI(t, "run", "--attempt-timeout", "50ms", "--retry-on", "1", "--", "sleep", "10")
	r.wantCode(t, 124)
	if strings.Contains(r.stderr, "[Retry") {
		t.Errorf("retried a timeout that --retry-on 1 excludes:\n%s", r.stderr)
	}
}

func TestRunMaxTime(t *testing.T) {
	r := retryCLI(t, "run", "--max-time", "300ms", "--base-delay", "1ms", "--", "sleep", "10")
	r.wantCode(t, 124)
	if !strings.Contains(r.stderr, "--max-time 300ms reached during attempt 1") || r.took > 5*time.Second {
		t.Errorf("took %v; stderr:\n%s", r.took, r.stderr)
	}
	// No wait starts that would pass --max-time: one run, its status.
	script, runs := flaky(t, 99, 5)
	r = retryCLI(t, "run", "--max-time", "1", "--base-delay", "5", "--max-delay", "5", script)
	r.wantCode(t, 5)
	if runs() != 1 || r.took > 3*time.Second {
		t.Errorf("ran %d times in %v; stderr:\n%s", runs(), r.took, r.stderr)
	}
}

func TestRunStdinPassesThrough(t *testing.T) {
	r := cli{args: []string{"run", "--base-delay", "1ms", "--", "sh", "-c", "cat; exit 1"}, stdin: "hello\n"}.run(t)
	r.wantCode(t, 1)
	// Only the first run sees the input; the next ones read EOF.
	if r.stdout != "hello\n" {
		t.Errorf("stdout = %q, want the input once", r.stdout)
	}
}

// startRetry starts the binary in the background; the test ends it.
func startRetry(t *testing.T, args ...string) (wait func() result, pid int) {
	t.Helper()
	return startCLI(t, cli{args: args}, nil)
}

// startCLI is startRetry for c, with setup (if not nil) changing the
// command before it starts.
func startCLI(t *testing.T, c cli, setup func(*exec.Cmd)) (wait func() result, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	cmd, stdout, stderr := c.command(ctx)
	if setup != nil {
		setup(cmd)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	return func() result {
		defer cancel()
		_ = cmd.Wait()
		return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode(), took: time.Since(start)}
	}, cmd.Process.Pid
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestRunForwardsSignalAndStops(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			count, pidFile := filepath.Join(dir, "count"), filepath.Join(dir, "pid")
			script := filepath.Join(dir, "slow.sh")
			writeScript(t, script, `#!/bin/sh
n=$(cat "$1" 2>/dev/null || echo 0)
echo $((n+1)) > "$1"
echo $$ > "$2.tmp" && mv "$2.tmp" "$2"
exec sleep 10
`)
			wait, pid := startRetry(t, "run", "--base-delay", "1ms", "--", script, count, pidFile)
			waitFor(t, "the child to start", func() bool { _, err := os.Stat(pidFile); return err == nil })
			child := readCount(t, pidFile)
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			r := wait()
			r.wantCode(t, 128+int(sig))
			if r.took > 5*time.Second {
				t.Errorf("took %v: the signal did not reach the child", r.took)
			}
			if n := readCount(t, count); n != 1 {
				t.Errorf("ran %d times, want 1: retried after the signal", n)
			}
			if err := syscall.Kill(child, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("child %d still exists (kill 0: %v)", child, err)
			}
			if !strings.Contains(r.stderr, "retry: got "+signalName(sig)+"; stopped after 1 attempt") {
				t.Errorf("stderr:\n%s", r.stderr)
			}
		})
	}
}

func TestRunSignalChildStatus(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	script := filepath.Join(dir, "trap.sh")
	writeScript(t, script, `#!/bin/sh
trap 'kill $!; exit 9' TERM
sleep 10 &
touch "$1"
wait
`)
	wait, pid := startRetry(t, "run", "--base-delay", "1ms", "--", script, ready)
	waitFor(t, "the child to start", func() bool { _, err := os.Stat(ready); return err == nil })
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 9) // the child's own status, not 143
}

func TestRunSignalBetweenAttempts(t *testing.T) {
	script, runs := flaky(t, 99, 1)
	wait, pid := startRetry(t, "run", "--base-delay", "10", "--", script)
	waitFor(t, "the first run", func() bool { return runs() == 1 })
	time.Sleep(100 * time.Millisecond) // into the 10s wait
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 130)
	if r.took > 5*time.Second || runs() != 1 {
		t.Errorf("took %v, %d runs", r.took, runs())
	}
}

// stubbornChild writes a script that ignores TERM, writes its pid to $1
// once it does, and sleeps.
func stubbornChild(t *testing.T) (script, pidFile string) {
	t.Helper()
	dir := t.TempDir()
	script, pidFile = filepath.Join(dir, "stubborn.sh"), filepath.Join(dir, "pid")
	writeScript(t, script, `#!/bin/sh
trap '' TERM
echo $$ > "$1.tmp" && mv "$1.tmp" "$1"
exec sleep 30
`)
	return script, pidFile
}

func TestRunKillsChildIgnoringSignal(t *testing.T) {
	const grace = 300 * time.Millisecond
	script, pidFile := stubbornChild(t)
	c := cli{args: []string{"run", "--base-delay", "1ms", "--", script, pidFile}, env: []string{killGraceVar + "=" + grace.String()}}
	wait, pid := startCLI(t, c, nil)
	waitFor(t, "the child to start", func() bool { _, err := os.Stat(pidFile); return err == nil })
	child := readCount(t, pidFile)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 128+int(syscall.SIGKILL)) // the child's death, after the grace
	if r.took < grace || r.took > grace+3*time.Second {
		t.Errorf("took %v, want the %v grace and a little", r.took, grace)
	}
	if err := syscall.Kill(child, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("child %d still exists (kill 0: %v)", child, err)
	}
	if !strings.Contains(r.stderr, "retry: got SIGTERM; stopped after 1 attempt") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestRunSecondSignalKillsChild(t *testing.T) {
	script, pidFile := stubbornChild(t)
	c := cli{args: []string{"run", "--base-delay", "1ms", "--", script, pidFile}, env: []string{killGraceVar + "=30s"}}
	wait, pid := startCLI(t, c, nil)
	waitFor(t, "the child to start", func() bool { _, err := os.Stat(pidFile); return err == nil })
	child := readCount(t, pidFile)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 128+int(syscall.SIGINT)) // the second signal's
	if r.took > 5*time.Second {
		t.Errorf("took %v: the second signal did not kill the child at once", r.took)
	}
	if err := syscall.Kill(child, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("child %d still exists (kill 0: %v)", child, err)
	}
}

// intCounter writes a script that counts the INTs it gets in $1, touches
// $2 when it is ready, and exits 3 a little after the first INT.
func intCounter(t *testing.T) (script, count, ready string) {
	t.Helper()
	dir := t.TempDir()
	script, count, ready = filepath.Join(dir, "count.sh"), filepath.Join(dir, "count"), filepath.Join(dir, "ready")
	writeScript(t, script, `#!/bin/sh
n=0
trap 'n=$((n+1)); echo $n > "$1"' INT
touch "$2"
while [ $n -eq 0 ]; do sleep 0.05; done
sleep 0.3
exit 3
`)
	return script, count, ready
}

// TestRunForwardsKilledINTOnce: an INT sent with kill to retry alone, not
// from a terminal, reaches the child once, through retry.
func TestRunForwardsKilledINTOnce(t *testing.T) {
	script, count, ready := intCounter(t)
	wait, pid := startRetry(t, "run", "--base-delay", "1ms", "--", script, count, ready)
	waitFor(t, "the child to start", func() bool { _, err := os.Stat(ready); return err == nil })
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := wait()
	r.wantCode(t, 3) // the child's own status
	if n := readCount(t, count); n != 1 {
		t.Errorf("the child got %d INTs, want 1", n)
	}
}
