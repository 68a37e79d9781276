package main

import (
	"flag"
	"strings"
	"testing"
)

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := retryCLI(t, args...)
		r.wantCode(t, 0)
		if !strings.Contains(r.stdout, "Usage:\n  retry run") || r.stderr != "" {
			t.Errorf("%v: stdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
		}
	}
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			r := retryCLI(t, args...)
			r.wantCode(t, 0)
			if !strings.HasPrefix(r.stdout, "Usage: retry "+c.name) || r.stderr != "" {
				t.Errorf("%v: stdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "retry: no command given"},
		{[]string{"frobnicate"}, `retry: unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"version", "--short"}, "--short"},
	}
	for _, tt := range tests {
		r := retryCLI(t, tt.args...)
		r.wantCode(t, 2)
		if !strings.Contains(r.stderr, tt.want) || !strings.Contains(r.stderr, "Usage") || r.stdout != "" {
			t.Errorf("%v: stderr:\n%s", tt.args, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	r := retryCLI(t, "version")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "retry devel go1.") {
		t.Errorf("stdout = %q", r.stdout)
	}
}

// TestUsageListsEveryFlag keeps the hand-written help texts in step with
// the flag sets.
func TestUsageListsEveryFlag(t *testing.T) {
	var j job
	var pf policyFlags
	var d1, d2 = j.attemptTimeout, j.maxTime
	sets := map[string]struct {
		usage string
		names []string
	}{
		"run":      {runUsage, flagNames(j.flags(&pf))},
		"schedule": {scheduleUsage, flagNames(scheduleFlags(&pf, &d1, &d2))},
		"http":     {httpUsage, flagNames((&httpJob{}).flags())},
		"demo":     {demoUsage, flagNames(demoFlags(&d1, new(string), new(string), new(bool)))},
	}
	for name, s := range sets {
		for _, f := range s.names {
			dash := "--"
			if len(f) == 1 {
				dash = "-"
			}
			if !strings.Contains(s.usage, "  "+dash+f+" ") && !strings.Contains(s.usage, ", "+dash+f+" ") {
				t.Errorf("retry %s --help does not list %s%s", name, dash, f)
			}
		}
	}
}

func flagNames(fs interface{ VisitAll(func(*flag.Flag)) }) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}
