package redistest_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/redisstore/redistest"
	"github.com/redis/go-redis/v9"
)

// A server answers, stops answering when killed, and answers again on the
// same address, empty, after Restart.
func TestKillAndRestart(t *testing.T) {
	s := redistest.Start(t)
	rdb := s.Client(t)
	if err := rdb.Set(t.Context(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if redistest.Ping(s.Addr()) {
		t.Fatal("a killed server answers PING")
	}
	s.Restart()
	if !redistest.Ping(s.Addr()) {
		t.Fatal("no answer after Restart")
	}
	if n := rdb.Exists(t.Context(), "k").Val(); n != 0 {
		t.Fatalf("the restarted server kept data: EXISTS k = %d", n)
	}
	if redistest.Ping(net.JoinHostPort("127.0.0.1", strconv.Itoa(redistest.FreePort(t)))) {
		t.Fatal("something answers on a free port")
	}
}

// A paused server takes connections and commands but answers nothing until
// it is resumed; then it answers what was sent meanwhile.
func TestPauseResume(t *testing.T) {
	s := redistest.Start(t)
	rdb := s.Client(t)
	s.Pause()
	if redistest.Ping(s.Addr()) {
		t.Fatal("a paused server answers PING")
	}
	got := make(chan error, 1)
	go func() { got <- rdb.Set(context.Background(), "k", "v", 0).Err() }()
	select {
	case err := <-got:
		t.Fatalf("a paused server answered SET: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	s.Resume()
	if err := <-got; err != nil {
		t.Fatalf("SET sent while paused: %v", err)
	}
	if !redistest.Ping(s.Addr()) {
		t.Fatal("no answer after Resume")
	}
	s.Pause()
	s.Kill() // a paused server can be killed
	if redistest.Ping(s.Addr()) {
		t.Fatal("a killed server answers PING")
	}
}

// A server started with RequirePass refuses clients without the password
// and serves Client, which has it.
func TestRequirePass(t *testing.T) {
	s := redistest.Start(t, redistest.RequirePass("s3cret pass"))
	if err := s.Client(t).Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatalf("Client: %v", err)
	}
	for _, pw := range []string{"", "wrong"} {
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: pw, MaxRetries: -1})
		err := rdb.Get(context.Background(), "k").Err()
		_ = rdb.Close()
		if err == nil || !strings.Contains(err.Error(), "NOAUTH") && !strings.Contains(err.Error(), "WRONGPASS") {
			t.Fatalf("password %q: %v, want NOAUTH or WRONGPASS", pw, err)
		}
	}
	s.Restart() // keeps the password
	if err := s.Client(t).Ping(context.Background()).Err(); err != nil {
		t.Fatalf("after Restart: %v", err)
	}
}
