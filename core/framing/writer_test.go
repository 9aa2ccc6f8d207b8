package framing

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"errors"
	"hash"
	"strings"
	"testing"
)

// frame returns msg framed by a Writer with signer s (nil: unsigned) that
// accepts messages of any size up to 1 MiB.
func frame(t testing.TB, msg []byte, s *Signer) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriterOptions(&buf, WriterOptions{MaxMessageSize: 1 << 20, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRecord(msg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterFrames(t *testing.T) {
	key := []byte("k3y")
	mac := func(h func() hash.Hash, msg string) []byte {
		m := hmac.New(h, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	tests := []struct {
		name   string
		signer *Signer
		msg    string
		want   []byte
	}{
		{"unsigned", nil, "hi", []byte{0x1E, 0x02, 0x08, 0x02, 0x1F, 'h', 'i'}},
		{"MD5", &Signer{Name: "ops", Version: 1, Hash: MD5, Key: key}, "hello",
			bytes.Join([][]byte{{0x1E, 27, 0x08, 0x05, 0x22, 0x03, 'o', 'p', 's', 0x28, 0x01, 0x32, 0x10}, mac(md5.New, "hello"), {0x1F}, []byte("hello")}, nil)},
		{"SHA1", &Signer{Name: "test", Version: 0, Hash: SHA1, Key: key}, "x",
			bytes.Join([][]byte{{0x1E, 34, 0x08, 0x01, 0x18, 0x01, 0x22, 0x04, 't', 'e', 's', 't', 0x28, 0x00, 0x32, 0x14}, mac(sha1.New, "x"), {0x1F, 'x'}}, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := frame(t, []byte(tt.msg), tt.signer); !bytes.Equal(got, tt.want) {
				t.Fatalf("frame = % x\nwant    % x", got, tt.want)
			}
		})
	}
}

// countingWriter counts Write calls and can fail them.
type countingWriter struct {
	bytes.Buffer
	writes int
	err    error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	if c.err != nil {
		return 0, c.err
	}
	return c.Buffer.Write(p)
}

func TestWriterOneWritePerRecord(t *testing.T) {
	var c countingWriter
	w, err := NewWriterOptions(&c, WriterOptions{Signer: &Signer{Name: "ops", Hash: SHA1, Key: []byte("k")}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 50; i++ {
		if err := w.WriteRecord(bytes.Repeat([]byte{'a'}, i*100)); err != nil {
			t.Fatal(err)
		}
		if c.writes != i {
			t.Fatalf("after %d records: %d Write calls", i, c.writes)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	long := strings.Repeat("n", 300)
	tests := []struct {
		name string
		opts WriterOptions
		msg  []byte
		want string
	}{
		{"empty message", WriterOptions{}, nil, "empty message"},
		{"above the default maximum", WriterOptions{}, make([]byte, DefaultMaxMessageSize+1), "message of 65537 bytes exceeds the maximum of 65536"},
		{"above a set maximum", WriterOptions{MaxMessageSize: 10}, make([]byte, 11), "exceeds the maximum of 10"},
		{"negative maximum", WriterOptions{MaxMessageSize: -1}, nil, "MaxMessageSize -1 out of range"},
		{"signer without name", WriterOptions{Signer: &Signer{Key: []byte("k"), Version: 3}}, nil, "signer with version 3 has no name"},
		{"signer without key", WriterOptions{Signer: &Signer{Name: "ops", Version: 1}}, nil, `signer "ops" version 1 has an empty key`},
		{"unknown hash", WriterOptions{Signer: &Signer{Name: "ops", Hash: 2, Key: []byte("k")}}, nil, "unsupported hash function HashFunction(2)"},
		{"header above 255 bytes", WriterOptions{Signer: &Signer{Name: long, Hash: SHA1, Key: []byte("k")}}, nil,
			"(300 bytes): header of up to 335 bytes exceeds the 255-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c countingWriter
			w, err := NewWriterOptions(&c, tt.opts)
			if err == nil {
				err = w.WriteRecord(tt.msg)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if c.writes != 0 {
				t.Fatalf("%d Write calls after an error", c.writes)
			}
		})
	}
}

func TestWriterLongestSigner(t *testing.T) {
	// The header is at most 1+5 (length) + 2 (hash, SHA1 only) + 1+2+n
	// (name) + 1+5 (version) + 2+20 or 2+16 (hmac) bytes, so the longest name
	// that fits in 255 bytes is 216 bytes with SHA1 and 222 with MD5.
	tests := []struct {
		hash    HashFunction
		longest int
		header  int // of a 1 MiB message signed with the longest name
	}{
		{SHA1, 216, 253},
		{MD5, 222, 253},
	}
	for _, tt := range tests {
		for _, n := range []int{tt.longest, tt.longest + 1} {
			s := &Signer{Name: strings.Repeat("s", n), Version: 1 << 31, Hash: tt.hash, Key: []byte("k")}
			_, err := NewWriterOptions(&bytes.Buffer{}, WriterOptions{Signer: s})
			if (err == nil) != (n == tt.longest) {
				t.Fatalf("%v signer name of %d bytes: err %v", tt.hash, n, err)
			}
		}
		s := &Signer{Name: strings.Repeat("s", tt.longest), Version: 1 << 31, Hash: tt.hash, Key: []byte("k")}
		if rec := frame(t, make([]byte, 1<<20), s); int(rec[1]) != tt.header {
			t.Fatalf("%v: header of %d bytes, want %d for a 1 MiB message", tt.hash, rec[1], tt.header)
		}
	}
}

func TestWriterWriteError(t *testing.T) {
	boom := errors.New("disk full")
	w := NewWriter(&countingWriter{err: boom})
	err := w.WriteRecord([]byte("abc"))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write record of 3 bytes") {
		t.Fatalf("WriteRecord = %v, want the write error wrapped", err)
	}
}

func TestWriterKeepsItsOwnKey(t *testing.T) {
	key := []byte("k1")
	var buf bytes.Buffer
	w, err := NewWriterOptions(&buf, WriterOptions{Signer: &Signer{Name: "a", Hash: MD5, Key: key}})
	if err != nil {
		t.Fatal(err)
	}
	key[0] = 'X'
	if err := w.WriteRecord([]byte("m")); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf, ReaderOptions{Keys: map[string][]byte{"a_0": []byte("k1")}})
	if rec, err := r.Next(); err != nil || rec.Signer != "a" {
		t.Fatalf("Next = %+v, %v; want a record signed by a with the key as given", rec, err)
	}
}

func TestWriterZeroAllocs(t *testing.T) {
	msg := bytes.Repeat([]byte("m"), 300)
	for _, s := range []*Signer{nil, {Name: "ops", Hash: MD5, Key: []byte("k")}, {Name: "ops", Hash: SHA1, Key: []byte("k")}} {
		w, err := NewWriterOptions(discard{}, WriterOptions{Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = w.WriteRecord(msg) }); n != 0 {
			t.Errorf("signer %+v: %v allocations per record", s, n)
		}
	}
}

// discard is io.Discard as a type the compiler can see does not keep p.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestAppendRecordReadsBack(t *testing.T) {
	var buf []byte
	msgs := [][]byte{[]byte("one"), bytes.Repeat([]byte{0x1E}, 300), []byte("three")}
	buf = append(buf, "lead"...)
	for _, m := range msgs {
		buf = AppendRecord(buf, m)
	}
	r := NewReader(bytes.NewReader(buf[4:]), ReaderOptions{})
	for i, want := range msgs {
		rec, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !bytes.Equal(rec.Message, want) {
			t.Fatalf("record %d: got %q, want %q", i, rec.Message, want)
		}
	}
	var w bytes.Buffer
	if err := NewWriter(&w).WriteRecord(msgs[0]); err != nil {
		t.Fatal(err)
	}
	if got := AppendRecord(nil, msgs[0]); !bytes.Equal(got, w.Bytes()) {
		t.Fatalf("AppendRecord %x, Writer %x", got, w.Bytes())
	}
}
