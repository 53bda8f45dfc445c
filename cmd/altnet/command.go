package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
)

// env is what a command may touch: the context that an interrupt cancels,
// the standard streams and the logger. Commands take no other global state.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// command is one node of the command tree: either a group with subs, or a
// leaf with flags and a run function.
type command struct {
	name    string
	summary string // one line, shown in the parent's list
	usage   string // the argument synopsis after the command path, for leaves
	long    string // optional paragraph shown by --help
	// flags registers the leaf's flags on fs; nil means no flags.
	flags func(fs *flag.FlagSet)
	// run executes the leaf with the positional arguments left after flags.
	run  func(e *env, args []string) error
	subs []*command
	// hidden leaves the command out of its group's list: for internal
	// commands the binary runs itself (driver-child).
	hidden bool
}

// errHelp reports that help was printed on request: exit status 0.
var errHelp = errors.New("help requested")

// usageError is bad usage: a one-line message and exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// dispatch runs c (whose full name is path) with args.
func (c *command) dispatch(e *env, path string, args []string) error {
	if len(c.subs) > 0 {
		return c.dispatchGroup(e, path, args)
	}
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printLeafHelp(e.stdout, path, fs)
			return errHelp
		}
		return usagef("%s: %v (run '%s --help')", path, err, path)
	}
	return c.run(e, fs.Args())
}

func (c *command) dispatchGroup(e *env, path string, args []string) error {
	if len(args) == 0 {
		return usagef("%s: missing command (run '%s --help')", path, path)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		c.printGroupHelp(e.stdout, path)
		return errHelp
	}
	if strings.HasPrefix(args[0], "-") {
		return usagef("%s: unknown flag %s (run '%s --help')", path, args[0], path)
	}
	for _, s := range c.subs {
		if s.name == args[0] {
			return s.dispatch(e, path+" "+s.name, args[1:])
		}
	}
	return usagef("%s: unknown command %q (run '%s --help')", path, args[0], path)
}

func (c *command) printGroupHelp(w io.Writer, path string) {
	fmt.Fprintf(w, "%s: %s\n\nUsage:\n  %s COMMAND [flags] [args]\n\nCommands:\n", path, c.summary, path)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range c.subs {
		if !s.hidden {
			fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for the flags of one command.\n", path)
}

func (c *command) printLeafHelp(w io.Writer, path string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s: %s\n\nUsage:\n  %s", path, c.summary, path)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, " [flags]")
	}
	if c.usage != "" {
		fmt.Fprintf(w, " %s", c.usage)
	}
	fmt.Fprintln(w)
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.long))
	}
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// noArgs is a run-time check for leaves that take no positional arguments.
func noArgs(path string, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q", path, args[0])
	}
	return nil
}
