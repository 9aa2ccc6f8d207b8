// Command sandpiper is Sandpiper's one binary. Its subcommands:
//
//	sandpiper run      run the daemon on a configuration (without one: a demo)
//	sandpiper check    validate a configuration without starting anything
//	sandpiper cat      read Heka streams or JSON lines, filter them with a matcher, print them
//	sandpiper test     run the tests of Lua filters and decoders (*_test.toml)
//	sandpiper version  print the version
//
// Each subcommand takes -h for its own usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"sandpiper/lua_modules"
	"sandpiper/sandbox"
)

// The Lua modules shipped in lua_modules/ are built into the binary: every
// script's require finds them before its configured module directories.
func init() { sandbox.BuiltinModules = lua_modules.FS }

// version is set at build time by the Makefile (-ldflags "-X main.version=...").
var version = "dev"

// command is one subcommand: its one-line summary and the function that runs
// it with its arguments, returning the process's exit code.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"run":     {"run the daemon on a configuration (without -config: a demo)", runRun},
	"check":   {"validate a configuration without starting anything", runCheck},
	"cat":     {"read Heka streams or JSON lines, filter them with a matcher, print them", runCat},
	"test":    {"run the tests of Lua filters and decoders (*_test.toml)", runTest},
	"version": {"print the version", runVersion},
}

// order lists the commands as usage shows them.
var order = []string{"run", "check", "test", "cat", "version"}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sandpiper: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sandpiper <command> [arguments]\n\ncommands:")
	for _, name := range order {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'sandpiper <command> -h' for a command's options.")
}

func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "sandpiper version: takes no arguments, got %q\n", args[0])
		return 2
	}
	fmt.Fprintf(stdout, "sandpiper %s\n", version)
	return 0
}

// parseArgs parses a subcommand's arguments with fs, whose name prefixes its
// errors ("sandpiper cat"). With -h it prints usage and the options to
// stdout; a bad option is one line on stderr. done says the command must
// stop there, with the exit code given.
func parseArgs(fs *flag.FlagSet, usage string, args []string, stdout, stderr io.Writer) (operands []string, code int, done bool) {
	fs.SetOutput(io.Discard) // the error is reported in one line below
	operands, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return nil, 0, true
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (%s -h lists the options)\n", fs.Name(), err, fs.Name())
		return nil, 2, true
	}
	return operands, 0, false
}

// parseInterspersed parses args with fs, letting options come after file
// names too ("cat in.heka -n 5"), and returns the file names. After "--"
// everything is a file name.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var names []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(names, rest...), nil
		}
		if len(rest) == 0 {
			break
		}
		names = append(names, rest[0])
		args = rest[1:]
	}
	return names, nil
}
