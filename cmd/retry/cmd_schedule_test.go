package main

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleDefault(t *testing.T) {
	r := retryCLI(t, "schedule")
	r.wantCode(t, 0)
	for _, want := range []string{
		"policy: 3 attempts (2 retries), exponential from 1s, max 1m0s, jitter 0.3\n",
		" retry   wait min   wait max   total min   total max\n",
		"     1         1s       1.3s          1s        1.3s  ███████████████░░░░░\n",
		"     2         2s       2.6s          3s        3.9s  ███████████████████████████████░░░░░░░░░\n",
		"\nwaiting in all: 3s to 3.9s, plus the time the 3 attempts take\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestScheduleFlagsAndEnv(t *testing.T) {
	r := cli{args: []string{"schedule", "--max-delay", "5", "--jitter", "0", "--max-time", "12", "--attempt-timeout", "2"},
		env: []string{"MAX_RETRY_ATTEMPTS=9", "RETRY_BASE_DELAY=250ms"}}.run(t)
	r.wantCode(t, 0)
	for _, want := range []string{
		"policy: 9 attempts (8 retries), exponential from 250ms, max 5s, jitter 0\n",
		"     5         4s         4s       7.75s       7.75s",
		"     6         5s         5s      12.75s      12.75s  ████████████████████████████████████████  past --max-time: never made\n",
		"     …   (retries 7 to 7 wait the same)", // not folded: too few
	} {
		has := strings.Contains(r.stdout, want)
		if strings.HasPrefix(want, "     …") {
			has = !strings.Contains(r.stdout, "…")
		}
		if !has {
			t.Errorf("stdout: want %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "waiting in all: 22.75s; worst case with 9 attempts of 2s: 40.75s\n--max-time 12s bounds it all") {
		t.Errorf("no worst case:\n%s", r.stdout)
	}
}

func TestScheduleFoldsLongPlans(t *testing.T) {
	r := retryCLI(t, "schedule", "--attempts", "1000000000", "--no-exponential", "--base-delay", "1")
	r.wantCode(t, 0)
	if lines := strings.Count(r.stdout, "\n"); lines > 12 {
		t.Errorf("%d lines:\n%s", lines, r.stdout)
	}
	if !strings.Contains(r.stdout, "(retries 2 to 999999998 wait the same)") {
		t.Errorf("not folded:\n%s", r.stdout)
	}
	r = retryCLI(t, "schedule", "--attempts", "1")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "no retries") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestScheduleBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--base-delay", "fast"},
		{"--attempts", "-1"},
		{"extra"},
	} {
		r := retryCLI(t, append([]string{"schedule"}, args...)...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, args[0]) || !strings.Contains(r.stderr, "Usage: retry schedule") {
			t.Errorf("%v: stderr:\n%s", args, r.stderr)
		}
	}
}

func TestScheduleRowsTotals(t *testing.T) {
	p := policy{attempts: 11, base: time.Second, max: 4 * time.Second, jitter: 0.5, exponential: true}
	rows := scheduleRows(p)
	// 1, 2, 4 (cap reached), then 4 folded to the last.
	if len(rows) != 4 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	last := rows[3]
	if last.n != 10 || last.skippedBefore != 6 {
		t.Errorf("last row %+v", last)
	}
	// Waits: 1+2+4*8 = 35s; with jitter 1.5+3+4*8 = 36.5s.
	if last.totalLo != 35*time.Second || last.totalHi != 36500*time.Millisecond {
		t.Errorf("totals %v %v", last.totalLo, last.totalHi)
	}
}
