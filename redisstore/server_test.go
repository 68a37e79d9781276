package redisstore_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nop-platform/retry/redisstore"
	"github.com/redis/go-redis/v9"
)

// server is a real redis-server on a free loopback port, without
// persistence, killed at the end of the test. It can be killed and
// restarted on the same port mid-test.
type server struct {
	t       testing.TB
	bin     string
	dir     string
	port    int
	cluster bool
	cmd     *exec.Cmd
}

var skipOnce sync.Once

// startRedis starts a redis-server for t. Without the binary it skips the
// test, saying why, except in CI (CI=true), where it fails it.
func startRedis(t testing.TB) *server { return launch(t, false) }

// startCluster starts a one-node Redis Cluster holding every slot: enough to
// check that the scripts pass the cluster's cross-slot rules and that
// go-redis's ClusterClient routes them.
func startCluster(t testing.TB) *server { return launch(t, true) }

func launch(t testing.TB, cluster bool) *server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is required in CI (CI=true) and was not found: %v", err)
		}
		skipOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "redisstore: redis-server not found; skipping the tests that need it (apt-get install redis-server)")
		})
		t.Skipf("redis-server not found: %v", err)
	}
	s := &server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), cluster: cluster}
	s.start()
	t.Cleanup(s.kill)
	if cluster {
		rdb := redis.NewClient(&redis.Options{Addr: s.addr()})
		defer rdb.Close()
		ctx := context.Background()
		if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
		}
		eventually(t, 10*time.Second, "cluster_state:ok", func() bool {
			info, err := rdb.ClusterInfo(ctx).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		})
	}
	return s
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start runs redis-server and waits until it answers PING.
func (s *server) start() {
	s.t.Helper()
	args := []string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", s.dir, "--enable-debug-command", "local"}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file",
			filepath.Join(s.dir, "nodes.conf"))
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
	for !s.ping() {
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			s.kill()
			s.t.Fatalf("redis-server on %s did not answer PING within 10s; log:\n%s", s.addr(), out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends PING in RESP by hand, so that the helper does not depend on
// the client under test.
func (s *server) ping() bool {
	c, err := net.DialTimeout("tcp", s.addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// kill stops redis-server at once (SIGKILL), as a crash would.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// restart starts a new redis-server on the same port; its data is empty.
func (s *server) restart() {
	s.kill()
	s.start()
}

// freePort finds a free loopback port: listen on port 0, then close.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// client returns a new client of s, closed at the end of the test.
func (s *server) client(t testing.TB) redis.UniversalClient {
	var rdb redis.UniversalClient
	if s.cluster {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.addr()}})
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1,
			DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// commandsProcessed reads INFO stats total_commands_processed.
func commandsProcessed(t testing.TB, rdb redis.UniversalClient) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no total_commands_processed in INFO stats:\n%s", info)
	return 0
}

// process is one simulated process of a fleet: its own client and store.
type process struct {
	rdb   redis.UniversalClient
	store *redisstore.Store
	logs  *logBuffer
}

// fleet starts n processes on s with opts (short intervals by default,
// for tests), closed at the end of the test.
func fleet(t testing.TB, s *server, n int, opts ...redisstore.Option) []*process {
	t.Helper()
	ps := make([]*process, n)
	for i := range ps {
		p := &process{rdb: s.client(t), logs: &logBuffer{}}
		all := append([]redisstore.Option{
			redisstore.Flush(20 * time.Millisecond),
			redisstore.Resync(200 * time.Millisecond),
			redisstore.Logger(slog.New(p.logs)),
		}, opts...)
		p.store = redisstore.New(p.rdb, all...)
		t.Cleanup(func() { _ = p.store.Close() })
		ps[i] = p
	}
	return ps
}

// eventually polls cond until it holds, or fails t after d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// logBuffer is an slog.Handler that keeps messages, for the "logged once"
// checks.
type logBuffer struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logBuffer) Enabled(context.Context, slog.Level) bool { return true }
func (l *logBuffer) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (l *logBuffer) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logBuffer) WithGroup(string) slog.Handler      { return l }

// count returns how many messages contain s.
func (l *logBuffer) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, m := range l.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

// settleGoroutines waits for the goroutine count to fall to at most want.
func settleGoroutines(t testing.TB, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, want at most %d:\n%s", runtime.NumGoroutine(), want,
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// proxy forwards loopback TCP connections to a server and can stop
// forwarding without closing anything, as a network partition does: bytes
// wait, and flow again when the partition heals.
type proxy struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	cond   *sync.Cond
	cut    bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t testing.TB, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: target}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Go(func() { p.pump(s, c) })
		p.wg.Go(func() { p.pump(c, s) })
	}
}

// pump copies from src to dst, holding bytes while the link is cut.
func (p *proxy) pump(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		for p.cut {
			p.cond.Wait()
		}
		p.mu.Unlock()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// partition stops forwarding; heal resumes it.
func (p *proxy) partition() { p.set(true) }
func (p *proxy) heal()      { p.set(false) }

func (p *proxy) set(cut bool) {
	p.mu.Lock()
	p.cut = cut
	p.mu.Unlock()
	p.cond.Broadcast()
}

func (p *proxy) close() {
	p.l.Close()
	p.heal()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
