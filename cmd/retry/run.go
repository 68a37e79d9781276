package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// env is what a subcommand may touch of the outside world.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         func(key string) (string, bool) // os.LookupEnv in the binary
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // full help text, ending in a newline
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands in the order help shows them.
func commands() []command {
	return []command{
		{"run", "run a command, retrying it when it fails", runUsage, cmdRun},
		{"http", "make an HTTP request with the spec's client retries", httpUsage, cmdHTTP},
		{"schedule", "print the delay plan of a retry policy", scheduleUsage, cmdSchedule},
		{"demo", "a flaky local server: our client beside a naive retry", demoUsage, cmdDemo},
		{"version", "print the version", versionUsage, cmdVersion},
		{"help", "show help for retry or a command", helpUsage, nil},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func mainUsage() string {
	var b strings.Builder
	b.WriteString("retry runs a command or an HTTP request again when it fails.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  retry %-9s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Run 'retry COMMAND --help' for the flags of a command.

Policy defaults come from MAX_RETRY_ATTEMPTS, RETRY_BASE_DELAY,
RETRY_MAX_DELAY and RETRY_EXPONENTIAL_BACKOFF when they are set
(run and schedule); flags override them.
`)
	return b.String()
}

// run executes the command line args (without the program name) and
// returns nil for exit status 0, otherwise an error that exitCode maps to
// the status. Messages are already written to stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, lookup: os.LookupEnv}
	return e.dispatch(ctx, args)
}

func (e *env) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "retry: no command given\n\n%s", mainUsage())
		return exitStatus(2)
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		return e.help(args[1:])
	}
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(e.stderr, "retry: unknown command %q\n\n%s", name, mainUsage())
		return exitStatus(2)
	}
	return e.report(c, c.run(ctx, e, args[1:]))
}

// help serves retry help [COMMAND]: the text goes to stdout, exit 0.
func (e *env) help(args []string) error {
	switch {
	case len(args) == 0:
		fmt.Fprint(e.stdout, mainUsage())
		return nil
	case len(args) > 1:
		fmt.Fprintf(e.stderr, "retry help: too many arguments\n\n%s", helpUsage)
		return exitStatus(2)
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	}
	c, ok := findCommand(name)
	if !ok {
		fmt.Fprintf(e.stderr, "retry help: unknown command %q\n\n%s", args[0], mainUsage())
		return exitStatus(2)
	}
	if c.name == "help" {
		fmt.Fprint(e.stdout, helpUsage)
		return nil
	}
	fmt.Fprint(e.stdout, c.usage)
	return nil
}

const helpUsage = `Usage: retry help [COMMAND]

Prints the list of commands, or the help of one command.
`

// report writes what a subcommand's error says and turns it into an exit
// status.
func (e *env) report(c command, err error) error {
	var ue *usageError
	var st exitStatus
	switch {
	case err == nil, errors.As(err, &st):
		return err
	case errors.Is(err, errHelp):
		fmt.Fprint(e.stdout, c.usage)
		return nil
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "retry %s: %v\n", c.name, ue.err)
		if ue.showUsage {
			fmt.Fprintf(e.stderr, "\n%s", c.usage)
		}
		return exitStatus(2)
	default:
		fmt.Fprintf(e.stderr, "retry %s: %v\n", c.name, err)
		return exitStatus(1)
	}
}

// exitStatus is an error that only carries the process exit status; any
// message has been written already.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// usageError is a mistake in the command line or the configuration: exit
// status 2, with the usage when the mistake is in the arguments.
type usageError struct {
	err       error
	showUsage bool
}

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

// badUsage reports a mistake in the arguments.
func badUsage(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), showUsage: true}
}

// badConfig reports a bad environment variable or env file.
func badConfig(err error) error { return &usageError{err: err} }

// errHelp asks for the command's help on stdout and exit status 0.
var errHelp = errors.New("help requested")

// exitCode maps run's result to the process exit status.
func exitCode(err error) int {
	var st exitStatus
	switch {
	case err == nil:
		return 0
	case errors.As(err, &st):
		return int(st)
	default:
		return 1
	}
}
