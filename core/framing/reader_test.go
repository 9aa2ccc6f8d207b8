package framing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// readerKinds are the ways a test feeds a stream to a Reader: Next must not
// depend on how the underlying reader cuts the bytes.
var readerKinds = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"data with EOF", iotest.DataErrReader},
}

// cleanPayload returns n random bytes without a 0x1E, so that a test can
// count exactly what a Reader skips over them.
func cleanPayload(rng *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.IntN(256))
		if p[i] == RecordSeparator {
			p[i] = 0
		}
	}
	return p
}

// readResult is everything a Reader returned for one stream.
type readResult struct {
	msgs    []string
	signers []string
	stats   Stats
	err     error
	framed  int64 // bytes of the records returned, framing included
}

// readAll reads r until it fails, and checks the invariants every read
// keeps: messages within the maximum and the byte accounting of Stats.
func readAll(t testing.TB, r *Reader) readResult {
	t.Helper()
	var res readResult
	for {
		rec, err := r.Next()
		if err != nil {
			res.err = err
			break
		}
		if len(rec.Message) == 0 || len(rec.Message) > r.max || int(rec.Header.MessageLength) != len(rec.Message) {
			t.Fatalf("record of %d bytes, header says %d, maximum %d", len(rec.Message), rec.Header.MessageLength, r.max)
		}
		res.msgs = append(res.msgs, string(rec.Message))
		res.signers = append(res.signers, rec.Signer)
		res.framed += int64(len(AppendHeader(nil, rec.Header)) + framingSize + len(rec.Message))
	}
	res.stats = r.Stats()
	buffered := int64(r.end - r.start)
	if res.err == io.EOF && buffered != 0 {
		t.Fatalf("io.EOF with %d bytes still buffered", buffered)
	}
	if got := res.framed + res.stats.BytesSkipped + buffered; got != res.stats.BytesRead {
		t.Fatalf("records %d + skipped %d + buffered %d = %d bytes, but read %d",
			res.framed, res.stats.BytesSkipped, buffered, got, res.stats.BytesRead)
	}
	if res.stats.Records != int64(len(res.msgs)) {
		t.Fatalf("Stats.Records = %d, returned %d", res.stats.Records, len(res.msgs))
	}
	return res
}

func TestReaderRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := map[string][]byte{"ops_1": []byte("k-ops"), "test_0": []byte("k-test")}
	signers := []*Signer{nil, {Name: "ops", Version: 1, Hash: MD5, Key: keys["ops_1"]}, {Name: "test", Hash: SHA1, Key: keys["test_0"]}}
	tests := []struct {
		name  string
		max   int
		sizes []int
	}{
		{"default maximum", 0, []int{1, DefaultMaxMessageSize, 300, 1, DefaultMaxMessageSize - 1}},
		{"maximum 1000", 1000, func() []int {
			s := []int{1, 1000, 1, 1000}
			for range 300 {
				s = append(s, 1+rng.IntN(1000))
			}
			return s
		}()},
		{"maximum 1", 1, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		var stream bytes.Buffer
		var want, wantSigners []string
		writers := make([]*Writer, len(signers))
		for i, s := range signers {
			w, err := NewWriterOptions(&stream, WriterOptions{MaxMessageSize: tt.max, Signer: s})
			if err != nil {
				t.Fatal(err)
			}
			writers[i] = w
		}
		for i, n := range tt.sizes {
			msg := make([]byte, n)
			for j := range msg {
				msg[j] = byte(rng.IntN(256)) // 0x1E and 0x1F included
			}
			if err := writers[i%len(writers)].WriteRecord(msg); err != nil {
				t.Fatal(err)
			}
			want = append(want, string(msg))
			name := ""
			if s := signers[i%len(signers)]; s != nil {
				name = s.Name
			}
			wantSigners = append(wantSigners, name)
		}
		for _, kind := range readerKinds {
			t.Run(tt.name+"/"+kind.name, func(t *testing.T) {
				r := NewReader(kind.wrap(bytes.NewReader(stream.Bytes())), ReaderOptions{MaxMessageSize: tt.max, Keys: keys})
				size := len(r.buf)
				res := readAll(t, r)
				if res.err != io.EOF {
					t.Fatalf("Next = %v, want io.EOF", res.err)
				}
				if len(res.msgs) != len(want) {
					t.Fatalf("%d records, want %d", len(res.msgs), len(want))
				}
				for i := range want {
					if res.msgs[i] != want[i] || res.signers[i] != wantSigners[i] {
						t.Fatalf("record %d: %d bytes signed by %q, want %d bytes signed by %q",
							i, len(res.msgs[i]), res.signers[i], len(want[i]), wantSigners[i])
					}
				}
				if s := res.stats; s.BytesSkipped != 0 || s.BytesRead != int64(stream.Len()) || s.BadSignatures+s.UnknownSigners+s.Oversize != 0 {
					t.Fatalf("stats %+v for a clean stream of %d bytes", s, stream.Len())
				}
				wantSize := tt.max + MaxHeaderSize + framingSize
				if tt.max == 0 {
					wantSize += DefaultMaxMessageSize
				}
				if size != wantSize || len(r.buf) != size {
					t.Fatalf("buffer of %d bytes, then %d; want %d throughout", size, len(r.buf), wantSize)
				}
			})
		}
	}
}

func TestReaderResynchronises(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rec := func(s string) string { return string(frame(t, []byte(s), nil)) }
	ghost := &Signer{Name: "ghost", Hash: MD5, Key: []byte("unknown")}
	truncatedGhost := string(frame(t, []byte(strings.Repeat("g", 20)), ghost))
	truncatedGhost = truncatedGhost[:len(truncatedGhost)-15]
	oversize := string(frame(t, cleanPayload(rng, 150), nil))
	tests := []struct {
		name           string
		stream         string
		want           []string
		skipped        int
		oversize       int64
		unknownSigners int64
	}{
		{"empty input", "", nil, 0, 0, 0},
		{"only garbage", "no records here", nil, 15, 0, 0},
		{"garbage before", "xyz" + rec("one"), []string{"one"}, 3, 0, 0},
		{"garbage between", rec("a") + "garbage!" + rec("b"), []string{"a", "b"}, 8, 0, 0},
		{"garbage after", rec("a") + "tail", []string{"a"}, 4, 0, 0},
		{"garbage everywhere", "\x1f\x08" + rec("a") + "\x1f\x1f" + rec("b") + rec("c") + "\x00", []string{"a", "b", "c"}, 5, 0, 0},
		{"lone 0x1E at the end", rec("a") + "\x1e", []string{"a"}, 1, 0, 0},
		{"0x1E and header length at the end", rec("a") + "\x1e\x05", []string{"a"}, 2, 0, 0},
		{"header length 0", "\x1e\x00" + rec("a"), []string{"a"}, 2, 0, 0},
		{"no 0x1F after the header", "\x1e\x02\x08\x03X" + rec("a"), []string{"a"}, 5, 0, 0},
		{"header does not decode", "\x1e\x01\xff\x1f" + rec("a"), []string{"a"}, 4, 0, 0},
		{"header without message_length", "\x1e\x02\x28\x01\x1f" + rec("a"), []string{"a"}, 5, 0, 0},
		{"message_length 0", "\x1e\x02\x08\x00\x1f" + rec("a"), []string{"a"}, 5, 0, 0},
		{"header running into a record", "\x1e\x05" + rec("one"), []string{"one"}, 2, 0, 0},
		{"two 0x1E in a row", "\x1e" + rec("one") + rec("two"), []string{"one", "two"}, 1, 0, 0},
		{"0x1E in garbage announcing an oversize message", "ab\x1e\x02\x08\x7f\x1fcd" + rec("a"), []string{"a"}, 9, 1, 0},
		{"oversize record skipped, next read", rec("a") + oversize + rec("b"), []string{"a", "b"}, len(oversize), 1, 0},
		{"record inside a dropped one is found", truncatedGhost + rec("hidden") + rec("after"), []string{"hidden", "after"}, len(truncatedGhost), 0, 1},
		{"truncated last record", rec("a") + rec("bbbb")[:8], []string{"a"}, 8, 0, 0},
		{"truncated in the header", rec("a") + rec("bbbb")[:3], []string{"a"}, 3, 0, 0},
		{"only a truncated record", rec("abc")[:7], nil, 7, 0, 0},
	}
	for _, tt := range tests {
		for _, kind := range readerKinds {
			t.Run(tt.name+"/"+kind.name, func(t *testing.T) {
				r := NewReader(kind.wrap(strings.NewReader(tt.stream)), ReaderOptions{MaxMessageSize: 100})
				res := readAll(t, r)
				if res.err != io.EOF {
					t.Fatalf("Next = %v, want io.EOF", res.err)
				}
				if fmt.Sprint(res.msgs) != fmt.Sprint(tt.want) {
					t.Fatalf("records %q, want %q", res.msgs, tt.want)
				}
				s := res.stats
				if s.BytesSkipped != int64(tt.skipped) || s.Oversize != tt.oversize || s.UnknownSigners != tt.unknownSigners || s.BadSignatures != 0 {
					t.Fatalf("skipped %d, oversize %d, unknown signers %d, bad signatures %d; want %d, %d, %d, 0",
						s.BytesSkipped, s.Oversize, s.UnknownSigners, s.BadSignatures, tt.skipped, tt.oversize, tt.unknownSigners)
				}
				if s.BytesRead != int64(len(tt.stream)) {
					t.Fatalf("BytesRead = %d, want %d", s.BytesRead, len(tt.stream))
				}
				if _, err := r.Next(); err != io.EOF {
					t.Fatalf("Next after io.EOF = %v, want io.EOF again", err)
				}
			})
		}
	}
}

func TestReaderSignatures(t *testing.T) {
	keys := map[string][]byte{"ops_1": []byte("ops key"), "test_0": []byte("test key")}
	opsMD5 := &Signer{Name: "ops", Version: 1, Hash: MD5, Key: keys["ops_1"]}
	testSHA1 := &Signer{Name: "test", Version: 0, Hash: SHA1, Key: keys["test_0"]}
	tamper := func(b []byte, i int) []byte {
		b = bytes.Clone(b)
		b[len(b)+i] ^= 0x40
		return b
	}
	handmade := func(h Header, msg string) []byte {
		h.MessageLength = uint32(len(msg))
		hb := AppendHeader(nil, h)
		return append(append(append([]byte{RecordSeparator, byte(len(hb))}, hb...), UnitSeparator), msg...)
	}
	tests := []struct {
		name       string
		record     []byte
		want       string // message of the first record, "" when dropped
		signer     string // Record.Signer
		hdrSigner  string // Record.Header.HmacSigner
		bad, unkn  int64
		wantDrop   string
		dropSigner string
	}{
		{"MD5 verified", frame(t, []byte("m1"), opsMD5), "m1", "ops", "ops", 0, 0, "", ""},
		{"SHA1 verified", frame(t, []byte("m2"), testSHA1), "m2", "test", "test", 0, 0, "", ""},
		{"unsigned", frame(t, []byte("m3"), nil), "m3", "", "", 0, 0, "", ""},
		{"signer named but no hmac is unsigned", handmade(Header{HmacSigner: "ops", HmacKeyVersion: 1}, "m4"), "m4", "", "ops", 0, 0, "", ""},
		{"unknown signer named but no hmac", handmade(Header{HmacSigner: "who", HmacKeyVersion: 9}, "m5"), "m5", "", "who", 0, 0, "", ""},
		{"wrong key", frame(t, []byte("m"), &Signer{Name: "ops", Version: 1, Hash: MD5, Key: []byte("guess")}), "", "", "", 1, 0,
			`bad signature from signer "ops" key version 1 (MD5)`, "ops"},
		{"unknown key version", frame(t, []byte("m"), &Signer{Name: "ops", Version: 2, Hash: MD5, Key: keys["ops_1"]}), "", "", "", 0, 1,
			`unknown signer "ops" key version 2 (no key "ops_2")`, "ops"},
		{"unknown signer", frame(t, []byte("m"), &Signer{Name: "eve", Version: 1, Hash: SHA1, Key: []byte("x")}), "", "", "", 0, 1,
			`unknown signer "eve" key version 1 (no key "eve_1")`, "eve"},
		{"tampered message", tamper(frame(t, []byte("money"), testSHA1), -1), "", "", "", 1, 0,
			`bad signature from signer "test" key version 0 (SHA1)`, "test"},
		{"tampered hmac", tamper(frame(t, []byte("money"), opsMD5), -7), "", "", "", 1, 0,
			`bad signature from signer "ops" key version 1 (MD5)`, "ops"},
		{"empty hmac", handmade(Header{HmacSigner: "ops", HmacKeyVersion: 1, Hmac: []byte{}}, "m"), "", "", "", 1, 0,
			`bad signature from signer "ops" key version 1 (MD5)`, "ops"},
		{"unsupported hash function", handmade(Header{HmacHashFunction: 2, HmacSigner: "ops", HmacKeyVersion: 1, Hmac: make([]byte, 32)}, "m"), "", "", "", 1, 0,
			`bad signature from signer "ops" key version 1 (HashFunction(2))`, "ops"},
	}
	next := frame(t, []byte("next"), opsMD5)
	for _, tt := range tests {
		for _, kind := range readerKinds {
			t.Run(tt.name+"/"+kind.name, func(t *testing.T) {
				stream := append(bytes.Clone(tt.record), next...)
				r := NewReader(kind.wrap(bytes.NewReader(stream)), ReaderOptions{Keys: keys})
				rec, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if tt.want != "" {
					if string(rec.Message) != tt.want || rec.Signer != tt.signer || rec.Header.HmacSigner != tt.hdrSigner {
						t.Fatalf("record %q signed by %q (header %q), want %q signed by %q (header %q)",
							rec.Message, rec.Signer, rec.Header.HmacSigner, tt.want, tt.signer, tt.hdrSigner)
					}
					if rec, err = r.Next(); err != nil {
						t.Fatal(err)
					}
				}
				if string(rec.Message) != "next" || rec.Signer != "ops" {
					t.Fatalf("record %q signed by %q, want the next record", rec.Message, rec.Signer)
				}
				s := r.Stats()
				if s.BadSignatures != tt.bad || s.UnknownSigners != tt.unkn {
					t.Fatalf("bad signatures %d, unknown signers %d; want %d, %d", s.BadSignatures, s.UnknownSigners, tt.bad, tt.unkn)
				}
				wantSkipped := int64(0)
				if tt.want == "" {
					wantSkipped = int64(len(tt.record))
				}
				if s.BytesSkipped != wantSkipped {
					t.Fatalf("skipped %d bytes, want %d", s.BytesSkipped, wantSkipped)
				}
				if got := s.LastDrop.String(); tt.wantDrop != "" && got != tt.wantDrop || s.LastDrop.Signer != tt.dropSigner {
					t.Fatalf("LastDrop %q (signer %q), want %q (signer %q)", got, s.LastDrop.Signer, tt.wantDrop, tt.dropSigner)
				}
				if tt.wantDrop == "" && s.LastDrop.String() != "no drop" {
					t.Fatalf("LastDrop %q with nothing dropped", s.LastDrop)
				}
			})
		}
	}
}

func TestReaderWithoutKeysDropsSigned(t *testing.T) {
	s := &Signer{Name: "ops", Version: 1, Hash: MD5, Key: []byte("k")}
	stream := append(frame(t, []byte("signed"), s), frame(t, []byte("plain"), nil)...)
	res := readAll(t, NewReader(bytes.NewReader(stream), ReaderOptions{}))
	if fmt.Sprint(res.msgs) != "[plain]" || res.stats.UnknownSigners != 1 || res.err != io.EOF {
		t.Fatalf("records %q, stats %+v, err %v; want only the unsigned record", res.msgs, res.stats, res.err)
	}
}

// failingReader returns data then err, with no EOF.
func failingReader(data []byte, err error) io.Reader {
	return io.MultiReader(bytes.NewReader(data), iotest.ErrReader(err))
}

func TestReaderReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	a, b := frame(t, []byte("a"), nil), frame(t, []byte("bbbbbbbb"), nil)
	tests := []struct {
		name     string
		in       io.Reader
		want     []string
		err      error
		buffered int // bytes left unconsumed: a record cut by the error is not garbage
	}{
		{"after whole records", failingReader(append(bytes.Clone(a), a...), boom), []string{"a", "a"}, boom, 0},
		{"inside a record", failingReader(append(bytes.Clone(a), b[:6]...), boom), []string{"a"}, boom, 6},
		{"inside garbage", failingReader([]byte("junk"), boom), nil, boom, 0},
		{"at once", iotest.ErrReader(boom), nil, boom, 0},
		{"timeout on the second read", iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(a))), nil, iotest.ErrTimeout, 1},
		{"no progress", zeroReader{}, nil, io.ErrNoProgress, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.in, ReaderOptions{})
			res := readAll(t, r)
			if res.err != tt.err || fmt.Sprint(res.msgs) != fmt.Sprint(tt.want) {
				t.Fatalf("records %q then %v, want %q then %v", res.msgs, res.err, tt.want, tt.err)
			}
			if r.end-r.start != tt.buffered {
				t.Fatalf("%d bytes buffered, want %d", r.end-r.start, tt.buffered)
			}
			if _, err := r.Next(); err != tt.err {
				t.Fatalf("second Next = %v, want %v again", err, tt.err)
			}
		})
	}
}

// zeroReader returns no bytes and no error, forever.
type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// liarReader claims to have read more than it was given.
type liarReader struct{}

func (liarReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestReaderBrokenReader(t *testing.T) {
	r := NewReader(liarReader{}, ReaderOptions{MaxMessageSize: 10})
	_, err := r.Next()
	if err == nil || !strings.Contains(err.Error(), "reader returned 269 bytes for a 268-byte read") {
		t.Fatalf("Next = %v, want the broken count named", err)
	}
}

func TestReaderReset(t *testing.T) {
	r := NewReader(strings.NewReader("junk"+string(frame(t, []byte("one"), nil))), ReaderOptions{})
	if rec, err := r.Next(); err != nil || string(rec.Message) != "one" {
		t.Fatalf("Next = %q, %v", rec.Message, err)
	}
	r.Reset(failingReader(frame(t, []byte("t"), nil)[:3], errors.New("gone")))
	if _, err := r.Next(); err == nil || err.Error() != "gone" {
		t.Fatalf("Next = %v, want gone", err)
	}
	r.Reset(bytes.NewReader(frame(t, []byte("two"), nil)))
	res := readAll(t, r)
	if fmt.Sprint(res.msgs) != "[two]" || res.err != io.EOF || res.stats.BytesSkipped != 0 || res.stats.Records != 1 {
		t.Fatalf("after Reset: records %q, %v, stats %+v", res.msgs, res.err, res.stats)
	}
}

func TestReaderOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts ReaderOptions
		want string // "" for valid
	}{
		{"zero", ReaderOptions{}, ""},
		{"keys", ReaderOptions{MaxMessageSize: 1 << 20, Keys: map[string][]byte{"ops_1": []byte("k"), "a_b_0": []byte("k")}}, ""},
		{"too large", ReaderOptions{MaxMessageSize: 1 << 32}, "MaxMessageSize 4294967296 exceeds 4294967295"},
		{"no version", ReaderOptions{Keys: map[string][]byte{"ops": []byte("k")}}, `key name "ops": want signer_version`},
		{"empty version", ReaderOptions{Keys: map[string][]byte{"ops_": []byte("k")}}, `key name "ops_"`},
		{"leading zero", ReaderOptions{Keys: map[string][]byte{"ops_01": []byte("k")}}, `key name "ops_01"`},
		{"signed version", ReaderOptions{Keys: map[string][]byte{"ops_+1": []byte("k")}}, `key name "ops_+1"`},
		{"version above uint32", ReaderOptions{Keys: map[string][]byte{"ops_4294967296": []byte("k")}}, `key name "ops_4294967296"`},
		{"empty key", ReaderOptions{Keys: map[string][]byte{"ops_1": nil}}, `key "ops_1" is empty`},
		{"first problem in name order", ReaderOptions{Keys: map[string][]byte{"c_1": nil, "b": []byte("k"), "a_1": []byte("k")}}, `key name "b"`},
	}
	for _, tt := range tests {
		err := tt.opts.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestReaderDefaultsAndKeyCopy(t *testing.T) {
	key := []byte("k")
	r := NewReader(nil, ReaderOptions{MaxMessageSize: -5, Keys: map[string][]byte{"a_b_7": key}})
	if r.max != DefaultMaxMessageSize || len(r.buf) != DefaultMaxMessageSize+MaxHeaderSize+framingSize {
		t.Fatalf("max %d, buffer %d bytes for MaxMessageSize -5", r.max, len(r.buf))
	}
	key[0] = 'X'
	s := &Signer{Name: "a_b", Version: 7, Hash: SHA1, Key: []byte("k")}
	r.Reset(bytes.NewReader(frame(t, []byte("m"), s)))
	if rec, err := r.Next(); err != nil || rec.Signer != "a_b" {
		t.Fatalf("Next = %+v, %v; want signer a_b verified with the key as given", rec, err)
	}
}

func TestReaderZeroAllocs(t *testing.T) {
	keys := map[string][]byte{"ops_1": []byte("ops key")}
	for _, s := range []*Signer{nil, {Name: "ops", Version: 1, Hash: MD5, Key: keys["ops_1"]}, {Name: "ops", Version: 1, Hash: SHA1, Key: keys["ops_1"]}} {
		var stream bytes.Buffer
		w, err := NewWriterOptions(&stream, WriterOptions{Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		for range 1000 {
			if err := w.WriteRecord(bytes.Repeat([]byte("m"), 300)); err != nil {
				t.Fatal(err)
			}
			stream.WriteString("garbage\x1e\x00")
		}
		r := NewReader(bytes.NewReader(stream.Bytes()), ReaderOptions{Keys: keys})
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(500, func() {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("signer %+v: %v allocations per record", s, n)
		}
	}
}

func TestHasRecord(t *testing.T) {
	one := AppendRecord(nil, []byte("first message"))
	two := AppendRecord(nil, []byte("second message"))
	stream := append(append([]byte{}, one...), two...)
	for cut := 0; cut <= len(two); cut++ {
		// The first record and cut bytes of the second arrive in one read.
		r := NewReader(&chunkReader{chunks: [][]byte{stream[:len(one)+cut]}}, ReaderOptions{})
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if got, want := r.HasRecord(), cut == len(two); got != want {
			t.Errorf("after the first record with %d of the second's %d bytes buffered: HasRecord = %v, want %v", cut, len(two), got, want)
		}
	}
	// Whole candidates that Next would not take as records: no unit
	// separator, or a message over the maximum.
	noSep := append([]byte{}, two...)
	noSep[2+int(noSep[1])] = 'x'
	for name, c := range map[string]struct {
		b   []byte
		max int
	}{"no unit separator": {noSep, 0}, "over the maximum": {two, len("second message") - 1}} {
		r := NewReader(&chunkReader{chunks: [][]byte{append(append([]byte{}, one...), c.b...)}}, ReaderOptions{MaxMessageSize: c.max})
		if _, err := r.Next(); err != nil && c.max == 0 {
			t.Fatal(err)
		}
		if r.HasRecord() {
			t.Errorf("%s: HasRecord = true", name)
		}
	}
}

// chunkReader returns its chunks one per Read, then io.EOF.
type chunkReader struct{ chunks [][]byte }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// TestRecordSize: a record's Size is its length in the stream, framing
// included, so that record sizes and skipped bytes add up to the stream.
func TestRecordSize(t *testing.T) {
	var stream bytes.Buffer
	plain := NewWriter(&stream)
	signed, err := NewWriterOptions(&stream, WriterOptions{Signer: &Signer{Name: "ops", Version: 1, Hash: SHA1, Key: []byte("k")}})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for i, w := range []*Writer{plain, signed, plain} {
		before := stream.Len()
		if err := w.WriteRecord(bytes.Repeat([]byte{'m'}, 10+i)); err != nil {
			t.Fatal(err)
		}
		want = append(want, stream.Len()-before)
		stream.WriteString("garbage")
	}
	r := NewReader(bytes.NewReader(stream.Bytes()), ReaderOptions{Keys: map[string][]byte{"ops_1": []byte("k")}})
	total := 0
	for i := range want {
		rec, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if rec.Size != want[i] {
			t.Errorf("record %d: Size %d, want %d", i, rec.Size, want[i])
		}
		total += rec.Size
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the records: %v", err)
	}
	if got := int64(total) + r.Stats().BytesSkipped; got != int64(stream.Len()) {
		t.Errorf("sizes %d + skipped %d = %d, want the stream's %d bytes", total, r.Stats().BytesSkipped, got, stream.Len())
	}
}
