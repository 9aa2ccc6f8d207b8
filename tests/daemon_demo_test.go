package tests

import (
	"os"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// summaryLine is a line of filters/status_summary.lua's output.
var summaryLine = regexp.MustCompile(`(?m)^requests [0-9]+ \+[0-9]+ .*\| 2xx [0-9]+ \+[0-9]+ \|`)

// TestDaemonDemo runs `sandpiper run` without a configuration: the demo
// prints a status summary within seconds and exits 0 on SIGINT, leaving
// nothing in the temporary directory.
func TestDaemonDemo(t *testing.T) {
	tmp := t.TempDir()
	d := startSandpiper(t, nil, []string{"TMPDIR=" + tmp}, "run")
	d.waitFor("a status summary on stdout", 8*time.Second, func() (bool, string) {
		return summaryLine.MatchString(d.stdout.String()), "stdout: " + d.stdout.String()
	})
	d.signal(syscall.SIGINT)
	if code := d.wait(20 * time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGINT, want 0\nstderr:\n%s", code, d.stderr.String())
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("the demo left %v in its temporary directory (%v)", entries, err)
	}
}
