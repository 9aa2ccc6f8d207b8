package message

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// jsonReaderStep is what one call to Next gave: the Type of the message
// read, or the error.
type jsonReaderStep struct {
	line int
	typ  string
	err  string
}

func readAllJSON(r *JSONReader) []jsonReaderStep {
	var steps []jsonReaderStep
	var m Message
	for i := 0; i < 100; i++ {
		err := r.Next(&m)
		if err == io.EOF {
			return steps
		}
		s := jsonReaderStep{line: r.Line(), typ: m.Type}
		if err != nil {
			s = jsonReaderStep{line: r.Line(), err: err.Error()}
		}
		steps = append(steps, s)
	}
	panic("reader never reached io.EOF")
}

func TestJSONReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		maxLine int
		want    []jsonReaderStep
	}{
		{"empty", "", 0, nil},
		{"only blank lines", "\n  \n\t\r\n", 0, nil},
		{"lines, blank lines, CRLF, no final newline",
			"{\"Type\":\"a\"}\n\n   \r\n{\"Type\":\"b\"}\r\n{\"Type\":\"c\"}", 0,
			[]jsonReaderStep{{line: 1, typ: "a"}, {line: 4, typ: "b"}, {line: 5, typ: "c"}}},
		{"a bad line is reported and skipped",
			"{\"Type\":\"a\"}\n{\"Typo\":\"b\"}\n{\"Type\":\"c\"\n{\"Type\":\"d\"}\n", 0,
			[]jsonReaderStep{{line: 1, typ: "a"},
				{line: 2, err: `line 2: message JSON: unknown key "Typo" (want Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname or Fields)`},
				{line: 3, err: `line 3: message JSON: unexpected end of input, want ',' or '}' in the message`},
				{line: 4, typ: "d"}}},
		{"two messages on one line",
			"{\"Type\":\"a\"} {\"Type\":\"b\"}\n", 0,
			[]jsonReaderStep{{line: 1, err: `line 1: message JSON: offset 13: an object after the message`}}},
		{"line of exactly maxLine bytes, then one byte more",
			"{\"Type\":\"abc\"}\n{\"Type\":\"abcd\"}\n{\"Type\":\"x\"}", 14,
			[]jsonReaderStep{{line: 1, typ: "abc"}, {line: 2, err: "line 2: longer than 14 bytes"}, {line: 3, typ: "x"}}},
		{"too long without a final newline",
			"{\"Type\":\"x\"}\n{\"Type\":\"abcd\"}", 14,
			[]jsonReaderStep{{line: 1, typ: "x"}, {line: 2, err: "line 2: longer than 14 bytes"}}},
		{"too long across many buffer fills",
			"{\"Payload\":\"" + strings.Repeat("x", 300) + "\"}\n{\"Type\":\"after\"}\n", 20,
			[]jsonReaderStep{{line: 1, err: "line 1: longer than 20 bytes"}, {line: 2, typ: "after"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// OneByteReader makes every line cross reads of the source.
			got := readAllJSON(NewJSONReader(iotest.OneByteReader(strings.NewReader(tt.in)), tt.maxLine))
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("call %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestJSONReaderEOFRepeats checks that io.EOF stays once reached.
func TestJSONReaderEOFRepeats(t *testing.T) {
	r := NewJSONReader(strings.NewReader("{}\n"), 0)
	var m Message
	if err := r.Next(&m); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := r.Next(&m); err != io.EOF {
			t.Fatalf("call %d after the end: %v, want io.EOF", i, err)
		}
	}
}

// TestJSONReaderReadError checks that a failing source ends the reading
// with its error, after the lines read before it.
func TestJSONReaderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	src := io.MultiReader(strings.NewReader("{\"Type\":\"a\"}\n{\"Type\":\"b\"}"), iotest.ErrReader(boom))
	r := NewJSONReader(src, 0)
	var m Message
	for _, want := range []string{"a", "b"} {
		if err := r.Next(&m); err != nil || m.Type != want {
			t.Fatalf("got Type %q, %v; want %q", m.Type, err, want)
		}
	}
	if err := r.Next(&m); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

// TestJSONReaderHugeLineStaysSmall feeds a 64 MiB line and checks that the
// reader skips it without holding it.
func TestJSONReaderHugeLineStaysSmall(t *testing.T) {
	const huge = 64 << 20
	src := io.MultiReader(
		io.LimitReader(repeatByte('x'), huge),
		strings.NewReader("\n{\"Type\":\"after\"}\n"))
	r := NewJSONReader(src, 1000)
	var m Message
	if err := r.Next(&m); err == nil || err.Error() != "line 1: longer than 1000 bytes" {
		t.Fatalf("got %v, want the line 1 too long", err)
	}
	if cap(r.buf) > 2000 {
		t.Errorf("line buffer grew to %d bytes for a maxLine of 1000", cap(r.buf))
	}
	if err := r.Next(&m); err != nil || m.Type != "after" || r.Line() != 2 {
		t.Fatalf("got Type %q at line %d, %v; want \"after\" at line 2", m.Type, r.Line(), err)
	}
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestJSONReaderReadsWhatAppendJSONWrites reads a stream of written
// messages back.
func TestJSONReaderReadsWhatAppendJSONWrites(t *testing.T) {
	var buf bytes.Buffer
	var want []*Message
	for _, typ := range []string{"one", "two", "three"} {
		m := nginxMessage()
		m.Type = typ
		want = append(want, m)
		buf.Write(m.AppendJSON(nil))
		buf.WriteByte('\n')
	}
	r := NewJSONReader(&buf, 0)
	var m Message
	for i, w := range want {
		if err := r.Next(&m); err != nil {
			t.Fatal(err)
		}
		if d := messageDiff(w, &m); d != "" {
			t.Fatalf("message %d: %s", i, d)
		}
	}
	if err := r.Next(&m); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}
