package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"sandpiper/core/config"
	"sandpiper/core/daemon"
	_ "sandpiper/plugins/all" // every plugin type, registered by name
	"sandpiper/sandbox"
)

// demo holds what `sandpiper run` without -config runs on: the default
// configuration and the sample access log it replays.
//
//go:embed demo/default.toml demo/access.log
var demo embed.FS

const runUsage = `usage: sandpiper run [-config PATH]

Runs the daemon on the configuration at PATH (a .toml file, or a directory
of *.toml files merged in name order; docs/configuration.md) until SIGINT or
SIGTERM, then drains every queue and exits. When every input is finite
(stdin, files with follow = false) it exits by itself once everything has
drained. SIGUSR1 prints a report of every plugin on stderr.

Without -config it runs a demo: a shipped nginx access log replayed into a
temporary directory and tailed through a Lua decoder and a Lua filter that
prints a per-status summary every 3 seconds.

`

const checkUsage = `usage: sandpiper check -config PATH

Validates the configuration at PATH without starting anything: every table
decodes, every matcher compiles, every script loads and compiles, every
decoder, splitter and encoder named exists. Lists every error and exits 1,
or prints "configuration OK" and exits 0.

`

func runRun(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandpiper run", flag.ContinueOnError)
	path := fs.String("config", "", "the configuration: a .toml file or a directory of them (default: the demo)")
	operands, code, done := parseArgs(fs, runUsage, args, stdout, stderr)
	if done {
		return code
	}
	if len(operands) > 0 {
		fmt.Fprintf(stderr, "sandpiper run: unexpected argument %q (the configuration is given with -config)\n", operands[0])
		return 2
	}
	logger := log.New(stderr, "", log.LstdFlags)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *path == "" {
		dir, err := startDemo(ctx, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "sandpiper run: demo: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		*path = filepath.Join(dir, "sandpiper.toml")
	}
	d, err := build(*path, false, logger)
	if err != nil {
		fmt.Fprintf(stderr, "sandpiper run: %s:\n%v\n", *path, err)
		return 1
	}
	// SIGUSR1 prints the report, from a goroutine that ends with run.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	reporting := make(chan struct{})
	defer close(reporting)
	go func() {
		for {
			select {
			case <-usr1:
				d.Report(stderr)
			case <-reporting:
				return
			}
		}
	}()
	logger.Printf("sandpiper: running %s: %d plugins", *path, d.Plugins())
	if err := d.Run(ctx); err != nil {
		logger.Printf("sandpiper: stopped; these plugins failed while the rest went on:\n%v", err)
		return 0
	}
	logger.Printf("sandpiper: stopped")
	return 0
}

func runCheck(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandpiper check", flag.ContinueOnError)
	path := fs.String("config", "", "the configuration to check: a .toml file or a directory of them")
	operands, code, done := parseArgs(fs, checkUsage, args, stdout, stderr)
	if done {
		return code
	}
	if len(operands) > 0 {
		fmt.Fprintf(stderr, "sandpiper check: unexpected argument %q (the configuration is given with -config)\n", operands[0])
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "sandpiper check: -config PATH is required")
		return 2
	}
	var logs strings.Builder
	d, err := build(*path, true, log.New(&logs, "", 0))
	if err != nil {
		n := len(unjoin(err))
		fmt.Fprintf(stderr, "%v\n%s: %s\n", err, *path, plural(n, "error"))
		return 1
	}
	d.Close()
	fmt.Fprintf(stdout, "configuration OK: %d plugins\n", d.Plugins())
	return 0
}

// build loads the configuration at path and builds the daemon, collecting
// every error: the files', the plugins', and the unknown keys.
func build(path string, check bool, logger *log.Logger) (*daemon.Daemon, error) {
	cfg, err := config.Load(path)
	var errs []error
	if err != nil {
		errs = append(errs, unjoin(err)...)
	}
	if cfg == nil {
		return nil, errors.Join(errs...)
	}
	g := cfg.Globals
	if !check {
		if g.MaxProcs > 0 {
			runtime.GOMAXPROCS(g.MaxProcs)
		}
		tuneMemory(g.MemoryCeiling)
	}
	d, err := daemon.New(daemon.SettingsOf(g), daemon.PluginConfigs(cfg), daemon.Options{Check: check, Log: logger})
	if err != nil {
		errs = append(errs, unjoin(err)...)
	}
	for _, e := range cfg.Unknown() {
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		sortByPlace(errs)
		if d != nil {
			d.Close()
		}
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// sortByPlace orders errors by file and line where they have them (the
// errors of package config), keeping the order of the others.
func sortByPlace(errs []error) {
	place := func(err error) (string, int) {
		var ce *config.Error
		if errors.As(err, &ce) {
			return ce.File, ce.Line
		}
		return "", 0
	}
	sort.SliceStable(errs, func(i, j int) bool {
		fi, li := place(errs[i])
		fj, lj := place(errs[j])
		if fi != fj {
			return fi < fj
		}
		return li < lj
	})
}

// gcPercent is the daemon's garbage collector target unless GOGC sets one.
// A pipeline allocates per message (gopher-lua most of all) and keeps
// little: at Go's default of 100 the collector runs so often that it costs
// a decoder pool a quarter more CPU per line on two cores than on one; at
// 400 it costs a seventh (docs/performance.md). The soft memory limit set
// below keeps the larger heap this allows under the sandboxes' ceiling.
const gcPercent = 400

// tuneMemory fixes the process heap ceiling the sandboxes' watchdog
// enforces (memory_ceiling, else GOMEMLIMIT, else 1 GiB), sets Go's soft
// memory limit to 80 % of it unless GOMEMLIMIT is set, so that the
// collector works harder before the watchdog has to end calls, and sets
// the collector's target unless GOGC is set.
func tuneMemory(ceiling int64) {
	sandbox.SetMemoryCeiling(ceiling)
	ceiling = sandbox.MemoryCeiling()
	sandbox.SetMemoryCeiling(ceiling)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ceiling / 10 * 8)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// unjoin returns the errors a joined error holds, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var all []error
		for _, e := range j.Unwrap() {
			all = append(all, unjoin(e)...)
		}
		return all
	}
	return []error{err}
}

// startDemo makes the demo's directory: the default configuration, and
// logs/access.log, into which it writes the first half of the sample at
// once and then appends a line every 20 ms, over and over, until ctx is
// done, so that the tailing input has something to follow.
func startDemo(ctx context.Context, stderr io.Writer) (string, error) {
	dir, err := os.MkdirTemp("", "sandpiper-demo-")
	if err != nil {
		return "", err
	}
	if err := os.Setenv("SANDPIPER_DEMO_DIR", dir); err != nil {
		return "", err
	}
	conf, _ := demo.ReadFile("demo/default.toml")
	sample, _ := demo.ReadFile("demo/access.log")
	if err := os.WriteFile(filepath.Join(dir, "sandpiper.toml"), conf, 0o644); err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		return "", err
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(sample), "\n"), "\n")
	for i := range lines {
		if !strings.HasSuffix(lines[i], "\n") {
			lines[i] += "\n"
		}
	}
	logPath := filepath.Join(dir, "logs", "access.log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return "", err
	}
	half := len(lines) / 2
	if _, err := f.WriteString(strings.Join(lines[:half], "")); err != nil {
		f.Close()
		return "", err
	}
	fmt.Fprintf(stderr, "sandpiper: demo: %d sample nginx requests written to %s, the rest follow at 50 lines/s (over and over);\n"+
		"  the configuration is %s; Ctrl-C stops, SIGUSR1 (kill -USR1 %d) prints a report\n",
		half, logPath, filepath.Join(dir, "sandpiper.toml"), os.Getpid())
	go func() {
		defer f.Close()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := half; ; i = (i + 1) % len(lines) {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := f.WriteString(lines[i]); err != nil {
				fmt.Fprintf(stderr, "sandpiper: demo: append to %s: %v\n", logPath, err)
				return
			}
		}
	}()
	return dir, nil
}
