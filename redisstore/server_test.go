package redisstore_test

import (
	"context"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nop-platform/retry/redisstore"
	"github.com/nop-platform/retry/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// server is a redistest.Server with the lower-case names these tests use.
type server struct{ *redistest.Server }

func startRedis(t testing.TB) *server   { return &server{redistest.Start(t)} }
func startCluster(t testing.TB) *server { return &server{redistest.StartCluster(t)} }

func (s *server) addr() string                              { return s.Addr() }
func (s *server) kill()                                     { s.Kill() }
func (s *server) restart()                                  { s.Restart() }
func (s *server) client(t testing.TB) redis.UniversalClient { return s.Client(t) }

func freePort(t testing.TB) int { return redistest.FreePort(t) }

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

// logBuffer is an slog.Handler that keeps messages, with their attributes,
// for the "logged once" checks.
type logBuffer struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logBuffer) Enabled(context.Context, slog.Level) bool { return true }
func (l *logBuffer) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		m += " " + a.String()
		return true
	})
	l.msgs = append(l.msgs, m)
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
