// Package tests holds the end-to-end tests: they build bin/sandpiper's code
// into a temporary binary and run it the way a user does.
package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the path of the sandpiper binary that TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sandpiper-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sandpiper")
	build := exec.Command("go", "build", "-o", binary, "sandpiper/cmd/sandpiper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sandpiper: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary left behind.
type result struct {
	stdout, stderr []byte
	code           int
}

// run runs the binary with args and stdin, and fails t if it could not start.
func run(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running sandpiper %s: %v", strings.Join(args, " "), err)
		}
		code = exitErr.ExitCode()
	}
	return result{stdout.Bytes(), stderr.Bytes(), code}
}
