package framing

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"sandpiper/core/framing"
	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

type rec struct {
	data   string
	signer string
	end    int64
}

// stream builds a framed stream piece by piece, noting where each record
// it keeps ends.
type stream struct {
	t    *testing.T
	buf  bytes.Buffer
	want []rec
	kept int64 // bytes of the records in want, framing included
}

func (s *stream) garbage(b string) { s.buf.WriteString(b) }

// record writes msg, signed by sig when not nil; keep says whether the
// splitter must return it.
func (s *stream) record(msg string, sig *framing.Signer, keep bool) {
	before := s.buf.Len()
	w, err := framing.NewWriterOptions(&s.buf, framing.WriterOptions{Signer: sig, MaxMessageSize: 1 << 20})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := w.WriteRecord([]byte(msg)); err != nil {
		s.t.Fatal(err)
	}
	if keep {
		signer := ""
		if sig != nil {
			signer = sig.Name
		}
		s.want = append(s.want, rec{msg, signer, int64(s.buf.Len())})
		s.kept += int64(s.buf.Len() - before)
	}
}

func build(t *testing.T, options string, max int) *Splitter {
	t.Helper()
	env := pipelinetest.Env(t, "frames", "HekaFramingSplitter")
	if max > 0 {
		env.Globals.MaxMessageSize = max
	}
	p, err := pipelinetest.Build(env, "HekaFramingSplitter", options)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Splitter)
}

func readAll(rr pipeline.RecordReader) ([]rec, error) {
	var got []rec
	for {
		r, err := rr.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return got, err
		}
		got = append(got, rec{string(r.Data), r.Signer, r.End})
	}
}

const keys = `
[signer.ops_1]
hmac_key = "secret"
[signer.dev_2]
hmac_key = "other"
`

func TestSplit(t *testing.T) {
	ops := &framing.Signer{Name: "ops", Version: 1, Hash: framing.SHA1, Key: []byte("secret")}
	dev := &framing.Signer{Name: "dev", Version: 2, Hash: framing.MD5, Key: []byte("other")}
	forged := &framing.Signer{Name: "ops", Version: 1, Hash: framing.MD5, Key: []byte("guess")}
	stranger := &framing.Signer{Name: "eve", Version: 1, Hash: framing.MD5, Key: []byte("x")}

	s := &stream{t: t}
	s.record("first", nil, true)
	s.garbage("garbage\x1e\x05not a header\x1f")
	s.record("second", ops, true)
	s.record("forged", forged, false)
	s.garbage("\x1e")
	s.record("third", dev, true)
	s.record("unknown", stranger, false)
	s.record(strings.Repeat("x", 300), nil, false) // over the 256-byte limit
	s.record("last", nil, true)
	s.garbage("\x1e\x02\x08") // a truncated record
	in := s.buf.Bytes()

	for _, slow := range []bool{false, true} {
		sp := build(t, keys, 256)
		var r io.Reader = bytes.NewReader(in)
		if slow {
			r = iotest.OneByteReader(r)
		}
		rr := sp.NewReader(r)
		got, err := readAll(rr)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(s.want) {
			t.Fatalf("one byte reads %v: got %v, want %v", slow, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Errorf("one byte reads %v: record %d = %v, want %v", slow, i, got[i], s.want[i])
			}
		}
		if want := int64(len(in)) - s.kept; rr.Skipped() != want || rr.Buffered() != 0 {
			t.Errorf("one byte reads %v: Skipped %d, Buffered %d; want %d, 0", slow, rr.Skipped(), rr.Buffered(), want)
		}
		report := map[string]any{}
		sp.Report(func(k string, v any) { report[k] = v })
		if report["bad_signatures"] != int64(1) || report["unknown_signers"] != int64(1) || report["oversize"] != int64(1) {
			t.Errorf("report %v, want one bad signature, one unknown signer, one oversize", report)
		}
	}
}

// Skipped and the records returned account for every byte of the stream.
func TestSkippedAccountsForEveryByte(t *testing.T) {
	s := &stream{t: t}
	s.garbage("xx")
	s.record("a", nil, true)
	s.garbage("\x1e\x1e yy")
	s.record("bb", nil, true)
	s.garbage("zzz")
	rr := build(t, "", 0).NewReader(bytes.NewReader(s.buf.Bytes()))
	got, err := readAll(rr)
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	if s.kept+rr.Skipped() != int64(s.buf.Len()) {
		t.Errorf("records %d + skipped %d != %d bytes", s.kept, rr.Skipped(), s.buf.Len())
	}
	for i := range got {
		if got[i] != s.want[i] {
			t.Errorf("record %d = %v, want %v", i, got[i], s.want[i])
		}
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	s := &stream{t: t}
	s.record("a", nil, true)
	rr := build(t, "", 0).NewReader(io.MultiReader(bytes.NewReader(s.buf.Bytes()), iotest.ErrReader(boom)))
	got, err := readAll(rr)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Errorf("got %v, %v; want one record and boom", got, err)
	}
}

func TestOptions(t *testing.T) {
	for _, opt := range []string{"[signer.ops]\nhmac_key = \"k\"", "[signer.ops_1]\nhmac_key = \"\"", "[signer.ops_1]\nkey = \"k\""} {
		env := pipelinetest.Env(t, "frames", "HekaFramingSplitter")
		if _, err := pipelinetest.Build(env, "HekaFramingSplitter", opt); err == nil || !strings.HasPrefix(err.Error(), "frames: ") {
			t.Errorf("%q: error %v, want one naming the plugin", opt, err)
		}
	}
}

func BenchmarkSplit(b *testing.B) {
	m := message.New(1)
	m.Payload = strings.Repeat("p", 200)
	msg := m.Marshal()
	var buf bytes.Buffer
	w := framing.NewWriter(&buf)
	for range 1000 {
		if err := w.WriteRecord(msg); err != nil {
			b.Fatal(err)
		}
	}
	data := buf.Bytes()
	env := pipelinetest.Env(b, "frames", "HekaFramingSplitter")
	p, err := pipelinetest.Build(env, "HekaFramingSplitter", "")
	if err != nil {
		b.Fatal(err)
	}
	sp := p.(*Splitter)
	rd := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(data)
		rr := sp.NewReader(rd)
		for {
			if _, err := rr.Next(); err != nil {
				break
			}
		}
	}
}

// oneRead hands out all its bytes in one Read, then blocks in the next
// until closed, as a connection does while its peer is writing.
type oneRead struct {
	b     []byte
	close chan struct{}
}

func (o *oneRead) Read(p []byte) (int, error) {
	if len(o.b) > 0 {
		n := copy(p, o.b)
		o.b = o.b[n:]
		return n, nil
	}
	<-o.close
	return 0, io.EOF
}

// TestBufferedZeroOnPartialRecord: with the start of a record buffered and
// the rest still to come, Buffered is 0, so that the daemon hands on the
// records it gathered instead of waiting for the rest with them.
func TestBufferedZeroOnPartialRecord(t *testing.T) {
	s := build(t, "", 0)
	first := framing.AppendRecord(nil, []byte("a whole record"))
	second := framing.AppendRecord(nil, []byte("the start of another"))
	src := &oneRead{b: append(append([]byte{}, first...), second[:10]...), close: make(chan struct{})}
	defer close(src.close)
	rr := s.NewReader(src)
	if _, err := rr.Next(); err != nil {
		t.Fatal(err)
	}
	if n := rr.Buffered(); n != 0 {
		t.Fatalf("Buffered = %d with only the start of a record buffered, want 0", n)
	}
	whole := &oneRead{b: append(append([]byte{}, first...), second...), close: make(chan struct{})}
	defer close(whole.close)
	rr = s.NewReader(whole)
	if _, err := rr.Next(); err != nil {
		t.Fatal(err)
	}
	if n := rr.Buffered(); n != len(second) {
		t.Fatalf("Buffered = %d with a whole record buffered, want %d", n, len(second))
	}
}
