package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/breaker"
)

func TestPortScanFindsOpenAndClosed(t *testing.T) {
	nmap := requireNmap(t)
	open1, open2, closed := openPort(t), openPort(t), closedPort(t)
	s := newScanner(t, NmapPath(nmap))
	h, err := s.PortScan(context.Background(), "127.0.0.1", fmt.Sprintf("%d,%d,%d", open1, closed, open2))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{open1: Open, open2: Open, closed: Closed}
	if got := states(h); !reflect.DeepEqual(got, want) || h.Addr != loopback || h.State != "up" {
		t.Fatalf("got %+v; want ports %v on 127.0.0.1, up", h, want)
	}

	// The fallback sees the same.
	c, err := s.ConnectScan(context.Background(), "127.0.0.1", fmt.Sprintf("%d,%d,%d", open1, closed, open2))
	if err != nil {
		t.Fatal(err)
	}
	if got := states(c); !reflect.DeepEqual(got, want) {
		t.Fatalf("ConnectScan: got %v; want %v", got, want)
	}
}

func TestPortScanRangeListsEveryPort(t *testing.T) {
	nmap := requireNmap(t)
	open := openPort(t)
	h, err := newScanner(t, NmapPath(nmap)).PortScan(context.Background(), "127.0.0.1", fmt.Sprintf("1-40,%d", open))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Ports) != 41 || states(h)[open] != Open {
		t.Fatalf("got %d ports (%v); want 41 with %d open", len(h.Ports), h.Ports, open)
	}
}

func TestPingSweepLoopback(t *testing.T) {
	nmap := requireNmap(t)
	hosts, err := newScanner(t, NmapPath(nmap)).PingSweep(context.Background(), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Addr != loopback || hosts[0].State != "up" {
		t.Fatalf("got %+v; want 127.0.0.1 up", hosts)
	}
}

// A transient failure is retried, and the retry recovers: the wrapper fails
// its first runs in each way that the classification calls transient.
func TestTransientFailuresAreRetried(t *testing.T) {
	nmap := requireNmap(t)
	tests := []struct {
		name    string
		fail    string
		fails   int
		timeout time.Duration
	}{
		{"exit 1, cannot resolve", failResolve, 2, 0},
		{"killed by a signal", failKill, 2, 0},
		{"status 0, cannot resolve", failResolve0, 1, 0},
		{"hung past the timeout", failHang, 1, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := openPort(t)
			w := newWrapper(t, nmap, tt.fails, tt.fail)
			var retried []error
			s := newScanner(t, NmapPath(w.path), Timeout(tt.timeout), Retry(retry.OnRetry(func(_ int, err error) {
				retried = append(retried, err)
			})))
			start := time.Now()
			h, err := s.PortScan(context.Background(), "127.0.0.1", fmt.Sprint(open))
			if err != nil {
				t.Fatal(err)
			}
			if states(h)[open] != Open {
				t.Fatalf("got %+v", h)
			}
			if got := w.runs(t); got != tt.fails+1 {
				t.Fatalf("nmap ran %d times; want %d", got, tt.fails+1)
			}
			for _, err := range retried {
				var re *RunError
				if !errors.As(err, &re) || !re.Transient {
					t.Fatalf("retried %v; want a transient *RunError", err)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	w := newWrapper(t, "", 1000, failHang)
	s := newScanner(t, NmapPath(w.path), Timeout(100*time.Millisecond), fast(2))
	start := time.Now()
	_, err := s.PingSweep(context.Background(), []string{"127.0.0.1"})
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v; want a *retry.Error after 2 attempts matching ErrTimeout", err)
	}
	if w.runs(t) != 2 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d runs in %v", w.runs(t), time.Since(start))
	}
}

// The retries are bounded: a failure that never heals ends in a
// *retry.Error holding each run's *RunError.
func TestRetriesRunOut(t *testing.T) {
	w := newWrapper(t, "", 1000, failResolve)
	s := newScanner(t, NmapPath(w.path), fast(3))
	_, err := s.PortScan(context.Background(), "127.0.0.1", "22")
	var re *retry.Error
	if !errors.As(err, &re) || re.Attempts != 3 || len(re.Errors) != 3 {
		t.Fatalf("got %v; want a *retry.Error after 3 attempts", err)
	}
	var run *RunError
	if !errors.As(err, &run) || run.ExitCode != 1 || !strings.Contains(err.Error(), `Failed to resolve "db.internal"`) {
		t.Fatalf("got %v; want the run's exit status and stderr", err)
	}
	if w.runs(t) != 3 {
		t.Fatalf("nmap ran %d times; want 3", w.runs(t))
	}
}

func TestPermanentFailuresAreNotRetried(t *testing.T) {
	for _, fail := range []string{failUsage, failGarbage, "exit 2"} {
		w := newWrapper(t, "", 1000, fail)
		_, err := newScanner(t, NmapPath(w.path)).PingSweep(context.Background(), []string{"127.0.0.1"})
		var run *RunError
		if !errors.As(err, &run) || run.Transient || run.Retryable() {
			t.Errorf("%s: got %v; want a permanent *RunError", fail, err)
		}
		if w.runs(t) != 1 {
			t.Errorf("%s: nmap ran %d times; want 1", fail, w.runs(t))
		}
	}
}

func TestBadInputNeverRunsNmap(t *testing.T) {
	w := newWrapper(t, "", 0, "")
	s := newScanner(t, NmapPath(w.path))
	ctx := context.Background()
	for _, target := range []string{"-iL/etc/passwd", "127.0.0.1;reboot", "$(id)", "10.0.0.0/8", "", "host name"} {
		if _, err := s.PingSweep(ctx, []string{"127.0.0.1", target}); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), fmt.Sprintf("%q", target)) {
			t.Errorf("PingSweep(%q) = %v; want an *InputError naming it", target, err)
		}
		if _, err := s.PortScan(ctx, target, "22"); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("PortScan(%q) = %v; want an *InputError", target, err)
		}
	}
	for _, ports := range []string{"0", "65536", "80-22", "22,,80", "-", "ssh", "22 80", "1-65536"} {
		if _, err := s.PortScan(ctx, "127.0.0.1", ports); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), fmt.Sprintf("%q", ports)) {
			t.Errorf("PortScan(ports %q) = %v; want an *InputError naming it", ports, err)
		}
	}
	if _, err := s.PortScan(ctx, "127.0.0.0/30", "22"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("PortScan of a prefix: %v", err)
	}
	if _, err := s.PingSweep(ctx, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("PingSweep(nil): %v", err)
	}
	if n := w.runs(t); n != 0 {
		t.Fatalf("nmap ran %d times; want 0", n)
	}
}

func TestMissingNmap(t *testing.T) {
	var retries int
	count := Retry(retry.OnRetry(func(int, error) { retries++ }))
	for _, path := range []string{filepath.Join(t.TempDir(), "nmap"), "nmap-not-installed-here"} {
		s := newScanner(t, NmapPath(path), count)
		_, err := s.PingSweep(context.Background(), []string{"127.0.0.1"})
		if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "install nmap") {
			t.Errorf("PingSweep with %s: got %v; want an error matching exec.ErrNotFound", path, err)
		}
		if _, err := s.PortScan(context.Background(), "127.0.0.1", "22"); !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("PortScan with %s: got %v; want an error matching exec.ErrNotFound", path, err)
		}
	}
	if retries != 0 {
		t.Fatalf("%d retries; want none", retries)
	}
}

// The breaker opens after repeated failed runs, and then scans fail at once
// with breaker.ErrOpen without running nmap.
func TestBreakerOpens(t *testing.T) {
	w := newWrapper(t, "", 1000, failKill)
	cb := breaker.New(breaker.FailureThreshold(2), breaker.RecoveryTimeout(time.Hour))
	s := newScanner(t, NmapPath(w.path), Breaker(cb), fast(5))
	ctx := context.Background()

	_, err := s.PortScan(ctx, "127.0.0.1", "22")
	if !errors.Is(err, breaker.ErrOpen) || w.runs(t) != 2 {
		t.Fatalf("first scan: %v after %d runs; want breaker.ErrOpen after 2", err, w.runs(t))
	}
	for range 3 {
		_, err = s.PingSweep(ctx, []string{"127.0.0.1"})
		if !errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("got %v; want breaker.ErrOpen", err)
		}
	}
	if w.runs(t) != 2 || cb.State() != breaker.Open {
		t.Fatalf("nmap ran %d times, breaker %v; want 2 runs, open", w.runs(t), cb.State())
	}
}

func TestCancelStopsARun(t *testing.T) {
	w := newWrapper(t, "", 1000, failHang)
	s := newScanner(t, NmapPath(w.path))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.PingSweep(ctx, []string{"127.0.0.1"})
	if !errors.Is(err, context.DeadlineExceeded) || w.runs(t) != 1 {
		t.Fatalf("got %v after %d runs; want the context's error after 1", err, w.runs(t))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestRetriesAreLogged(t *testing.T) {
	w := newWrapper(t, "", 1000, failKill)
	var buf bytes.Buffer
	s := newScanner(t, NmapPath(w.path), Breaker(nil), fast(2),
		Logger(slog.New(slog.NewTextHandler(&buf, nil))))
	s.PortScan(context.Background(), "127.0.0.1", "22")
	if !strings.Contains(buf.String(), "[Retry 1/1] nmap port_scan (delay: ") ||
		!strings.Contains(buf.String(), "signal: killed") {
		t.Fatalf("log:\n%s", buf.String())
	}
}
