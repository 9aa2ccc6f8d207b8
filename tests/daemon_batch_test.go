package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sandpiper/core/message"
)

const batchConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"
follow = false

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[archive]
type = "FileOutput"
path = "access.hpb"
message_matcher = "Type == 'nginx.access'"
`

// batchLines is the size of the generated log; set lower with -short.
const batchLines = 200_000

// TestDaemonBatchExitsByItself reads a large log with follow = false: the
// daemon exits by itself once everything is archived, one message per
// line.
func TestDaemonBatchExitsByItself(t *testing.T) {
	n := batchLines
	if testing.Short() {
		n = 20_000
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, "logs", "access.log"), nginxLines(0, n))

	start := time.Now()
	d := startSandpiper(t, nil, []string{"E2E_DIR=" + dir}, "run", "-config", writeConfig(t, dir, batchConfig))
	if code := d.wait(60 * time.Second); code != 0 {
		t.Fatalf("exit status %d, want 0\nstderr:\n%s", code, d.stderr.String())
	}
	t.Logf("%d lines decoded and archived in %v", n, time.Since(start).Round(time.Millisecond))
	if !strings.Contains(d.stderr.String(), "every input has finished") {
		t.Errorf("the daemon did not say it stopped because its inputs finished\nstderr:\n%s", d.stderr.String())
	}
	var ns []int
	archive := filepath.Join(dir, "access.hpb")
	skipped := eachRecord(t, archive, func(_ []byte, m *message.Message) {
		ns = append(ns, itemNumber(t, m))
	})
	if skipped != 0 {
		t.Errorf("%s: %d bytes outside valid records", archive, skipped)
	}
	if len(ns) != n {
		t.Fatalf("archived %d messages, want %d\nstderr:\n%s", len(ns), n, d.stderr.String())
	}
	checkExactlyOnce(t, ns, n, []int{0})
}

const stdinConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"

[stdin]
type = "StdinInput"
decoder = "levels"

[levels]
type = "PayloadRegexDecoder"
match_regex = '^(?P<Severity>[A-Z]+) (?P<Component>\w+): (?P<Text>.*)$'
severity_map = { ERROR = 3, WARN = 4, INFO = 6 }

    [levels.message_fields]
    Type = "app.log"
    Payload = "%Component% says %Text%"
    component = "%Component%"

[console]
type = "LogOutput"
message_matcher = "Type == 'app.log' && Severity <= 4"
`

// TestDaemonStdinToEOF reads standard input to its end through a
// PayloadRegexDecoder to a LogOutput, and exits by itself.
func TestDaemonStdinToEOF(t *testing.T) {
	dir := t.TempDir()
	in := "INFO db: connected\nERROR db: connection lost\nWARN web: slow request\nnot a log line\nINFO web: ready\nERROR web: 502 from upstream"
	d := startSandpiper(t, strings.NewReader(in), []string{"E2E_DIR=" + dir}, "run", "-config", writeConfig(t, dir, stdinConfig))
	if code := d.wait(20 * time.Second); code != 0 {
		t.Fatalf("exit status %d, want 0\nstderr:\n%s", code, d.stderr.String())
	}
	want := "db says connection lost\nweb says slow request\nweb says 502 from upstream\n"
	if got := d.stdout.String(); got != want {
		t.Errorf("stdout %q, want %q\nstderr:\n%s", got, want, d.stderr.String())
	}
	if got := d.stderr.String(); !strings.Contains(got, `match_regex does not match "not a log line"`) {
		t.Errorf("the line that does not match is not logged\nstderr:\n%s", got)
	}
}
