// Package redistest starts real redis-server processes for tests: on a free
// loopback port, without persistence, killed when the test ends, and able to
// be killed and restarted mid-test to play an outage. It is what this
// project's own tests of redisstore and of `retry demo --redis` use, and it
// serves users' tests of code built on redisstore the same way.
//
// Without a redis-server binary on PATH, Start skips the test with a printed
// reason, except when the environment has CI=true, where it fails the test:
// CI must install redis-server.
//
// A Server can also play a hung Redis (Pause and Resume: SIGSTOP and SIGCONT
// of its own process) and a Redis that wants a password (RequirePass).
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server started by Start or StartCluster. Its methods
// are for the test's goroutine; they are not safe for concurrent use.
type Server struct {
	t        testing.TB
	bin      string
	dir      string
	port     int
	cluster  bool
	password string
	cmd      *exec.Cmd
	paused   bool
}

// Option configures Start and StartCluster.
type Option func(*Server)

// RequirePass makes the server require password (redis-server's
// requirepass): a client must AUTH with it, or gets NOAUTH and WRONGPASS
// errors. Client authenticates with it. Default: no password.
func RequirePass(password string) Option {
	return func(s *Server) { s.password = password }
}

var skipOnce sync.Once

// Start starts a redis-server for t and waits until it answers PING.
func Start(t testing.TB, opts ...Option) *Server { return launch(t, false, opts) }

// StartCluster starts a one-node Redis Cluster holding every slot: enough
// to check that scripts keep to the cluster's cross-slot rules and that
// go-redis's ClusterClient routes them.
func StartCluster(t testing.TB, opts ...Option) *Server { return launch(t, true, opts) }

func launch(t testing.TB, cluster bool, opts []Option) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is required in CI (CI=true) and was not found: %v", err)
		}
		skipOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "redistest: redis-server not found; skipping the tests that need it (apt-get install redis-server)")
		})
		t.Skipf("redis-server not found: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: FreePort(t), cluster: cluster}
	for _, o := range opts {
		o(s)
	}
	s.start()
	t.Cleanup(s.Kill)
	if cluster {
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: s.password})
		defer rdb.Close()
		ctx := context.Background()
		if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; pause(t, 10*time.Millisecond) {
			info, err := rdb.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cluster did not reach cluster_state:ok within 10s: %v %s", err, info)
			}
		}
	}
	return s
}

// Addr returns the server's address, 127.0.0.1:PORT. It stays the same
// across Restart.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start runs redis-server and waits until it answers PING.
func (s *Server) start() {
	s.t.Helper()
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", s.dir, "--enable-debug-command", "local"}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file",
			filepath.Join(s.dir, "nodes.conf"))
	}
	if s.password != "" {
		args = append(args, "--requirepass", s.password)
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !ping(s.Addr(), s.password) {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.Kill()
			s.t.Fatalf("redis-server on %s did not answer PING within 10s; log:\n%s", s.Addr(), out)
		}
		pause(s.t, 10*time.Millisecond)
	}
}

// pause waits d, or less if the test ends first.
func pause(t testing.TB, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-t.Context().Done():
	case <-timer.C:
	}
}

// Ping reports whether a Redis server at addr answers PING within about
// half a second. It speaks RESP by hand, so that it does not depend on the
// client under test.
func Ping(addr string) bool { return ping(addr, "") }

// ping is Ping, after AUTH with password if it is not empty.
func ping(addr, password string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	req := "PING\r\n"
	if password != "" {
		req = fmt.Sprintf("*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(password), password) + req
	}
	if _, err := c.Write([]byte(req)); err != nil {
		return false
	}
	r := bufio.NewReader(c)
	if password != "" {
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return false
		}
	}
	line, err := r.ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Kill stops the server at once (SIGKILL), as a crash would, paused or
// not. Killing a stopped server does nothing.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd, s.paused = nil, false
}

// Pause freezes the server (SIGSTOP to its process), as a hung Redis: the
// kernel still accepts connections and takes in what clients write, but
// nothing answers until Resume. It fails the test if the server is not
// running or is paused already.
func (s *Server) Pause() {
	s.t.Helper()
	s.signal(syscall.SIGSTOP, false)
	s.paused = true
}

// Resume lets a paused server go on (SIGCONT): it answers what was sent
// meanwhile. It fails the test if the server is not paused.
func (s *Server) Resume() {
	s.t.Helper()
	s.signal(syscall.SIGCONT, true)
	s.paused = false
}

func (s *Server) signal(sig syscall.Signal, paused bool) {
	s.t.Helper()
	if s.cmd == nil || s.cmd.Process == nil || s.paused != paused {
		s.t.Fatalf("redistest: %v to a server that is not running or is already in that state", sig)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: %v to redis-server (pid %d): %v", sig, s.cmd.Process.Pid, err)
	}
}

// Restart kills the server and starts a new one on the same port, with no
// data.
func (s *Server) Restart() {
	s.Kill()
	s.start()
}

// Client returns a new go-redis client of the server (a ClusterClient for
// StartCluster's), with 1s timeouts, no retries of its own and the
// server's password, closed when the test ends.
func (s *Server) Client(t testing.TB) redis.UniversalClient {
	var rdb redis.UniversalClient
	if s.cluster {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr()}, Password: s.password})
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, Password: s.password,
			DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// FreePort returns a loopback port that was free a moment ago: it listens
// on port 0 and closes. Until something listens there, a dial is refused.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
