package redistest_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/nop-platform/retry/redisstore/redistest"
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
