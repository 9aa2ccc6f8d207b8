package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"sandpiper/sandbox/harness"
)

const testUsage = `usage: sandpiper test [-v] [-run REGEX] [-junit FILE] [PATH ...]

Runs the Lua script tests in every *_test.toml under the PATHs (default .),
skipping folders named testdata or starting with . or _; a file named as a
PATH runs whatever its name. Each case feeds messages or lines to the script
and compares what it emits; docs/testing.md describes the format. The last
line counts the cases: "N passed, N failed". Exit status 0 when every case
passes, 1 when one fails, 2 when the arguments are wrong.

`

func runTest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandpiper test", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "print every case as it runs, passing ones too, with what the script printed and emitted")
	runExpr := fs.String("run", "", "run only the cases whose name matches `REGEX`")
	junit := fs.String("junit", "", "also write the results as JUnit XML to `FILE`")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sandpiper test: "+format+"\n", a...)
		return 2
	}
	paths, code, done := parseArgs(fs, testUsage, args, stdout, stderr)
	if done {
		return code
	}
	opts := harness.Options{Verbose: *verbose}
	var err error
	if *runExpr != "" {
		if opts.Run, err = regexp.Compile(*runExpr); err != nil {
			return fail("-run: %v", err)
		}
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := harness.Find(paths)
	if err != nil {
		return fail("%v", err)
	}
	if len(files) == 0 {
		return fail("no *%s under %s", harness.SpecSuffix, strings.Join(paths, " "))
	}
	// Create the report before running anything, so that a bad -junit
	// path is a usage error rather than a lost report after the run.
	var report *os.File
	if *junit != "" {
		if report, err = os.Create(*junit); err != nil {
			return fail("-junit: %v", err)
		}
		defer report.Close()
	}

	var results []harness.FileResult
	passed, failed := 0, 0
	for _, file := range files {
		res := harness.RunFile(file, opts)
		results = append(results, res)
		if res.Err != nil {
			failed++
			fmt.Fprintf(stdout, "--- FAIL: %s\n", file)
			writeIndented(stdout, res.Err.Error())
			fmt.Fprintf(stdout, "FAIL %s\n", file)
			continue
		}
		for _, c := range res.Cases {
			if *verbose {
				fmt.Fprintf(stdout, "=== RUN   %s: %s\n", file, c.Name)
			}
			if c.Passed {
				passed++
				if *verbose {
					fmt.Fprintf(stdout, "--- PASS: %s: %s (%.2fs)\n", file, c.Name, c.Elapsed.Seconds())
					writeIndented(stdout, c.Log...)
				}
				continue
			}
			failed++
			fmt.Fprintf(stdout, "--- FAIL: %s: %s (%.2fs)\n", file, c.Name, c.Elapsed.Seconds())
			writeIndented(stdout, c.Failures...)
			writeIndented(stdout, c.Log...)
		}
		if res.Failed() {
			fmt.Fprintf(stdout, "FAIL %s\n", file)
		} else {
			fmt.Fprintf(stdout, "ok  %s  (%s)\n", file, plural(len(res.Cases), "case"))
		}
	}
	code = 0
	if failed > 0 {
		code = 1
	}
	if report != nil {
		err := harness.WriteJUnit(report, results)
		if err == nil {
			err = report.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "sandpiper test: -junit %s: %v\n", *junit, err)
			code = 1
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	return code
}

// writeIndented writes each line of lines (which may hold several) under
// the case it belongs to, as go test indents a test's output.
func writeIndented(w io.Writer, lines ...string) {
	for _, l := range lines {
		for _, part := range strings.Split(strings.TrimRight(l, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", part)
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
