package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sandpiper/core/message"
)

// nginxLine returns the nginx "combined" access log line numbered n: its
// request path, /item/n, tells it apart from every other line.
func nginxLine(n int) string {
	statuses := []int{200, 200, 304, 404, 500}
	return fmt.Sprintf("10.0.%d.%d - - [18/Jun/2018:09:%02d:%02d -0500] \"GET /item/%d HTTP/1.1\" %d %d \"-\" \"e2e/1.0\"\n",
		n/256%256, n%256, n/60%60, n%60, n, statuses[n%len(statuses)], 100+n%1000)
}

// nginxLines returns the lines numbered from to to-1.
func nginxLines(from, to int) string {
	var b strings.Builder
	for n := from; n < to; n++ {
		b.WriteString(nginxLine(n))
	}
	return b.String()
}

// itemNumbers returns the n of the /item/n path of each nginx.access
// message in recs, in their order.
func itemNumbers(t *testing.T, recs []record) []int {
	t.Helper()
	var ns []int
	for _, r := range recs {
		if r.msg.Type == "nginx.access" {
			ns = append(ns, itemNumber(t, r.msg))
		}
	}
	return ns
}

// itemNumber returns the n of the /item/n path of m.
func itemNumber(t *testing.T, m *message.Message) int {
	t.Helper()
	f := m.Field("path", 0)
	if f == nil || len(f.Strings) != 1 || !strings.HasPrefix(f.Strings[0], "/item/") {
		t.Fatalf("message without a /item/N path: %s", m.AppendJSON(nil))
	}
	n, err := strconv.Atoi(strings.TrimPrefix(f.Strings[0], "/item/"))
	if err != nil {
		t.Fatalf("path %q: %v", f.Strings[0], err)
	}
	return n
}

// checkExactlyOnce fails t unless ns holds every number from 0 to total-1
// exactly once, and the numbers of each file (a range of files[i] to
// files[i+1]-1) in increasing order.
func checkExactlyOnce(t *testing.T, ns []int, total int, files []int) {
	t.Helper()
	seen := make([]int, total)
	var unknown, missing, repeated []int
	for _, n := range ns {
		if n < 0 || n >= total {
			unknown = append(unknown, n)
			continue
		}
		seen[n]++
	}
	for n, c := range seen {
		switch {
		case c == 0:
			missing = append(missing, n)
		case c > 1:
			repeated = append(repeated, n)
		}
	}
	if len(unknown)+len(missing)+len(repeated) > 0 {
		t.Errorf("%d messages for %d lines: lines missing %v, delivered more than once %v, never written %v", len(ns), total, missing, repeated, unknown)
	}
	files = append(files, total)
	for i := 0; i+1 < len(files); i++ {
		last := -1
		for _, n := range ns {
			if n < files[i] || n >= files[i+1] {
				continue
			}
			if n <= last {
				t.Errorf("line %d delivered after line %d of the same file", n, last)
				break
			}
			last = n
		}
	}
}

const tailConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"
hostname = "e2e"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"
poll_interval = 50
rescan_interval = 200

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[status_summary]
type = "SandboxFilter"
filename = "filters/status_summary.lua"
message_matcher = "Type == 'nginx.access'"
ticker_interval = 1

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
path = "out/access.hpb"
flush_interval = 50
message_matcher = "Type == 'nginx.access'"
`

// TestDaemonTailRotateResumeExactlyOnce tails a log through its rotation
// by rename and by copytruncate, and across a restart with a half-written
// line pending: every line reaches the archive once, in the order of its
// file.
func TestDaemonTailRotateResumeExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	access := filepath.Join(logs, "access.log")
	archive := filepath.Join(dir, "out", "access.hpb")
	config := writeConfig(t, dir, tailConfig)
	env := []string{"E2E_DIR=" + dir}
	// Lines 0-199 are in the file renamed away, 200 and on in the new one.
	files := []int{0, 200}

	// delivered waits until the archive holds the lines 0 to n-1.
	delivered := func(d *daemonProcess, n int) {
		t.Helper()
		d.waitFor(fmt.Sprintf("%d lines in the archive", n), 15*time.Second, func() (bool, string) {
			recs, _ := readStream(t, archive)
			got := len(itemNumbers(t, recs))
			return got >= n, fmt.Sprintf("%d so far", got)
		})
	}

	appendFile(t, access, nginxLines(0, 100))
	d := startSandpiper(t, nil, env, "run", "-config", config)
	delivered(d, 100)

	// Rotation by rename, with lines written just before it that the
	// input may not have read yet.
	appendFile(t, access, nginxLines(100, 200))
	if err := os.Rename(access, access+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, access, nginxLines(200, 300))
	delivered(d, 300)

	// Rotation by copytruncate, once the input has read everything: what
	// a writer adds between the last read and the truncation is only in
	// the copy, for any tailer.
	appendFile(t, access, nginxLines(300, 350))
	delivered(d, 350)
	data, err := os.ReadFile(access)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(access+".2", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(access, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, access, nginxLines(350, 450))
	delivered(d, 450)

	// Half of line 450 without its newline: held until the newline comes,
	// which the next run reads.
	half := nginxLine(450)
	appendFile(t, access, half[:40])
	time.Sleep(200 * time.Millisecond)
	d.stop(20 * time.Second)
	ns := itemNumbers(t, readStreamDone(t, archive))
	checkExactlyOnce(t, ns, 450, files)
	wantLastSummary(t, filepath.Join(dir, "summaries.log"), 450)
	if t.Failed() {
		t.Fatalf("first run\nstderr:\n%s", d.stderr.String())
	}

	d = startSandpiper(t, nil, env, "run", "-config", config)
	appendFile(t, access, half[40:]+nginxLines(451, 500))
	delivered(d, 500)
	d.stop(20 * time.Second)
	ns = itemNumbers(t, readStreamDone(t, archive))
	checkExactlyOnce(t, ns, 500, files)
	wantLastSummary(t, filepath.Join(dir, "summaries.log"), 50)
	if t.Failed() {
		t.Logf("second run\nstderr:\n%s", d.stderr.String())
	}
}

// wantLastSummary fails t unless the last status summary in the file at
// path, the one the filter sends when the daemon stops, counts n requests.
func wantLastSummary(t *testing.T, path string, n int) {
	t.Helper()
	l := lines(readFile(t, path))
	want := fmt.Sprintf("requests %d ", n)
	if len(l) == 0 || !strings.HasPrefix(l[len(l)-1], want) {
		t.Errorf("%s: last summary %q, want it to start with %q", path, l[len(l)-1:], want)
	}
}

// TestDaemonJournalWhileIdle kills the daemon (SIGKILL, no clean stop)
// once its input has been idle for longer than the journal's save
// interval, a second: the lines it had archived by then are journaled,
// and the restarted daemon does not deliver them again.
func TestDaemonJournalWhileIdle(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	access := filepath.Join(logs, "access.log")
	archive := filepath.Join(dir, "out", "access.hpb")
	config := writeConfig(t, dir, tailConfig)
	env := []string{"E2E_DIR=" + dir}
	delivered := func(d *daemonProcess, n int) {
		t.Helper()
		d.waitFor(fmt.Sprintf("%d lines in the archive", n), 15*time.Second, func() (bool, string) {
			recs, _ := readStream(t, archive)
			got := len(itemNumbers(t, recs))
			return got >= n, fmt.Sprintf("%d so far", got)
		})
	}

	first := nginxLines(0, 30)
	appendFile(t, access, first)
	d := startSandpiper(t, nil, env, "run", "-config", config)
	delivered(d, 30)
	time.Sleep(1500 * time.Millisecond)
	d.signal(syscall.SIGUSR1)
	d.waitStderr(" archive ", 10*time.Second)
	want := fmt.Sprintf("offset access.log=%d ", len(first))
	if line := lineWith(d.stderr.String(), " access_logs "); !strings.Contains(line, want) {
		t.Errorf("report line %q: want %q, the end of the 30 lines archived", line, want)
	}
	d.signal(syscall.SIGKILL)
	d.wait(10 * time.Second)

	d = startSandpiper(t, nil, env, "run", "-config", config)
	appendFile(t, access, nginxLines(30, 40))
	delivered(d, 40)
	d.stop(20 * time.Second)
	checkExactlyOnce(t, itemNumbers(t, readStreamDone(t, archive)), 40, []int{0})
}
