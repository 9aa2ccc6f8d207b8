package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

// build builds a FileOutput from options, failing the test on error.
func build(t *testing.T, options string) *fileOutput {
	t.Helper()
	env := pipelinetest.Env(t, "out", "FileOutput")
	p, err := pipelinetest.Build(env, "FileOutput", options)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*fileOutput)
}

// start runs o on a framed protobuf runner and returns the runner and the
// channel Run's result arrives on.
func start(t *testing.T, ctx context.Context, o *fileOutput) (*pipelinetest.Output, <-chan error) {
	t.Helper()
	r := &pipelinetest.Output{Framing: true}
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx, r) }()
	return r, done
}

func stop(t *testing.T, r *pipelinetest.Output, done <-chan error) {
	t.Helper()
	r.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func packs(t *testing.T, from, to int) []*pipeline.Pack {
	var ps []*pipeline.Pack
	for i := from; i < to; i++ {
		ps = append(ps, pipelinetest.Pack(t, fmt.Sprintf(`{"Payload":"message %d","Fields":{"n":%d}}`, i, i)))
	}
	return ps
}

func payloads(t *testing.T, paths ...string) []string {
	t.Helper()
	var got []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pipelinetest.ReadFramed(t, b) {
			got = append(got, m.Payload)
		}
	}
	return got
}

func want(from, to int) []string {
	var w []string
	for i := from; i < to; i++ {
		w = append(w, fmt.Sprintf("message %d", i))
	}
	return w
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %d messages %q\nwant %d %q", len(got), got, len(want), want)
	}
}

// waitFor polls until cond holds, failing the test after 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWritesEveryMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := build(t, fmt.Sprintf("path = %q", path))
	r, done := start(t, context.Background(), o)
	r.Send(packs(t, 0, 3)...)
	r.Send(packs(t, 3, 10)...)
	r.Send()
	r.Send(packs(t, 10, 1000)...)
	stop(t, r, done)
	equal(t, payloads(t, path), want(0, 1000))
	figures := map[string]any{}
	o.Report(func(k string, v any) { figures[k] = v })
	fi, _ := os.Stat(path)
	if figures["messages_written"] != int64(1000) || figures["bytes_written"] != fi.Size() || figures["file_size"] != fi.Size() || figures["rotations"] != int64(0) {
		t.Errorf("report %v, file size %d", figures, fi.Size())
	}
}

func TestAppendsToExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	for run := 0; run < 2; run++ {
		o := build(t, fmt.Sprintf("path = %q", path))
		r, done := start(t, context.Background(), o)
		r.Send(packs(t, run*5, run*5+5)...)
		stop(t, r, done)
	}
	equal(t, payloads(t, path), want(0, 10))
}

func TestFlushByCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := build(t, fmt.Sprintf("path = %q\nflush_count = 3\nflush_interval = 0", path))
	r, done := start(t, context.Background(), o)
	r.Send(packs(t, 0, 2)...)
	// Run receives a batch only once it has handled the one before.
	r.Send()
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("2 messages of flush_count 3 reached the file: %v %v", fi.Size(), err)
	}
	r.Send(packs(t, 2, 3)...)
	r.Send()
	equal(t, payloads(t, path), want(0, 3))
	r.Send(packs(t, 3, 4)...)
	stop(t, r, done)
	equal(t, payloads(t, path), want(0, 4))
}

func TestFlushByInterval(t *testing.T) {
	for _, options := range []string{
		"flush_count = 1000\nflush_interval = 30\nflush_operator = \"OR\"",
		"flush_count = 1\nflush_interval = 30\nflush_operator = \"and\"",
	} {
		t.Run(options, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.log")
			o := build(t, fmt.Sprintf("path = %q\n%s", path, options))
			r, done := start(t, context.Background(), o)
			defer stop(t, r, done)
			r.Send(packs(t, 0, 2)...)
			waitFor(t, "the flush", func() bool { fi, err := os.Stat(path); return err == nil && fi.Size() > 0 })
			equal(t, payloads(t, path), want(0, 2))
		})
	}
}

func TestRotationBySize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log")
	one := len(pipelinetest.Pack(t, `{"Payload":"message 10","Fields":{"n":10}}`).Message.MarshalAppend(nil)) + 10
	max := 3 * one
	o := build(t, fmt.Sprintf("path = %q\nmax_file_size = %d", path, max))
	r, done := start(t, context.Background(), o)
	r.Send(packs(t, 10, 14)...)
	r.Send(packs(t, 14, 15)...)
	r.Send(packs(t, 15, 30)...)
	stop(t, r, done)

	rotated, err := filepath.Glob(path + ".*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rotated)
	if len(rotated) < 5 {
		t.Fatalf("%d rotated files for 20 messages of ~%d bytes in files of %d: %q", len(rotated), one, max, rotated)
	}
	all := append(rotated, path)
	for _, f := range all {
		fi, err := os.Stat(f)
		if err != nil || fi.Size() == 0 || fi.Size() > int64(max) {
			t.Errorf("%s: size %d, max_file_size %d, %v", f, fi.Size(), max, err)
		}
	}
	equal(t, payloads(t, all...), want(10, 30))
	figures := map[string]any{}
	o.Report(func(k string, v any) { figures[k] = v })
	if figures["rotations"] != int64(len(rotated)) {
		t.Errorf("report %v, %d rotated files", figures, len(rotated))
	}
}

func TestRotatedNamesSort(t *testing.T) {
	base := time.Date(2026, 11, 28, 9, 59, 59, 999999999, time.UTC)
	names := []string{rotatedName("x", base), rotatedName("x", base.Add(time.Nanosecond)), rotatedName("x", base.Add(time.Hour))}
	if !sort.StringsAreSorted(names) || names[1] != "x.20261128T100000.000000000Z" {
		t.Errorf("names %q", names)
	}
	if d := nextRotation(base, 4*time.Hour); d != time.Nanosecond+2*time.Hour {
		t.Errorf("next 4-hour rotation after %v in %v", base, d)
	}
}

func TestReopenOnSIGHUP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := build(t, fmt.Sprintf("path = %q\nflush_interval = 0", path))
	signals := make(chan chan<- os.Signal, 1)
	stopped := make(chan struct{})
	o.notify = func(c chan<- os.Signal) func() {
		signals <- c
		return func() { close(stopped) }
	}
	r, done := start(t, context.Background(), o)
	hup := <-signals
	r.Send(packs(t, 0, 2)...)
	r.Send(packs(t, 2, 3)...)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	r.Send(packs(t, 3, 4)...)
	hup <- syscall.SIGHUP
	waitFor(t, "the reopened file", func() bool { return exists(path) })
	r.Send(packs(t, 4, 6)...)
	stop(t, r, done)
	<-stopped
	equal(t, payloads(t, path+".1"), want(0, 4))
	equal(t, payloads(t, path), want(4, 6))
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "out.log")
	o := build(t, fmt.Sprintf("path = %q\nperm = \"604\"\nfolder_perm = \"751\"", path))
	r, done := start(t, context.Background(), o)
	r.Send(packs(t, 0, 1)...)
	stop(t, r, done)
	for _, c := range []struct {
		path string
		perm os.FileMode
	}{{path, 0o604}, {dir, 0o751}, {filepath.Dir(dir), 0o751}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.perm {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode().Perm(), c.perm)
		}
	}
}

func TestRelativePath(t *testing.T) {
	env := pipelinetest.Env(t, "out", "FileOutput")
	p, err := pipelinetest.Build(env, "FileOutput", `path = "logs/out.log"`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.(*fileOutput).path, filepath.Join(env.ConfigDir, "logs", "out.log"); got != want {
		t.Errorf("path %q, want %q", got, want)
	}
}

func TestWriteErrorsAreCounted(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	o := build(t, `path = "/dev/full"`+"\nflush_interval = 0")
	r, done := start(t, context.Background(), o)
	r.Send(packs(t, 0, 3)...)
	r.Send(packs(t, 3, 5)...)
	stop(t, r, done)
	if r.DroppedCount() != 5 {
		t.Errorf("dropped %d of 5", r.DroppedCount())
	}
	logs := strings.Join(r.Logs(), "\n")
	if !strings.Contains(logs, "write /dev/full") || !strings.Contains(logs, "3 messages dropped") {
		t.Errorf("logs %q", logs)
	}
}

func TestCancelWritesWhatIsBuffered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	o := build(t, fmt.Sprintf("path = %q\nflush_count = 100\nflush_interval = 0", path))
	ctx, cancel := context.WithCancel(context.Background())
	r, done := start(t, ctx, o)
	r.Send(packs(t, 0, 3)...)
	r.Send()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	equal(t, payloads(t, path), want(0, 3))
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct{ options, err string }{
		{``, `out: path is required`},
		{`path = "x"` + "\nperm = \"abc\"", `out: perm "abc"`},
		{`path = "x"` + "\nperm = \"1777\"", `out: perm "1777"`},
		{`path = "x"` + "\nfolder_perm = \"8\"", `out: folder_perm "8"`},
		{`path = "x"` + "\nflush_operator = \"XOR\"", `out: flush_operator "XOR": must be AND or OR`},
		{`path = "x"` + "\nflush_interval = -1", `out: flush_interval -1`},
		{`path = "x"` + "\nflush_count = -1", `out: flush_count -1`},
		{`path = "x"` + "\nrotation_interval = 2", `out: rotation_interval 2`},
		{`path = "x"` + "\nmax_file_size = -5", `out: max_file_size -5`},
		{`path = "x"` + "\nfilename = \"y\"", `unknown option "filename"`},
	} {
		_, err := pipelinetest.Build(pipelinetest.Env(t, "out", "FileOutput"), "FileOutput", c.options)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want %q", c.options, err, c.err)
		}
	}
}

// BenchmarkWrite measures writing batches of 100 messages; with the raw
// protobuf form and no framing the runner allocates nothing, so the
// allocations reported are the output's own.
func BenchmarkWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "out.log")
	p, err := pipelinetest.Build(pipelinetest.Env(b, "out", "FileOutput"), "FileOutput", fmt.Sprintf("path = %q\nflush_count = 1000", path))
	if err != nil {
		b.Fatal(err)
	}
	o := p.(*fileOutput)
	batch := make([]*pipeline.Pack, 100)
	for i := range batch {
		pk := pipelinetest.Pack(b, fmt.Sprintf(`{"Payload":"message %d","Fields":{"n":%d}}`, i, i))
		pk.Raw = pk.Message.MarshalAppend(nil)
		batch[i] = pk
	}
	r := &pipelinetest.Output{}
	done := make(chan error, 1)
	go func() { done <- o.Run(context.Background(), r) }()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Send(batch...)
	}
	r.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
