package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/nop-platform/retry/backoff"
)

const scheduleUsage = `Usage: retry schedule [flags]

Prints the delay plan of a retry policy: for each retry the shortest and
longest wait before it, the total waited up to it, and a bar (█ the
fixed part, ░ the jitter). It answers "retries take too long" at a glance.
The policy comes from the RETRY_* variables and the flags, as for retry run.

Flags:
` + policyHelp + `  --attempt-timeout D  with it, the worst case counts every attempt at D
  --max-time D         mark the retries that --max-time would cut off
  -h, --help           show this help

D is a number of seconds (1.5) or a Go duration (250ms, 1m30s).
`

// chartWidth is the width of the longest bar.
const chartWidth = 40

func cmdSchedule(_ context.Context, e *env, args []string) error {
	var pf policyFlags
	var attemptTimeout, maxTime time.Duration
	fs := scheduleFlags(&pf, &attemptTimeout, &maxTime)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badUsage("unexpected argument %q", fs.Arg(0))
	}
	p, err := pf.resolve(fs, e.lookup)
	if err != nil {
		return err
	}
	writeSchedule(e.stdout, p, attemptTimeout, maxTime)
	return nil
}

// scheduleFlags returns the flag set of retry schedule.
func scheduleFlags(pf *policyFlags, attemptTimeout, maxTime *time.Duration) *flag.FlagSet {
	fs := newFlagSet("schedule")
	pf.register(fs)
	fs.Var(delayValue{attemptTimeout}, "attempt-timeout", "")
	fs.Var(delayValue{maxTime}, "max-time", "")
	return fs
}

// bounds returns the policy's shortest and longest wait before retry n.
func (p policy) bounds(n int) (lo, hi time.Duration) {
	if p.exponential {
		return backoff.Exponential{Base: p.base, Max: p.max, Jitter: p.jitter}.Bounds(n)
	}
	return backoff.Constant{Delay: p.base, Max: p.max, Jitter: p.jitter}.Bounds(n)
}

// scheduleRow is one retry of the plan.
type scheduleRow struct {
	n                int
	lo, hi           time.Duration // the wait before retry n
	totalLo, totalHi time.Duration // waited up to and including it
	skippedBefore    int           // identical rows folded away before this one
}

// scheduleRows computes the plan. Once the wait stops changing (the cap is
// reached, or the delay is constant) the rows up to the last are folded
// into it, so the work is bounded whatever the number of attempts.
func scheduleRows(p policy) []scheduleRow {
	retries := p.attempts - 1
	var rows []scheduleRow
	var totalLo, totalHi time.Duration
	for n := 1; n <= retries; n++ {
		lo, hi := p.bounds(n)
		totalLo, totalHi = addSat(totalLo, lo), addSat(totalHi, hi)
		rows = append(rows, scheduleRow{n, lo, hi, totalLo, totalHi, 0})
		if p.stable(n) && retries-n >= 3 {
			skip := retries - n - 1 // retries n+1 to retries-1
			totalLo = addSat(totalLo, mulSat(lo, skip+1))
			totalHi = addSat(totalHi, mulSat(hi, skip+1))
			rows = append(rows, scheduleRow{retries, lo, hi, totalLo, totalHi, skip})
			break
		}
	}
	return rows
}

// stable reports whether every retry from n on waits what retry n waits.
func (p policy) stable(n int) bool {
	if !p.exponential {
		return true
	}
	lo, _ := p.bounds(n)
	return lo == p.max
}

func writeSchedule(w io.Writer, p policy, attemptTimeout, maxTime time.Duration) {
	fmt.Fprintf(w, "policy: %v\n", p)
	rows := scheduleRows(p)
	if len(rows) == 0 {
		fmt.Fprintln(w, "no retries: the command runs once")
		return
	}
	var longest time.Duration
	for _, r := range rows {
		longest = max(longest, r.hi)
	}
	fmt.Fprintf(w, "\n%6s %10s %10s %11s %11s\n", "retry", "wait min", "wait max", "total min", "total max")
	for _, r := range rows {
		if r.skippedBefore > 0 {
			fmt.Fprintf(w, "%6s   (retries %d to %d wait the same)\n", "…", r.n-r.skippedBefore, r.n-1)
		}
		fmt.Fprintf(w, "%6d %10s %10s %11s %11s  %s%s\n", r.n, fmtDur(r.lo), fmtDur(r.hi),
			fmtDur(r.totalLo), fmtDur(r.totalHi), bar(r.lo, r.hi, longest), cutNote(r, maxTime))
	}
	last := rows[len(rows)-1]
	fmt.Fprintf(w, "\nwaiting in all: %s", span(last.totalLo, last.totalHi))
	if attemptTimeout > 0 {
		worst := addSat(last.totalHi, mulSat(attemptTimeout, p.attempts))
		fmt.Fprintf(w, "; worst case with %d attempts of %s: %s", p.attempts, fmtDur(attemptTimeout), fmtDur(worst))
	} else {
		fmt.Fprintf(w, ", plus the time the %d %s take", p.attempts, plural(p.attempts, "attempt"))
	}
	fmt.Fprintln(w)
	if maxTime > 0 {
		fmt.Fprintf(w, "--max-time %s bounds it all: no wait starts that would end past it\n", fmtDur(maxTime))
	}
}

// span formats a range of durations, or one duration when lo == hi.
func span(lo, hi time.Duration) string {
	if lo == hi {
		return fmtDur(lo)
	}
	return fmtDur(lo) + " to " + fmtDur(hi)
}

// cutNote marks a retry that --max-time rules out or may rule out, counting
// the attempts as instant.
func cutNote(r scheduleRow, maxTime time.Duration) string {
	switch {
	case maxTime <= 0 || r.totalHi <= maxTime:
		return ""
	case r.totalLo > maxTime:
		return "  past --max-time: never made"
	}
	return "  may pass --max-time"
}

// bar draws lo as █ and the jitter up to hi as ░, scaled so that longest
// fills chartWidth columns. A non-zero wait gets at least one column.
func bar(lo, hi, longest time.Duration) string {
	if longest <= 0 {
		return ""
	}
	scale := float64(chartWidth) / float64(longest)
	solid := int(math.Round(float64(lo) * scale))
	all := int(math.Round(float64(hi) * scale))
	if hi > 0 && all == 0 {
		all = 1
	}
	if lo > 0 && solid == 0 {
		solid = 1
	}
	return strings.Repeat("█", solid) + strings.Repeat("░", max(all-solid, 0))
}

const maxDuration = time.Duration(math.MaxInt64)

// addSat adds two non-negative durations, saturating at the largest.
func addSat(a, b time.Duration) time.Duration {
	if a > maxDuration-b {
		return maxDuration
	}
	return a + b
}

// mulSat multiplies a non-negative duration by k >= 0, saturating.
func mulSat(d time.Duration, k int) time.Duration {
	if d == 0 || k == 0 {
		return 0
	}
	if d > maxDuration/time.Duration(k) {
		return maxDuration
	}
	return d * time.Duration(k)
}
