package redisstore

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
)

func TestParseMessage(t *testing.T) {
	tests := []struct {
		give     string
		wantName string
		want     breaker.Snapshot
		wantErr  bool
	}{
		{give: "1 7 1700000000000 0 0 0 payments", wantName: "payments",
			want: breaker.Snapshot{State: breaker.Open, Generation: 7, Until: time.UnixMilli(1700000000000)}},
		{give: "0 2 0 10 3 1 a name with spaces", wantName: "a name with spaces",
			want: breaker.Snapshot{Generation: 2, Counts: breaker.Counts{Successes: 10, Failures: 3, Consecutive: 1}}},
		{give: "0 2 0 10 3 1 ", wantName: "",
			want: breaker.Snapshot{Generation: 2, Counts: breaker.Counts{Successes: 10, Failures: 3, Consecutive: 1}}},
		{give: "0 2 0 10 3 1", wantErr: true},
		{give: "0 -2 0 10 3 1 x", wantErr: true},
		{give: "0 x 0 10 3 1 x", wantErr: true},
		{give: "", wantErr: true},
	}
	for _, tt := range tests {
		name, snap, err := parseMessage(tt.give)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseMessage(%q): no error", tt.give)
			}
			continue
		}
		if err != nil || name != tt.wantName || !snap.Until.Equal(tt.want.Until) ||
			snap.State != tt.want.State || snap.Generation != tt.want.Generation || snap.Counts != tt.want.Counts {
			t.Errorf("parseMessage(%q) = %q, %+v, %v; want %q, %+v", tt.give, name, snap, err, tt.wantName, tt.want)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add("1 7 1700000000000 0 0 0 payments")
	f.Add("0 2 0 10 3 1 a b")
	f.Fuzz(func(t *testing.T, p string) {
		name, snap, err := parseMessage(p)
		if err != nil {
			return
		}
		// What parses is what the script writes: print it back.
		until := int64(0)
		if !snap.Until.IsZero() {
			until = snap.Until.UnixMilli()
		}
		c := snap.Counts
		back := strings.Join([]string{strconv.Itoa(int(snap.State)), strconv.FormatUint(snap.Generation, 10),
			strconv.FormatInt(until, 10), strconv.FormatUint(c.Successes, 10), strconv.FormatUint(c.Failures, 10),
			strconv.FormatUint(c.Consecutive, 10), name}, " ")
		if name2, snap2, err := parseMessage(back); err != nil || name2 != name || snap2.Generation != snap.Generation ||
			snap2.Counts != snap.Counts || snap2.State != snap.State {
			t.Fatalf("%q parsed to %q %+v, printed %q, parsed to %q %+v, %v", p, name, snap, back, name2, snap2, err)
		}
	})
}

func TestMerge(t *testing.T) {
	tests := []struct {
		a, b, want breaker.Counts
	}{
		{breaker.Counts{Failures: 1, Consecutive: 1}, breaker.Counts{Failures: 1, Consecutive: 1},
			breaker.Counts{Failures: 2, Consecutive: 2}},
		{breaker.Counts{Successes: 1, Failures: 1, Consecutive: 1}, breaker.Counts{Failures: 1, Consecutive: 1},
			breaker.Counts{Successes: 1, Failures: 2, Consecutive: 2}},
		{breaker.Counts{Failures: 2, Consecutive: 2}, breaker.Counts{Successes: 3, Failures: 1, Consecutive: 1},
			breaker.Counts{Successes: 3, Failures: 3, Consecutive: 1}},
		{breaker.Counts{Failures: 2, Consecutive: 2}, breaker.Counts{Successes: 3},
			breaker.Counts{Successes: 3, Failures: 2}},
	}
	for _, tt := range tests {
		if got := merge(tt.a, tt.b); got != tt.want {
			t.Errorf("merge(%+v, %+v) = %+v, want %+v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		give Option
		ok   bool
	}{
		{Prefix("app:"), true},
		{Prefix(""), true},
		{Prefix("a{b"), false},
		{TTL(time.Second), true},
		{TTL(999 * time.Millisecond), false},
		{Flush(time.Millisecond), true},
		{Flush(0), false},
		{Resync(5 * time.Millisecond), false},
		{Timeout(0), false},
		{Logger(nil), false},
		{FailClosed(), true},
		{Option{}, false},
	}
	for i, tt := range tests {
		err := Validate(tt.give)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidOption)) {
			t.Errorf("case %d: Validate = %v, want ok %v", i, err, tt.ok)
		}
	}
	defer func() {
		if err, _ := recover().(error); !errors.Is(err, ErrInvalidOption) {
			t.Fatalf("New(nil) panicked with %v, want ErrInvalidOption", err)
		}
	}()
	New(nil)
}

func TestKeys(t *testing.T) {
	c, _ := build(nil)
	if got := c.breakerKey("payments"); got != "nop:retry:breaker:{payments}" {
		t.Fatal(got)
	}
	if got := c.budgetKey("payments"); got != "nop:retry:budget:{payments}" {
		t.Fatal(got)
	}
}
