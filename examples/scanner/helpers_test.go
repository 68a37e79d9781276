package scanner

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry"
)

// requireNmap returns the path of the real nmap. Without one the test is
// skipped, except under CI=true, where it fails: CI installs nmap.
func requireNmap(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("nmap")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("nmap is not installed, and CI=true requires it: %v", err)
		}
		t.Skipf("skipping: nmap is not installed (%v); install it (apt-get install nmap) to run this test", err)
	}
	return path
}

// wrapper is a shell script that stands in for nmap: it counts its runs in
// a file, runs fail (shell code) on its first fails runs, and then execs
// the real nmap.
type wrapper struct {
	path, count string
}

func newWrapper(t *testing.T, real string, fails int, fail string) *wrapper {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the nmap stand-in is a shell script")
	}
	dir := t.TempDir()
	w := &wrapper{path: filepath.Join(dir, "nmap"), count: filepath.Join(dir, "runs")}
	if real == "" {
		real = "false"
	}
	script := fmt.Sprintf(`#!/bin/sh
n=$(( $(cat %[1]q 2>/dev/null || echo 0) + 1 ))
echo "$n" > %[1]q
if [ "$n" -le %[2]d ]; then
%[3]s
fi
exec %[4]q "$@"
`, w.count, fails, fail, real)
	if err := os.WriteFile(w.path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

// runs returns how many times the wrapper ran.
func (w *wrapper) runs(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile(w.count)
	if os.IsNotExist(err) {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Ways for the wrapper to fail.
const (
	failResolve  = `echo 'Failed to resolve "db.internal".' >&2; exit 1`
	failKill     = `kill -9 $$`
	failHang     = `exec sleep 30`
	failUsage    = `echo 'Ports specified must be between 0 and 65535 inclusive' >&2; echo 'QUITTING!' >&2; exit 1`
	failGarbage  = `echo 'not XML'; exit 0`
	failResolve0 = `echo 'Failed to resolve "db.internal".' >&2` // then the real nmap, status 0
)

// fast are retry options for tests: tiny delays, bounded attempts.
func fast(attempts int) Option {
	return Retry(retry.MaxAttempts(attempts), retry.BaseDelay(time.Millisecond), retry.MaxDelay(5*time.Millisecond))
}

// newScanner returns a Scanner for tests, with its own breaker, no logging
// and tiny delays; opts come last.
func newScanner(t *testing.T, opts ...Option) *Scanner {
	t.Helper()
	s, err := New(append([]Option{Logger(nil), fast(3), Timeout(30 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openPort listens on 127.0.0.1 and returns the port.
func openPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a port of 127.0.0.1 that was free a moment ago.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// states returns port number → state.
func states(h *Host) map[int]string {
	m := map[int]string{}
	for _, p := range h.Ports {
		m[p.Number] = p.State
	}
	return m
}
