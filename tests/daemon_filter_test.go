package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const runawayConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"
hostname = "e2e"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"
poll_interval = 50

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[runaway]
type = "SandboxFilter"
filename = "%ENV[E2E_SCRIPTS]/runaway.lua"
instruction_limit = 1000
message_matcher = "Type == 'nginx.access'"

[status_summary]
type = "SandboxFilter"
filename = "filters/status_summary.lua"
message_matcher = "Type == 'nginx.access'"
ticker_interval = 1

[terminations]
type = "FileOutput"
path = "terminations.hpb"
flush_interval = 50
message_matcher = "Type == 'heka.sandbox-terminated' && Fields[plugin] == 'runaway'"

[payload]
type = "PayloadEncoder"

[summaries]
type = "FileOutput"
path = "summaries.log"
encoder = "payload"
use_framing = false
flush_interval = 50
message_matcher = "Type == 'heka.sandbox-output' && Fields[payload_name] == 'status_summary'"

[archive]
type = "FileOutput"
path = "access.hpb"
flush_interval = 50
message_matcher = "Type == 'nginx.access'"
`

// TestDaemonRunawayFilterTerminated runs a filter that loops for ever
// beside a healthy one: the runaway is terminated at its instruction_limit
// and reported, and everything else goes on until SIGTERM.
func TestDaemonRunawayFilterTerminated(t *testing.T) {
	dir := t.TempDir()
	scripts, err := filepath.Abs("testdata/daemon")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	access := filepath.Join(dir, "logs", "access.log")
	archive := filepath.Join(dir, "access.hpb")
	appendFile(t, access, nginxLines(0, 100))
	d := startSandpiper(t, nil, []string{"E2E_DIR=" + dir, "E2E_SCRIPTS=" + scripts},
		"run", "-config", writeConfig(t, dir, runawayConfig))

	d.waitStderr("runaway: terminated:", 10*time.Second)
	if line := lineWith(d.stderr.String(), "runaway: terminated:"); !strings.Contains(line, "instruction_limit exceeded") {
		t.Errorf("termination logged as %q, want it to say instruction_limit exceeded", line)
	}
	terminations := filepath.Join(dir, "terminations.hpb")
	d.waitFor("a heka.sandbox-terminated message", 10*time.Second, func() (bool, string) {
		recs, _ := readStream(t, terminations)
		return len(recs) > 0, "none yet"
	})

	// The rest of the pipeline goes on after the termination.
	appendFile(t, access, nginxLines(100, 200))
	d.waitFor("200 lines in the archive", 10*time.Second, func() (bool, string) {
		recs, _ := readStream(t, archive)
		return len(recs) >= 200, fmt.Sprintf("%d so far", len(recs))
	})
	d.stop(20 * time.Second)

	recs := readStreamDone(t, terminations)
	if len(recs) != 1 {
		t.Fatalf("%d heka.sandbox-terminated messages, want 1", len(recs))
	}
	m := recs[0].msg
	if f := m.Field("plugin", 0); m.Type != "heka.sandbox-terminated" || f == nil || len(f.Strings) != 1 || f.Strings[0] != "runaway" ||
		!strings.Contains(m.Payload, "instruction_limit exceeded") {
		t.Errorf("termination message %s: want Type heka.sandbox-terminated, Fields[plugin] runaway, and the error as Payload", m.AppendJSON(nil))
	}
	checkExactlyOnce(t, itemNumbers(t, readStreamDone(t, archive)), 200, []int{0})
	wantLastSummary(t, filepath.Join(dir, "summaries.log"), 200)
	if t.Failed() {
		t.Logf("stderr:\n%s", d.stderr.String())
	}
}

// lineWith returns the first line of text that holds s, "" when none does.
func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

const reportConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"
poll_interval = 50

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[status_counts]
type = "SandboxFilter"
filename = "filters/status_summary.lua"
message_matcher = "Type == 'nginx.access'"

[archive]
type = "FileOutput"
path = "access.hpb"
flush_interval = 50
message_matcher = "Type == 'nginx.access'"
`

// TestDaemonReportOnSIGUSR1 sends SIGUSR1 to a running daemon: it prints a
// report with a line for each plugin and its counters, and goes on.
func TestDaemonReportOnSIGUSR1(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, "logs", "access.log"), nginxLines(0, 30))
	d := startSandpiper(t, nil, []string{"E2E_DIR=" + dir}, "run", "-config", writeConfig(t, dir, reportConfig))
	archive := filepath.Join(dir, "access.hpb")
	d.waitFor("30 lines in the archive", 10*time.Second, func() (bool, string) {
		recs, _ := readStream(t, archive)
		return len(recs) >= 30, fmt.Sprintf("%d so far", len(recs))
	})

	d.signal(syscall.SIGUSR1)
	d.waitStderr("sandpiper report:", 10*time.Second)
	// The report's lines are written one by one: wait for the last plugin.
	d.waitFor("the report's line of archive", 10*time.Second, func() (bool, string) {
		return strings.Contains(d.stderr.String(), " archive "), "not yet"
	})
	report := d.stderr.String()
	report = report[strings.Index(report, "sandpiper report:"):]
	if !strings.Contains(lineWith(report, "sandpiper report:"), "4 plugins") {
		t.Errorf("report header %q, want it to count 4 plugins", lineWith(report, "sandpiper report:"))
	}
	for _, plugin := range []struct{ kind, name, counter string }{
		{"input", "access_logs", "=30"},
		{"decoder", "nginx_access", "="},
		{"filter", "status_counts", "processed=30"},
		{"output", "archive", "=30"},
	} {
		line := lineWith(report, " "+plugin.name+" ")
		if !strings.Contains(line, plugin.kind) || !strings.Contains(line, plugin.counter) {
			t.Errorf("report line of %s %q: want the kind %q and a counter %q", plugin.name, line, plugin.kind, plugin.counter)
		}
	}
	if !d.running() {
		t.Fatalf("the daemon exited after SIGUSR1\nstderr:\n%s", d.stderr.String())
	}
	d.stop(20 * time.Second)
	if t.Failed() {
		t.Logf("stderr:\n%s", d.stderr.String())
	}
}
