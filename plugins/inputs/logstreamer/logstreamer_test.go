package logstreamer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	_ "sandpiper/plugins/splitters/token"
)

// harness runs LogstreamerInputs named "logs" on one log directory and one
// base_dir, as successive runs of a daemon.
type harness struct {
	t       *testing.T
	dir     string // log_directory
	baseDir string
	options string
}

func newHarness(t *testing.T, options string) *harness {
	return &harness{t: t, dir: t.TempDir(), baseDir: t.TempDir(), options: options}
}

func (h *harness) build() (*Input, error) {
	env := pipelinetest.Env(h.t, "logs", "LogstreamerInput")
	env.Globals.BaseDir = h.baseDir
	p, err := pipelinetest.Build(env, "LogstreamerInput", fmt.Sprintf("log_directory = %q\n%s", h.dir, h.options))
	if err != nil {
		return nil, err
	}
	return p.(*Input), nil
}

// start runs an input and returns its runner and a stop function that
// cancels it and waits for Run.
func (h *harness) start() (*pipelinetest.Input, func()) {
	h.t.Helper()
	return h.startWith(nil)
}

// startWith is start with a splitter of the test's choice.
func (h *harness) startWith(sp pipeline.Splitter) (*pipelinetest.Input, func()) {
	h.t.Helper()
	in, err := h.build()
	if err != nil {
		h.t.Fatal(err)
	}
	r := &pipelinetest.Input{Splitter: sp}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, r) }()
	return r, func() {
		h.t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Fatalf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			h.t.Fatal("Run did not return after cancel")
		}
	}
}

func (h *harness) tokenSplitter() pipeline.Splitter {
	h.t.Helper()
	sp, err := pipelinetest.Build(pipelinetest.Env(h.t, "lines", "TokenSplitter"), "TokenSplitter", "")
	if err != nil {
		h.t.Fatal(err)
	}
	return sp.(pipeline.Splitter)
}

// runToEnd runs an input with follow = false, which must finish by itself.
func (h *harness) runToEnd() *pipelinetest.Input {
	h.t.Helper()
	in, err := h.build()
	if err != nil {
		h.t.Fatal(err)
	}
	r := &pipelinetest.Input{}
	done := make(chan error, 1)
	go func() { done <- in.Run(context.Background(), r) }()
	select {
	case err := <-done:
		if err != nil {
			h.t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		h.t.Fatal("Run with follow = false did not finish")
	}
	return r
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func (h *harness) write(name, text string) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Dir(h.path(name)), 0o755); err != nil {
		h.t.Fatal(err)
	}
	f, err := os.OpenFile(h.path(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		h.t.Fatal(err)
	}
}

// lines returns "<prefix> <i>\n" for i in [from, to).
func lines(prefix string, from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "%s %d\n", prefix, i)
	}
	return b.String()
}

func split(text string) []string { return strings.Split(strings.TrimSuffix(text, "\n"), "\n") }

// waitExactly waits for want's messages, then a little longer to see that no
// more (a duplicate) come, and compares.
func waitExactly(t *testing.T, r *pipelinetest.Input, want []string) {
	t.Helper()
	r.WaitFor(t, len(want), 5*time.Second)
	time.Sleep(150 * time.Millisecond)
	if got := r.Payloads(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d messages %q,\nwant %d %q", len(got), got, len(want), want)
	}
}

const follow = "file_match = 'app\\.log'\npoll_interval = 20\nrescan_interval = 100\n"

func TestOptions(t *testing.T) {
	tests := []struct {
		options string
		err     string
	}{
		{"file_match = 'x'", ""},
		{"file_match = 'x'\nfollow = false\noldest_duration = '720h'\ninitial_tail = true\nlogger = 'l'\nhostname = 'h'\njournal_directory = 'j'", ""},
		{"", "logs: file_match is required"},
		{"file_match = '('", `logs: file_match "(": error parsing regexp: missing closing ): ` + "`(`"},
		{"file_match = 'x'\nrescan_interval = 0", "logs: rescan_interval 0"},
		{"file_match = 'x'\npoll_interval = -1", "logs: poll_interval -1"},
		{"file_match = 'x'\noldest_duration = '30'", `logs: oldest_duration "30"`},
		{"file_match = 'x'\nfollow = 'yes'", "logs: toml"},
	}
	h := newHarness(t, "")
	for _, tc := range tests {
		h.options = tc.options
		_, err := h.build()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.options, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one starting %q", tc.options, err, tc.err)
		}
	}
	env := pipelinetest.Env(t, "logs", "LogstreamerInput")
	if _, err := pipelinetest.Build(env, "LogstreamerInput", "file_match = 'x'"); err == nil || err.Error() != "logs: log_directory is required" {
		t.Errorf("no log_directory: %v", err)
	}
}

func TestFileMatchAnchoredAtEnd(t *testing.T) {
	tests := []struct {
		match string
		want  []string // the files read, by Logger
	}{
		{`\.log`, []string{"a.log", "sub/c.log"}},
		{`a\.log`, []string{"a.log"}},
		{`a\.log(\.\d+)?`, []string{"a.log", "a.log.1"}},
		{`^sub/.*`, []string{"sub/c.log", "sub/d.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.match, func(t *testing.T) {
			h := newHarness(t, fmt.Sprintf("file_match = '%s'\nfollow = false", tc.match))
			for _, name := range []string{"a.log", "a.log.1", "b.txt", "sub/c.log", "sub/d.txt"} {
				h.write(name, name+" line\n")
			}
			var got []string
			for _, p := range h.runToEnd().Packs() {
				if p.Message.Payload != p.Message.Logger+" line" {
					t.Errorf("Logger %q, payload %q", p.Message.Logger, p.Message.Payload)
				}
				got = append(got, p.Message.Logger)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBatchReadsToEndAndResumes(t *testing.T) {
	h := newHarness(t, "file_match = 'app\\.log'\nfollow = false")
	h.write("app.log", "one\ntwo\nthree without newline")
	r := h.runToEnd()
	want := []string{"one", "two", "three without newline"}
	if got := r.Payloads(); !reflect.DeepEqual(got, want) {
		t.Fatalf("first run: %q, want %q", got, want)
	}
	if got := h.runToEnd().Payloads(); len(got) != 0 {
		t.Fatalf("second run read %q again", got)
	}
	h.write("app.log", "\nfour\n")
	want = []string{"", "four"}
	if got := h.runToEnd().Payloads(); !reflect.DeepEqual(got, want) {
		t.Fatalf("third run: %q, want %q", got, want)
	}
}

func TestAppendWhileTailing(t *testing.T) {
	h := newHarness(t, follow)
	h.write("app.log", "first\n")
	r, stop := h.start()
	defer stop()
	r.WaitFor(t, 1, 5*time.Second)
	h.write("app.log", "partial")
	time.Sleep(200 * time.Millisecond)
	if got := r.Payloads(); len(got) != 1 {
		t.Fatalf("a line without its newline was emitted: %q", got)
	}
	h.write("app.log", " line\n"+lines("more", 0, 100))
	waitExactly(t, r, append([]string{"first", "partial line"}, split(lines("more", 0, 100))...))
}

func TestNewFilesPickedUp(t *testing.T) {
	h := newHarness(t, "file_match = '\\.log'\npoll_interval = 20\nrescan_interval = 50")
	r, stop := h.start()
	defer stop()
	h.write("later/b.log", "b\n")
	r.WaitFor(t, 1, 5*time.Second)
	if p := r.Packs()[0].Message; p.Payload != "b" || p.Logger != "later/b.log" {
		t.Errorf("message %q from %q", p.Payload, p.Logger)
	}
}

func TestRotateByRename(t *testing.T) {
	h := newHarness(t, follow)
	h.write("app.log", lines("old", 0, 50))
	r, stop := h.start()
	defer stop()
	r.WaitFor(t, 10, 5*time.Second)
	// The writer goes on writing the old file until the rename, then
	// creates the new one.
	h.write("app.log", lines("old", 50, 100))
	if err := os.Rename(h.path("app.log"), h.path("app.log.1")); err != nil {
		t.Fatal(err)
	}
	h.write("app.log", lines("new", 0, 50))
	r.WaitFor(t, 120, 5*time.Second)
	h.write("app.log", lines("new", 50, 100))
	waitExactly(t, r, split(lines("old", 0, 100)+lines("new", 0, 100)))
}

func TestCopyTruncate(t *testing.T) {
	tests := []struct {
		name  string
		after string // written at once after the truncation
	}{
		{"shorter", lines("new", 0, 3)},
		// Longer than what was read: only the changed head shows the
		// truncation once the file has grown past the old offset.
		{"longer", lines("new", 0, 40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, follow)
			h.write("app.log", lines("old", 0, 20))
			r, stop := h.start()
			defer stop()
			r.WaitFor(t, 20, 5*time.Second)
			if err := os.WriteFile(h.path("app.log"), []byte(tc.after), 0o644); err != nil {
				t.Fatal(err)
			}
			waitExactly(t, r, split(lines("old", 0, 20)+tc.after))
		})
	}
}

// TestRestartFromJournal stops an input while a line is half written. It
// uses the daemon's TokenSplitter: pipelinetest's splitter returns the
// bytes read before a read error as a record, the daemon's does not.
func TestRestartFromJournal(t *testing.T) {
	h := newHarness(t, follow)
	h.write("app.log", lines("a", 0, 30))
	r, stop := h.startWith(h.tokenSplitter())
	r.WaitFor(t, 30, 5*time.Second)
	h.write("app.log", "half of a line")
	time.Sleep(100 * time.Millisecond)
	stop()
	if got := r.Payloads(); !reflect.DeepEqual(got, split(lines("a", 0, 30))) {
		t.Fatalf("first run: %q", got)
	}
	if _, err := os.Stat(filepath.Join(h.baseDir, "logstreamer", "logs.json")); err != nil {
		t.Fatalf("journal: %v", err)
	}
	h.write("app.log", ", its end\n"+lines("b", 0, 20))
	r, stop = h.startWith(h.tokenSplitter())
	defer stop()
	waitExactly(t, r, append([]string{"half of a line, its end"}, split(lines("b", 0, 20))...))
}

func TestRotatedWhileStopped(t *testing.T) {
	h := newHarness(t, "file_match = 'app\\.log(\\.1)?'\nfollow = false")
	h.write("app.log", lines("old", 0, 10))
	h.runToEnd()
	h.write("app.log", lines("old", 10, 15))
	if err := os.Rename(h.path("app.log"), h.path("app.log.1")); err != nil {
		t.Fatal(err)
	}
	h.write("app.log", lines("new", 0, 5))
	var got []string
	for _, p := range h.runToEnd().Packs() {
		got = append(got, p.Message.Logger+": "+p.Message.Payload)
	}
	sort.Strings(got)
	var want []string
	for _, l := range split(lines("new", 0, 5)) {
		want = append(want, "app.log: "+l)
	}
	for _, l := range split(lines("old", 10, 15)) {
		want = append(want, "app.log.1: "+l)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q,\nwant %q", got, want)
	}
}

func TestCorruptJournal(t *testing.T) {
	for _, text := range []string{"{not json", `{"version":9,"files":[]}`, `{"version":1,"files":[{"path":"app.log","offset":-4}]}`} {
		h := newHarness(t, "file_match = 'app\\.log'\nfollow = false")
		h.write("app.log", "one\ntwo\n")
		jpath := filepath.Join(h.baseDir, "logstreamer", "logs.json")
		if err := os.MkdirAll(filepath.Dir(jpath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(jpath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		r := h.runToEnd()
		if got := r.Payloads(); !reflect.DeepEqual(got, []string{"one", "two"}) {
			t.Errorf("%s: read %q, want every line", text, got)
		}
		if logs := r.Logs(); len(logs) == 0 || !strings.Contains(logs[0], "journal") {
			t.Errorf("%s: logs %q, want the corrupt journal logged", text, logs)
		}
		if got := h.runToEnd().Payloads(); len(got) != 0 {
			t.Errorf("%s: the journal written over the corrupt one was not used: read %q again", text, got)
		}
	}
}

func TestReport(t *testing.T) {
	h := newHarness(t, follow)
	h.write("app.log", "one\n")
	in, err := h.build()
	if err != nil {
		t.Fatal(err)
	}
	r := &pipelinetest.Input{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, r) }()
	r.WaitFor(t, 1, 5*time.Second)
	var rep pipeline.Reporter = in
	got := map[string]any{}
	rep.Report(func(k string, v any) { got[k] = v })
	cancel()
	<-done
	want := map[string]any{"files": 1, "offset app.log": int64(4), "rotations": int64(0), "truncations": int64(0)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report %v, want %v", got, want)
	}
}

// initial_tail: a file the journal does not know, found by the first look,
// is read from its end; what is added later is read.
func TestInitialTail(t *testing.T) {
	h := newHarness(t, "file_match = 'app\\.log'\nfollow = false\ninitial_tail = true")
	h.write("app.log", "before start\n")
	if got := h.runToEnd().Payloads(); len(got) != 0 {
		t.Fatalf("initial_tail read %q, want nothing", got)
	}
	h.write("app.log", "after\n")
	if got, want := h.runToEnd().Payloads(), []string{"after"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("second run read %q, want %q", got, want)
	}
}

// oldest_duration: a file not modified within it is not read.
func TestOldestDuration(t *testing.T) {
	h := newHarness(t, "file_match = '\\.log'\nfollow = false\noldest_duration = '1h'")
	h.write("old.log", "old\n")
	h.write("new.log", "new\n")
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(h.path("old.log"), past, past); err != nil {
		t.Fatal(err)
	}
	if got, want := h.runToEnd().Payloads(), []string{"new"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
}

// logger and hostname replace the file's path and the daemon's host name.
func TestLoggerAndHostname(t *testing.T) {
	h := newHarness(t, "file_match = 'app\\.log'\nfollow = false\nlogger = 'web'\nhostname = 'h1'")
	h.write("app.log", "one\n")
	packs := h.runToEnd().Packs()
	if len(packs) != 1 {
		t.Fatalf("got %d messages, want 1", len(packs))
	}
	if m := packs[0].Message; m.Logger != "web" || m.Hostname != "h1" {
		t.Errorf("Logger %q Hostname %q, want web and h1", m.Logger, m.Hostname)
	}
}
