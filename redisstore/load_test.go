package redisstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
	"github.com/nop-platform/retry/redisstore"
)

// Issue 15, item 4: what a store sends to Redis is bounded as breaker names
// grow. With 10,000 names whose calls succeed, a process sends a bounded
// number of commands per second (the subscriber's ping and a bounded batch
// of re-reads every Resync), not one per name per Resync. Changes still
// reach the fleet at once by pub/sub. Set LOAD_NAMES to try another count.
func TestManyNamesBoundedLoad(t *testing.T) {
	names := 10000
	if v, err := strconv.Atoi(os.Getenv("LOAD_NAMES")); err == nil && v > 0 {
		names = v
	}
	srv := startRedis(t)
	admin := srv.client(t)
	ps := fleet(t, srv, 2, redisstore.Flush(redisstore.DefaultFlush), redisstore.Resync(redisstore.DefaultResync))
	var o opened
	for i := range names {
		n := "n" + itoa(i)
		for j, p := range ps {
			opts := []breaker.Option{breaker.Name(n), breaker.Shared(p.store), breaker.FailureThreshold(1)}
			if i == 7 {
				opts = append(opts, o.hook(j))
			}
			_ = breaker.New(opts...).Do(context.Background(), succeed)
		}
	}
	eventually(t, 20*time.Second, "every name read", func() bool {
		return ps[0].store.Stats().Syncs >= uint64(names) && ps[1].store.Stats().Syncs >= uint64(names)
	})
	time.Sleep(time.Second) // settled

	const d = 3 * time.Second
	before, sent := commandsProcessed(t, admin), ps[0].store.Stats().Commands
	time.Sleep(d)
	server := commandsProcessed(t, admin) - before - 1 // less our INFO
	mine := ps[0].store.Stats().Commands - sent
	t.Logf("%d names, 2 processes: Redis processed %d commands in %v (scripts' own calls included); process 0 sent %d",
		names, server, d, mine)
	// The backstop re-reads 100 names per Resync (1s); with the pings and
	// the odd extra round, well under 300 commands a second.
	if mine > uint64(300*d.Seconds()) {
		t.Errorf("process 0 sent %d commands in %v for %d quiet names, want a bounded number", mine, d, names)
	}

	// A trip still reaches the other process at once.
	b := breaker.New(breaker.Name("n7"), breaker.Shared(ps[0].store), breaker.FailureThreshold(1))
	_ = b.Do(context.Background(), fail)
	eventually(t, 2*time.Second, "the trip of n7 reaches process 1", func() bool { return o.all(2) })
}
