package null

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

// Each datagram is read through a RecordReader of its own, as an input
// gives each datagram to a stream's ReadFrom in a bytes.Reader.
func TestDatagrams(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		skipped int64
	}{
		{"a\nb", []string{"a\nb"}, 0},
		{"12345678", []string{"12345678"}, 0}, // the limit
		{"123456789", nil, 9},
		{"123456789abcdefghi", nil, 18},
		{"123456789abcdefghij", nil, 19},
		{"", nil, 0},
	}
	env := pipelinetest.Env(t, "udp", "NullSplitter")
	env.Globals.MaxMessageSize = 8
	p, err := pipelinetest.Build(env, "NullSplitter", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		rr := p.(pipeline.Splitter).NewReader(bytes.NewReader([]byte(tt.in)))
		var got []string
		for {
			r, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(r.Data))
			if r.End != int64(len(tt.in)) {
				t.Errorf("%q: End %d", tt.in, r.End)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || rr.Skipped() != tt.skipped {
			t.Errorf("%q: got %q skipped %d, want %q skipped %d", tt.in, got, rr.Skipped(), tt.want, tt.skipped)
		}
	}
}

// On a stream each read is a record, whatever it holds.
func TestStream(t *testing.T) {
	in := &pipelinetest.Input{Splitter: New(0)}
	pr, pw := io.Pipe()
	go func() {
		for _, w := range []string{"one", "two\nthree"} {
			pw.Write([]byte(w))
		}
		pw.Close()
	}()
	if err := in.NewStream(pipeline.Source{}).ReadFrom(t.Context(), pr, nil); err != nil {
		t.Fatal(err)
	}
	if got := in.Payloads(); strings.Join(got, "|") != "one|two\nthree" {
		t.Errorf("got %q", got)
	}
}
