package tests

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// specs is the folder of the harness's own specs, passing and failing.
const specs = "../sandbox/harness/testdata"

// lastLine returns the last line of out, "" when there is none.
func lastLine(out []byte) string {
	l := lines(out)
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1]
}

func TestTestPasses(t *testing.T) {
	spec := specs + "/counts_test.toml"
	r := run(t, nil, "test", spec)
	want := []string{"ok  " + spec + "  (6 cases)", "6 passed, 0 failed"}
	if r.code != 0 || !slices.Equal(lines(r.stdout), want) || len(r.stderr) != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, want)
	}
}

func TestTestFails(t *testing.T) {
	spec := specs + "/fail_test.toml"
	r := run(t, nil, "test", spec, specs+"/kv_test.toml")
	out := string(r.stdout)
	if r.code != 1 || lastLine(r.stdout) != "4 passed, 9 failed" {
		t.Fatalf("exit %d, last line %q; want 1 and \"4 passed, 9 failed\":\n%s", r.code, lastLine(r.stdout), out)
	}
	for _, want := range []string{
		"\n--- FAIL: " + spec + ": wrong field value (",
		"s)\n    message 1: Fields.s_200: got 1, want 2\n    log: reporting\t1\tmessages\n",
		"\n    message 2: missing (1 emitted)\n",
		"\nFAIL " + spec + "\n",
		"\nok  " + specs + "/kv_test.toml  (4 cases)\n",
	} {
		if !strings.Contains("\n"+out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "=== RUN") || strings.Contains(out, "--- PASS") {
		t.Errorf("passing cases shown without -v:\n%s", out)
	}
}

func TestTestVerboseAndRun(t *testing.T) {
	spec := specs + "/counts_test.toml"
	// Options after the path, as cat takes them.
	r := run(t, nil, "test", spec, "-v", "-run", "^(inline|continue)")
	l := lines(r.stdout)
	if r.code != 0 || len(l) < 6 || lastLine(r.stdout) != "2 passed, 0 failed" {
		t.Fatalf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
	wantPrefixes := []string{
		"=== RUN   " + spec + ": inline messages",
		"--- PASS: " + spec + ": inline messages (",
		"    log: reporting\t2\tmessages",
		`    emitted 1: {"Uuid":`,
		"    stats: 3 calls, 0 errors, max ",
		"=== RUN   " + spec + ": continue keeps the counts",
	}
	for i, w := range wantPrefixes {
		if !strings.HasPrefix(l[i], w) {
			t.Errorf("line %d %q, want it to start with %q", i+1, l[i], w)
		}
	}
}

func TestTestBadSpec(t *testing.T) {
	spec := specs + "/bad/unknown_key_test.toml"
	r := run(t, nil, "test", spec)
	want := []string{
		"--- FAIL: " + spec,
		"    " + spec + `:10: unknown key "case.expct" in case 2`,
		"FAIL " + spec,
		"0 passed, 1 failed",
	}
	if r.code != 1 || !slices.Equal(lines(r.stdout), want) {
		t.Errorf("exit %d, stdout %q; want 1 and %q", r.code, lines(r.stdout), want)
	}
}

// TestTestDefaultPath runs `sandpiper test` with no path in a folder of
// specs: it searches ".", and skips testdata folders.
func TestTestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"counts.lua", "kv.lua", "kv_test.toml", "fixtures/kv.log"} {
		path := filepath.Join(dir, "sub", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, readFile(t, filepath.Join(specs, name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "x_test.toml"), []byte("not a spec"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "test")
	cmd.Dir = dir
	out, err := cmd.Output()
	want := []string{"ok  sub/kv_test.toml  (4 cases)", "4 passed, 0 failed"}
	if err != nil || !slices.Equal(lines(out), want) {
		t.Errorf("err %v, stdout %q; want %q", err, out, want)
	}
}

// TestTestUsageErrors: each is one line on stderr, nothing on stdout, and
// exit status 2.
func TestTestUsageErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown option", []string{"-bogus", specs}, "-bogus"},
		{"bad regex", []string{"-run", "(", specs}, "-run"},
		{"missing path", []string{specs + "/nope"}, "nope"},
		{"no spec found", []string{empty}, "no *_test.toml under " + empty},
		{"junit into a missing folder", []string{"-junit", filepath.Join(empty, "no", "r.xml"), specs + "/kv_test.toml"}, "-junit"},
		{"option without its value", []string{specs, "-run"}, "-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"test"}, tt.args...)...)
			if r.code != 2 || len(r.stdout) != 0 {
				t.Errorf("exit %d, stdout %q; want 2 and none", r.code, r.stdout)
			}
			if l := lines(r.stderr); len(l) != 1 || !strings.Contains(l[0], tt.want) {
				t.Errorf("stderr %q: want one line containing %q", r.stderr, tt.want)
			}
		})
	}
}

func TestTestHelp(t *testing.T) {
	r := run(t, nil, "test", "-h")
	if r.code != 0 || !strings.HasPrefix(string(r.stdout), "usage: sandpiper test") || !strings.Contains(string(r.stdout), "-junit") {
		t.Errorf("-h: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestTestJUnit checks that -junit writes a report that XML parsers read,
// with every case and its failure.
func TestTestJUnit(t *testing.T) {
	report := filepath.Join(t.TempDir(), "report.xml")
	r := run(t, nil, "test", "-junit", report, specs+"/kv_test.toml", specs+"/fail_test.toml", specs+"/bad/syntax_test.toml")
	if r.code != 1 || lastLine(r.stdout) != "4 passed, 10 failed" {
		t.Fatalf("exit %d, last line %q", r.code, lastLine(r.stdout))
	}
	type testcase struct {
		Name    string `xml:"name,attr"`
		Failure *struct {
			Message string `xml:"message,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
		Error *struct {
			Text string `xml:",chardata"`
		} `xml:"error"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []struct {
			Name  string     `xml:"name,attr"`
			Cases []testcase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data := readFile(t, report)
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("report does not parse: %v\n%s", err, data)
	}
	if doc.Tests != 14 || doc.Failures != 9 || doc.Errors != 1 || len(doc.Suites) != 3 {
		t.Fatalf("tests %d, failures %d, errors %d, suites %d; want 14, 9, 1, 3", doc.Tests, doc.Failures, doc.Errors, len(doc.Suites))
	}
	if s := doc.Suites[1]; s.Name != specs+"/fail_test.toml" || s.Cases[0].Failure == nil ||
		s.Cases[0].Failure.Message != "message 1: Fields.s_200: got 1, want 2" {
		t.Errorf("fail_test.toml suite: %+v", s)
	}
	if e := doc.Suites[2].Cases[0].Error; e == nil || !strings.Contains(e.Text, "syntax error") {
		t.Errorf("syntax_test.toml: %+v, want an error", doc.Suites[2].Cases[0])
	}
}
