package token

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

type rec struct {
	data string
	end  int64
}

// readAll returns every record of rd and the reader's Skipped count.
func readAll(t *testing.T, rr pipeline.RecordReader) ([]rec, int64, error) {
	t.Helper()
	var got []rec
	for {
		r, err := rr.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return got, rr.Skipped(), err
		}
		got = append(got, rec{string(r.Data), r.End})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		options string
		max     int
		in      string
		want    []rec
		skipped int64
	}{
		{"lines", ``, 0, "a\nbb\n\nccc\n", []rec{{"a", 2}, {"bb", 5}, {"", 6}, {"ccc", 10}}, 0},
		{"last line without newline", ``, 0, "a\nbb", []rec{{"a", 2}, {"bb", 4}}, 0},
		{"crlf", ``, 0, "a\r\nb\r\n", []rec{{"a", 3}, {"b", 6}}, 0},
		{"cr kept with other delimiters", `delimiter = ";"`, 0, "a\r;b", []rec{{"a\r", 3}, {"b", 4}}, 0},
		{"other delimiter", `delimiter = " "`, 0, "x y  z", []rec{{"x", 2}, {"y", 4}, {"", 5}, {"z", 6}}, 0},
		{"empty", ``, 0, "", nil, 0},
		{"overlong skipped", ``, 4, "abcd\nabcdefghijkl\nxy\n", []rec{{"abcd", 5}, {"xy", 21}}, 13},
		{"overlong at end skipped", ``, 4, "ab\nabcdefghijkl", []rec{{"ab", 3}}, 12},
		{"just over the limit", ``, 4, "abcde\nab\n", []rec{{"ab", 9}}, 6},
		{"delimiter starts records", "delimiter = \"#\"\ndelimiter_eol = false", 0, "pre#a#bb#", []rec{{"pre", 3}, {"#a", 5}, {"#bb", 8}, {"#", 9}}, 0},
		{"delimiter starts records, overlong", "delimiter = \"#\"\ndelimiter_eol = false", 4, "#a#bcdefghijk#c", []rec{{"#a", 2}, {"#c", 15}}, 11},
	}
	for _, tt := range tests {
		for _, slow := range []bool{false, true} {
			env := pipelinetest.Env(t, "split", "TokenSplitter")
			if tt.max > 0 {
				env.Globals.MaxMessageSize = tt.max
			}
			p, err := pipelinetest.Build(env, "TokenSplitter", tt.options)
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = strings.NewReader(tt.in)
			if slow {
				r = iotest.OneByteReader(r)
			}
			got, skipped, err := readAll(t, p.(pipeline.Splitter).NewReader(r))
			if err != nil {
				t.Errorf("%s (one byte reads %v): %v", tt.name, slow, err)
			}
			if !equal(got, tt.want) || skipped != tt.skipped {
				t.Errorf("%s (one byte reads %v):\n got %v skipped %d\nwant %v skipped %d", tt.name, slow, got, skipped, tt.want, tt.skipped)
			}
		}
	}
}

func equal(a, b []rec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	rr := New('\n', true, 0).NewReader(io.MultiReader(strings.NewReader("a\npart"), iotest.ErrReader(boom)))
	got, skipped, err := readAll(t, rr)
	if !errors.Is(err, boom) || !equal(got, []rec{{"a", 2}}) || skipped != 4 {
		t.Errorf("got %v, skipped %d, %v; want [a], 4 skipped, boom", got, skipped, err)
	}
}

func TestBuffered(t *testing.T) {
	tests := []struct {
		in   string
		want int // Buffered after the first record
	}{
		{"a\nb\nc", 3}, // a complete record follows
		{"a\nbc", 0},   // the end of the stream is not known yet
		{"a\n", 0},     // nothing left
	}
	for _, tt := range tests {
		rr := New('\n', true, 0).NewReader(strings.NewReader(tt.in))
		if _, err := rr.Next(); err != nil {
			t.Fatal(err)
		}
		if got := rr.Buffered(); got != tt.want {
			t.Errorf("%q: Buffered after the first record = %d, want %d", tt.in, got, tt.want)
		}
	}
	// Only the start of a line is buffered: the next Next would block.
	pr, pw := io.Pipe()
	defer pw.Close()
	rr := New('\n', true, 0).NewReader(pr)
	go pw.Write([]byte("a\npartial"))
	if r, err := rr.Next(); err != nil || string(r.Data) != "a" {
		t.Fatalf("Next = %q, %v", r.Data, err)
	}
	if got := rr.Buffered(); got != 0 {
		t.Errorf("Buffered with a partial line = %d, want 0", got)
	}
}

func TestOptions(t *testing.T) {
	for _, opt := range []string{`delimiter = ""`, `delimiter = "ab"`, `delimiters = "a"`} {
		env := pipelinetest.Env(t, "split", "TokenSplitter")
		if _, err := pipelinetest.Build(env, "TokenSplitter", opt); err == nil || !strings.Contains(err.Error(), "split") {
			t.Errorf("%s: error %v, want one naming the plugin", opt, err)
		}
	}
}

func TestThroughInput(t *testing.T) {
	in := &pipelinetest.Input{Splitter: New('\n', true, 0)}
	s := in.NewStream(pipeline.Source{Logger: "f"})
	var acked int64
	if err := s.ReadFrom(t.Context(), strings.NewReader("x\ny\n"), func(end int64) { acked = end }); err != nil {
		t.Fatal(err)
	}
	if got := in.Payloads(); len(got) != 2 || got[0] != "x" || got[1] != "y" || acked != 4 {
		t.Errorf("payloads %q, acked %d; want [x y], 4", got, acked)
	}
}

func BenchmarkLines(b *testing.B) {
	line := []byte(`127.0.0.1 - - [28/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 1234 "-" "curl/8.0"` + "\n")
	data := bytes.Repeat(line, 1000)
	s := New('\n', true, 0)
	rd := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(data)
		rr := s.NewReader(rd)
		for {
			if _, err := rr.Next(); err != nil {
				break
			}
		}
	}
}
