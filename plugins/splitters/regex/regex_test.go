package regex

import (
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

func readAll(rr pipeline.RecordReader) ([]rec, int64, error) {
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

const multiline = "2024-01-01 a\n  more\n2024-01-02 b\n2024-01-03 c"

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		options string
		max     int
		in      string
		want    []rec
		skipped int64
	}{
		{"no group: the match is dropped", `delimiter = '\n\n+'`, 0, "a\nb\n\nc\n\n\nd",
			[]rec{{"a\nb", 5}, {"c", 9}, {"d", 10}}, 0},
		{"group at the end", `delimiter = '(;)\s*'`, 0, "a; b;  c",
			[]rec{{"a;", 3}, {"b;", 7}, {"c", 8}}, 0},
		{"group starts the next record", "delimiter = '\\n(\\d{4}-)'\ndelimiter_eol = false", 0, multiline,
			[]rec{{"2024-01-01 a\n  more", 19}, {"2024-01-02 b", 32}, {"2024-01-03 c", 45}}, 0},
		{"stream starting with a match", "delimiter = '(#)'\ndelimiter_eol = false", 0, "#a#b",
			[]rec{{"#a", 2}, {"#b", 4}}, 0},
		{"overlong skipped", `delimiter = '\n'`, 4, "ab\nabcdefghij\ncd\n",
			[]rec{{"ab", 3}, {"cd", 17}}, 10},
		{"overlong with a group, skipped with it", "delimiter = '\\n(\\d{4}-)'\ndelimiter_eol = false", 10,
			"2024-a\n2024-bbbbbbbbbbbbbbbbbbbbbbbb\n2024-c",
			[]rec{{"2024-a", 6}, {"2024-c", 43}}, 29},
		{"empty", `delimiter = '\n'`, 0, "", nil, 0},
	}
	for _, tt := range tests {
		for _, slow := range []bool{false, true} {
			env := pipelinetest.Env(t, "split", "RegexSplitter")
			if tt.max > 0 {
				env.Globals.MaxMessageSize = tt.max
			}
			p, err := pipelinetest.Build(env, "RegexSplitter", tt.options)
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = strings.NewReader(tt.in)
			if slow {
				r = iotest.OneByteReader(r)
			}
			got, skipped, err := readAll(p.(pipeline.Splitter).NewReader(r))
			if err != nil {
				t.Errorf("%s (one byte reads %v): %v", tt.name, slow, err)
			}
			if !equal(got, tt.want) || skipped != tt.skipped {
				t.Errorf("%s (one byte reads %v):\n got %v skipped %d\nwant %v skipped %d", tt.name, slow, got, skipped, tt.want, tt.skipped)
			}
		}
	}
}

// A match that reaches the end of the bytes read is taken only once more
// bytes show where it ends.
func TestMatchExtendedByLaterBytes(t *testing.T) {
	s, err := New(`\n+`, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(s.NewReader(iotest.OneByteReader(strings.NewReader("a\n\n\nb"))))
	if err != nil || !equal(got, []rec{{"a", 4}, {"b", 5}}) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	s, _ := New(`\n`, true, 0)
	got, skipped, err := readAll(s.NewReader(io.MultiReader(strings.NewReader("a\npart"), iotest.ErrReader(boom))))
	if !errors.Is(err, boom) || !equal(got, []rec{{"a", 2}}) || skipped != 4 {
		t.Errorf("got %v, skipped %d, %v; want [a], 4 skipped, boom", got, skipped, err)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct{ options, want string }{
		{``, `split: delimiter: required`},
		{`delimiter = '('`, `split: delimiter "(": error parsing regexp`},
		{`delimiter = '(a)(b)'`, `split: delimiter "(a)(b)": has 2 capture groups`},
		{`delimiter = '\n*'`, `split: delimiter "\\n*": matches the empty string`},
	}
	for _, tt := range tests {
		env := pipelinetest.Env(t, "split", "RegexSplitter")
		_, err := pipelinetest.Build(env, "RegexSplitter", tt.options)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %s…", tt.options, err, tt.want)
		}
	}
}

func TestBuffered(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s, _ := New(`\n`, true, 0)
	rr := s.NewReader(pr)
	go pw.Write([]byte("a\nb\npartial"))
	if r, err := rr.Next(); err != nil || string(r.Data) != "a" {
		t.Fatalf("Next = %q, %v", r.Data, err)
	}
	if got := rr.Buffered(); got != 9 {
		t.Errorf("Buffered with a complete record = %d, want 9", got)
	}
	if r, err := rr.Next(); err != nil || string(r.Data) != "b" {
		t.Fatalf("Next = %q, %v", r.Data, err)
	}
	if got := rr.Buffered(); got != 0 {
		t.Errorf("Buffered with a partial record = %d, want 0", got)
	}
}
