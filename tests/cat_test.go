package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sandpiper/core/framing"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// wantSummary fails t unless stderr's last line is the summary given.
func wantSummary(t *testing.T, r result, read, matched, bad, skipped int) {
	t.Helper()
	want := "sandpiper cat: " + strconv.Itoa(read) + " records read, " + strconv.Itoa(matched) + " matched, " +
		strconv.Itoa(bad) + " bad, " + strconv.Itoa(skipped) + " bytes skipped"
	l := lines(r.stderr)
	if len(l) == 0 || l[len(l)-1] != want {
		t.Errorf("stderr ends %q, want summary %q", r.stderr, want)
	}
}

func TestCatFramedToJSONIsExact(t *testing.T) {
	r := run(t, nil, "cat", sampleStream)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !bytes.Equal(r.stdout, readFile(t, sampleJSON)) {
		t.Errorf("cat %s differs from %s", sampleStream, sampleJSON)
	}
	wantSummary(t, r, 405, 405, 0, 0)
}

func TestCatRoundTripThroughStdin(t *testing.T) {
	json := readFile(t, sampleJSON)
	framed := run(t, json, "cat", "-input", "json", "-format", "framed")
	if framed.code != 0 {
		t.Fatalf("json to framed: exit %d: %s", framed.code, framed.stderr)
	}
	back := run(t, framed.stdout, "cat", "-")
	if back.code != 0 || !bytes.Equal(back.stdout, json) {
		t.Fatalf("json → framed → json is not exact (exit %d): %s", back.code, back.stderr)
	}
	again := run(t, framed.stdout, "cat", "-format", "framed")
	if again.code != 0 || !bytes.Equal(again.stdout, framed.stdout) {
		t.Errorf("framed → framed changed the bytes (exit %d): %s", again.code, again.stderr)
	}
	wantSummary(t, again, 405, 405, 0, 0)
}

func TestCatMatchAndLimit(t *testing.T) {
	var want404 []string
	for _, l := range lines(readFile(t, sampleJSON)) {
		if strings.Contains(l, `"status":404`) {
			want404 = append(want404, l)
		}
	}
	if len(want404) != 253 {
		t.Fatalf("the sample has %d lines with status 404, want 253", len(want404))
	}
	r := run(t, nil, "cat", "-match", "Fields[status] >= 400 && Type == 'nginx.access'", sampleStream)
	if got := lines(r.stdout); strings.Join(got, "\n") != strings.Join(want404, "\n") {
		t.Errorf("matched %d lines, want the %d with status 404", len(got), len(want404))
	}
	wantSummary(t, r, 405, 253, 0, 0)

	r = run(t, nil, "cat", "-n", "5", "-match", "Fields[status] == 404", sampleStream)
	if got := lines(r.stdout); r.code != 0 || strings.Join(got, "\n") != strings.Join(want404[:5], "\n") {
		t.Errorf("-n 5 wrote %d lines (exit %d), want the first 5 matches", len(got), r.code)
	}
	wantSummary(t, r, indexOf(t, want404[4]), 5, 0, 0)
}

// indexOf returns the number of sample lines up to and including line.
func indexOf(t *testing.T, line string) int {
	for i, l := range lines(readFile(t, sampleJSON)) {
		if l == line {
			return i + 1
		}
	}
	t.Fatalf("line not in the sample: %s", line)
	return 0
}

// records returns the sample's messages, each as protobuf bytes.
func records(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	fr := framing.NewReader(bytes.NewReader(readFile(t, sampleStream)), framing.ReaderOptions{})
	for {
		rec, err := fr.Next()
		if err != nil {
			break
		}
		out = append(out, append([]byte(nil), rec.Message...))
	}
	if len(out) != 405 {
		t.Fatalf("read %d records from the sample, want 405", len(out))
	}
	return out
}

func TestCatOffsetResynchronises(t *testing.T) {
	recs := records(t)
	var stream bytes.Buffer
	w := framing.NewWriter(&stream)
	for _, rec := range recs[:3] {
		if err := w.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	second := 0 // where the second record starts
	{
		var one bytes.Buffer
		if err := framing.NewWriter(&one).WriteRecord(recs[0]); err != nil {
			t.Fatal(err)
		}
		second = one.Len()
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "three.heka")
	if err := os.WriteFile(name, stream.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "cat", "-offset", strconv.Itoa(second), name)
	if got := len(lines(r.stdout)); got != 2 {
		t.Errorf("-offset at the second record: %d messages, want 2", got)
	}
	wantSummary(t, r, 2, 2, 0, 0)

	r = run(t, nil, "cat", "-offset", "5", name)
	if got := len(lines(r.stdout)); got != 2 {
		t.Errorf("-offset inside the first record: %d messages, want 2", got)
	}
	wantSummary(t, r, 2, 2, 0, second-5)

	// Standard input is a pipe here, which cannot seek: cat reads past the offset.
	r = run(t, stream.Bytes(), "cat", "-offset", "5")
	if got := len(lines(r.stdout)); r.code != 0 || got != 2 {
		t.Errorf("-offset on a pipe: %d messages (exit %d), want 2: %s", got, r.code, r.stderr)
	}
	wantSummary(t, r, 2, 2, 0, second-5)
}

func TestCatSkipsCorruptRecords(t *testing.T) {
	recs := records(t)
	var stream bytes.Buffer
	w := framing.NewWriter(&stream)
	write := func(b []byte) {
		if err := w.WriteRecord(b); err != nil {
			t.Fatal(err)
		}
	}
	write(recs[0])
	stream.WriteString("garbage between records")
	write(recs[1])
	write(bytes.Repeat([]byte{0xff}, 40)) // framed, but not a message
	write(recs[3])
	stream.WriteString("\x1e\x02trailing half record")

	r := run(t, stream.Bytes(), "cat")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	json := lines(readFile(t, sampleJSON))
	want := strings.Join([]string{json[0], json[1], json[3]}, "\n")
	if got := strings.Join(lines(r.stdout), "\n"); got != want {
		t.Errorf("got messages\n%s\nwant\n%s", got, want)
	}
	skipped := len("garbage between records") + len("\x1e\x02trailing half record")
	wantSummary(t, r, 4, 3, 1, skipped)
	if !strings.Contains(string(r.stderr), "record 3") {
		t.Errorf("stderr does not name the bad record: %s", r.stderr)
	}
}

func TestCatBadJSONLines(t *testing.T) {
	json := lines(readFile(t, sampleJSON))
	in := json[0] + "\n{not json}\n\n" + json[1] + "\n" + `{"Severity":"high"}` + "\n"
	r := run(t, []byte(in), "cat", "-input", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Join(lines(r.stdout), "\n"); got != json[0]+"\n"+json[1] {
		t.Errorf("got %s", got)
	}
	wantSummary(t, r, 4, 2, 2, 0)
	for _, want := range []string{"line 2", "line 5", "Severity"} {
		if !strings.Contains(string(r.stderr), want) {
			t.Errorf("stderr does not mention %q: %s", want, r.stderr)
		}
	}
}

func TestCatText(t *testing.T) {
	r := run(t, nil, "cat", "-format", "text", "-n", "2", sampleStream)
	out := string(r.stdout)
	for _, want := range []string{
		"Type:       \"nginx.access\"\n",
		"Timestamp:  2018-06-18T14:12:50Z\n",
		"  \"status\" INTEGER: 200\n",
		"  \"body_bytes_sent\" INTEGER (B): 275\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "Uuid:"); n != 2 {
		t.Errorf("text output has %d messages, want 2", n)
	}
}

// TestCatRefusesBadArguments checks that every bad argument is one line on
// stderr naming what is wrong, a non-zero exit and no output at all.
func TestCatRefusesBadArguments(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.heka")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file after a good one", []string{sampleStream, missing}, "missing.heka"},
		{"missing file after an option after a file", []string{sampleStream, "-n", "1", missing}, "missing.heka"},
		{"directory", []string{t.TempDir()}, "is a directory"},
		{"malformed matcher", []string{"-match", "Type == ", sampleStream}, "column 9"},
		{"unknown matcher variable", []string{"-match", "Bogus == 'x'", sampleStream}, "column 1"},
		{"bad format", []string{"-format", "xml", sampleStream}, `-format "xml"`},
		{"bad input", []string{"-input", "csv", sampleStream}, `-input "csv"`},
		{"negative n", []string{"-n", "-1", sampleStream}, "-n -1"},
		{"negative offset", []string{"-offset", "-1", sampleStream}, "-offset -1"},
		{"unknown option", []string{"-bogus", sampleStream}, "-bogus"},
		{"option without its value", []string{sampleStream, "-n"}, "-n"},
		{"non-numeric n", []string{"-n", "x", sampleStream}, `"x"`},
		{"key without a value", []string{"-key", "nokey", sampleStream}, "signer_version=KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"cat"}, tt.args...)...)
			if r.code == 0 {
				t.Error("exit 0, want non-zero")
			}
			if len(r.stdout) != 0 {
				t.Errorf("wrote %d bytes of output", len(r.stdout))
			}
			if l := lines(r.stderr); len(l) != 1 || !strings.Contains(l[0], tt.want) {
				t.Errorf("stderr %q: want one line containing %q", r.stderr, tt.want)
			}
		})
	}
}

func TestCatOptionsAfterFiles(t *testing.T) {
	r := run(t, nil, "cat", sampleStream, "-n", "2", "-format", "text")
	if r.code != 0 || strings.Count(string(r.stdout), "Uuid:") != 2 {
		t.Errorf("options after the file: exit %d, %d messages: %s", r.code, strings.Count(string(r.stdout), "Uuid:"), r.stderr)
	}
	// After "--" everything is a file name, even one that looks like an option.
	dir := t.TempDir()
	odd := filepath.Join(dir, "-n")
	if err := os.WriteFile(odd, readFile(t, sampleStream), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "cat", "-n", "1", "--", odd)
	if r.code != 0 || len(lines(r.stdout)) != 1 {
		t.Errorf("a file after --: exit %d, %d lines: %s", r.code, len(lines(r.stdout)), r.stderr)
	}
}

func TestCatHelp(t *testing.T) {
	r := run(t, nil, "cat", "-h")
	if r.code != 0 || !strings.HasPrefix(string(r.stdout), "usage: sandpiper cat") || !strings.Contains(string(r.stdout), "-max-message-size") {
		t.Errorf("-h: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestCatHintsAtJSONInput(t *testing.T) {
	r := run(t, readFile(t, sampleJSON), "cat")
	if r.code != 0 || len(r.stdout) != 0 || !strings.Contains(string(r.stderr), "use -input json") {
		t.Errorf("JSON read as framed: exit %d, %d bytes out, stderr %s", r.code, len(r.stdout), r.stderr)
	}
	wantSummary(t, r, 0, 0, 0, len(readFile(t, sampleJSON)))
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if r := run(t, nil, "version"); r.code != 0 || !strings.HasPrefix(string(r.stdout), "sandpiper ") {
		t.Errorf("version: exit %d, %q", r.code, r.stdout)
	}
	r := run(t, nil, "frobnicate")
	if r.code == 0 || !strings.Contains(string(r.stderr), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", r.code, r.stderr)
	}
}

func TestCatVerifiesSignedStreams(t *testing.T) {
	recs := records(t)
	var stream bytes.Buffer
	w, err := framing.NewWriterOptions(&stream, framing.WriterOptions{
		Signer: &framing.Signer{Name: "ops", Version: 2, Hash: framing.SHA1, Key: []byte("secret")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[:3] {
		if err := w.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	signed := stream.Bytes()

	r := run(t, signed, "cat", "-key", "ops_2=secret")
	if got := len(lines(r.stdout)); r.code != 0 || got != 3 {
		t.Errorf("with the key: %d messages (exit %d), want 3: %s", got, r.code, r.stderr)
	}
	wantSummary(t, r, 3, 3, 0, 0)

	for _, key := range []string{"ops_2=wrong", "ops_1=secret"} {
		r = run(t, signed, "cat", "-key", key)
		if len(r.stdout) != 0 || r.code != 0 {
			t.Errorf("-key %s: wrote %q (exit %d), want nothing", key, r.stdout, r.code)
		}
		if !strings.Contains(string(r.stderr), ", 3 dropped for their signature") {
			t.Errorf("-key %s: summary does not count the drops: %s", key, r.stderr)
		}
	}

	r = run(t, signed, "cat", "-key", "ops=secret")
	if r.code == 0 || len(lines(r.stderr)) != 1 || !strings.Contains(string(r.stderr), `"ops"`) {
		t.Errorf("-key without a version: exit %d, %q; want one line naming the key", r.code, r.stderr)
	}
}

func TestCatMaxMessageSize(t *testing.T) {
	recs := records(t)
	largest := 0
	for _, rec := range recs {
		largest = max(largest, len(rec))
	}
	limit := largest - 1 // the largest records no longer fit
	fit, skipped := 0, 0
	for _, rec := range recs {
		if len(rec) <= limit {
			fit++
		} else {
			var one bytes.Buffer
			if err := framing.NewWriter(&one).WriteRecord(rec); err != nil {
				t.Fatal(err)
			}
			skipped += one.Len()
		}
	}
	r := run(t, readFile(t, sampleStream), "cat", "-max-message-size", strconv.Itoa(limit))
	if got := len(lines(r.stdout)); got != fit || fit == len(recs) {
		t.Errorf("%d messages, want the %d of %d that fit", got, fit, len(recs))
	}
	wantSummary(t, r, fit, fit, 0, skipped)

	// From JSON to a framed output, a message too large to frame is bad input.
	json := lines(readFile(t, sampleJSON))
	r = run(t, []byte(json[0]+"\n"+json[1]+"\n"), "cat", "-input", "json", "-format", "framed", "-max-message-size", strconv.Itoa(limit))
	if r.code != 0 || len(recs[0]) > limit || len(recs[1]) > limit {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	back := run(t, r.stdout, "cat")
	if got := len(lines(back.stdout)); got != 2 {
		t.Errorf("%d messages framed, want the 2 that fit", got)
	}
	r = run(t, []byte(json[0]+"\n"), "cat", "-input", "json", "-format", "framed", "-max-message-size", strconv.Itoa(len(recs[0])-1))
	if len(r.stdout) != 0 || !strings.Contains(string(r.stderr), "exceeds -max-message-size") {
		t.Errorf("a message one byte too large was framed: %d bytes, stderr %s", len(r.stdout), r.stderr)
	}
	wantSummary(t, r, 1, 0, 1, 0)

	// A stream whose every record is too large says so, rather than
	// suggest it is JSON.
	var one bytes.Buffer
	if err := framing.NewWriter(&one).WriteRecord(recs[0]); err != nil {
		t.Fatal(err)
	}
	r = run(t, one.Bytes(), "cat", "-max-message-size", strconv.Itoa(len(recs[0])-1))
	if !strings.Contains(string(r.stderr), "every record announced more than -max-message-size bytes") || strings.Contains(string(r.stderr), "-input json") {
		t.Errorf("stderr %s", r.stderr)
	}
}
