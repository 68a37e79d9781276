package scanner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nop-platform/retry"
)

func TestConnectScan(t *testing.T) {
	open, closed := openPort(t), closedPort(t)
	s := newScanner(t, NmapPath(filepath.Join(t.TempDir(), "nmap"))) // no nmap needed
	h, err := s.ConnectScan(context.Background(), "127.0.0.1", fmt.Sprintf("%d,%d", closed, open))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{open: Open, closed: Closed}
	if got := states(h); !reflect.DeepEqual(got, want) || h.Addr != loopback || h.State != "up" || h.Reason != "user-set" {
		t.Fatalf("got %+v; want ports %v", h, want)
	}
	for i := 1; i < len(h.Ports); i++ {
		if h.Ports[i-1].Number >= h.Ports[i].Number {
			t.Fatalf("ports out of order: %v", h.Ports)
		}
	}
}

// Many ports, more than MaxDials, each reported once and in order.
func TestConnectScanRange(t *testing.T) {
	open := openPort(t)
	h, err := newScanner(t).ConnectScan(context.Background(), "127.0.0.1", fmt.Sprintf("1-300,%d", open))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Ports) != 301 || h.Ports[0].Number != 1 || h.Ports[299].Number != 300 || states(h)[open] != Open {
		t.Fatalf("got %d ports", len(h.Ports))
	}
}

func TestConnectScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newScanner(t).ConnectScan(ctx, "127.0.0.1", "1-1000")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want context.Canceled", err)
	}
}

func TestConnectScanBadInput(t *testing.T) {
	var retries int
	s := newScanner(t, Retry(retry.OnRetry(func(int, error) { retries++ })))
	for _, c := range [][2]string{{"-sV", "22"}, {"127.0.0.1", "0"}, {"10.0.0.0/24", "22"}, {"a;b", "22"}} {
		if _, err := s.ConnectScan(context.Background(), c[0], c[1]); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ConnectScan(%q, %q) = %v; want ErrInvalidInput", c[0], c[1], err)
		}
	}
	if retries != 0 {
		t.Fatalf("%d retries", retries)
	}
}

func TestFallbackWithoutNmap(t *testing.T) {
	open := openPort(t)
	s := newScanner(t, NmapPath(filepath.Join(t.TempDir(), "nmap")), Fallback(true))
	h, err := s.PortScan(context.Background(), "127.0.0.1", fmt.Sprint(open))
	if err != nil || states(h)[open] != Open {
		t.Fatalf("got %+v, %v", h, err)
	}
	// PingSweep has no fallback.
	if _, err := s.PingSweep(context.Background(), []string{"127.0.0.1"}); err == nil {
		t.Fatal("PingSweep without nmap succeeded")
	}
}

func TestNewValidates(t *testing.T) {
	for _, o := range []Option{{}, NmapPath(""), Timeout(-1)} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("got %v; want ErrInvalidOption", err)
		}
	}
	_, err := New(Retry(retry.MaxAttempts(0)))
	if !errors.Is(err, ErrInvalidOption) || !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "MaxAttempts(0)") {
		t.Errorf("New(Retry(MaxAttempts(0))) = %v; want an error naming the option", err)
	}
	var zero Scanner // the zero Scanner works: nmap from PATH, no breaker
	if _, err := zero.PortScan(context.Background(), "127.0.0.1", "0"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("zero Scanner: %v", err)
	}
}
