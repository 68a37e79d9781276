package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nop-platform/retry"
)

// newFlagSet returns a silent FlagSet: parse errors come back from parse,
// which callers turn into usage errors, and --help into errHelp.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("retry "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, mapping -h/--help to errHelp and any other
// failure to a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	}
	return badUsage("%s", dashes(err.Error()))
}

// parseInterleaved is parse for commands whose flags may follow their
// positional arguments (retry http URL -i). Everything after "--" is
// positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dashes rewrites the flag package's "-name" in its messages to the
// "--name" our usage texts show; one-letter flags keep one dash.
func dashes(msg string) string {
	for _, m := range []string{" for flag -", " for -", "defined: -", "argument: -"} {
		i := strings.LastIndex(msg, m)
		if i < 0 {
			continue
		}
		j := i + len(m)
		name := msg[j:]
		if k := strings.IndexAny(name, ": "); k >= 0 {
			name = name[:k]
		}
		if len(name) > 1 {
			msg = msg[:j] + "-" + msg[j:]
		}
		return msg
	}
	return msg
}

// visited returns the names of the flags set on the command line.
func visited(fs *flag.FlagSet) map[string]bool {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// delayValue is a flag holding a delay in seconds ("1.5") or as a Go
// duration ("250ms"), parsed by retry.ParseDelay.
type delayValue struct{ d *time.Duration }

func (v delayValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}

func (v delayValue) Set(s string) error {
	d, err := retry.ParseDelay(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// countValue is a flag holding a count of at least 1 (retry.ParseCount).
type countValue struct{ n *int }

func (v countValue) String() string {
	if v.n == nil {
		return ""
	}
	return strconv.Itoa(*v.n)
}

func (v countValue) Set(s string) error {
	n, err := retry.ParseCount(s)
	if err != nil {
		return err
	}
	*v.n = n
	return nil
}

// maxJitter is the largest jitter fraction the core accepts.
const maxJitter = 10

// jitterValue is a flag holding a jitter fraction from 0 to 10.
type jitterValue struct{ f *float64 }

func (v jitterValue) String() string {
	if v.f == nil {
		return ""
	}
	return strconv.FormatFloat(*v.f, 'g', -1, 64)
}

func (v jitterValue) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	switch {
	case err != nil:
		return errors.New("not a number (0.3 means up to 30% extra)")
	case math.IsNaN(f) || f < 0 || f > maxJitter:
		return fmt.Errorf("must be from 0 to %d", maxJitter)
	}
	*v.f = f
	return nil
}

// listValue is a repeatable string flag (-H).
type listValue struct{ list *[]string }

func (v listValue) String() string {
	if v.list == nil {
		return ""
	}
	return strings.Join(*v.list, ", ")
}

func (v listValue) Set(s string) error {
	*v.list = append(*v.list, s)
	return nil
}
