package redisstore

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/nop-platform/retry/breaker"
	"github.com/redis/go-redis/v9"
)

// subscriber receives the changes of state published by every store of the
// fleet and gives them to this process's breakers. After each
// (re)subscription it asks for a full resync, for the messages missed while
// it was not subscribed.
func (s *Store) subscriber() {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		ps := s.ps
		s.mu.Unlock()
		_ = ps.Close()
	}()
	ps := s.subscribe(nil)
	silent := 0 // receive timeouts in a row
	for s.ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(s.ctx, s.c.resync)
		if err != nil {
			if s.ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Quiet is normal; a ping's pong ends the silence. With no
				// answer to two pings the connection is dead without an
				// error (a partition): start again on a new one.
				if silent++; silent < 3 {
					s.st.commands.Add(1)
					_ = ps.Ping(s.ctx)
				} else {
					silent = 0
					ps = s.subscribe(ps)
				}
				continue
			}
			s.st.errors.Add(1)
			if !s.pause(s.c.resync) {
				return
			}
			continue
		}
		silent = 0
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				s.requestResync()
			}
		case *redis.Message:
			s.st.messages.Add(1)
			s.deliver(m.Payload)
		}
	}
}

// subscribe subscribes to the channel on a new PubSub replacing old, or on
// the store's first one. The channel is recorded even when Redis is
// unreachable, and a receive subscribes again after reconnecting.
func (s *Store) subscribe(old *redis.PubSub) *redis.PubSub {
	s.mu.Lock()
	ps := s.ps
	if old != nil {
		_ = old.Close()
		ps = s.rdb.Subscribe(s.ctx)
		s.ps = ps
	}
	s.mu.Unlock()
	s.st.commands.Add(1)
	if err := ps.Subscribe(s.ctx, s.c.channel()); err != nil {
		s.st.errors.Add(1)
	}
	return ps
}

// deliver gives a published state to the breakers of its name.
func (s *Store) deliver(payload string) {
	name, snap, err := parseMessage(payload)
	if err != nil {
		s.st.errors.Add(1)
		return
	}
	s.mu.Lock()
	g := s.groups[name]
	s.mu.Unlock()
	if g != nil {
		g.sync(snap)
	}
}

// parseMessage reads a message of applyScript: state, generation, until
// (unix ms), successes, failures and consecutive failures, then the name,
// which may hold spaces.
func parseMessage(p string) (name string, snap breaker.Snapshot, err error) {
	f := strings.SplitN(p, " ", 7)
	if len(f) != 7 {
		return "", snap, fmt.Errorf("redisstore: malformed message %q", p)
	}
	var n [6]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(f[i], 10, 64); err != nil || n[i] < 0 {
			return "", snap, fmt.Errorf("redisstore: malformed message %q", p)
		}
	}
	return f[6], snapshot(n), nil
}
