package framing

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"testing"
	"testing/iotest"
)

// fuzzMax is the maximum message size of the fuzz targets: small, so that
// random input reaches oversize headers and full buffers quickly.
const fuzzMax = 64

var fuzzKeys = map[string][]byte{"ops_1": []byte("ops key"), "t_0": []byte("t key")}

var fuzzSigners = [4]*Signer{
	nil,
	{Name: "ops", Version: 1, Hash: MD5, Key: fuzzKeys["ops_1"]},
	{Name: "t", Version: 0, Hash: SHA1, Key: fuzzKeys["t_0"]},
	{Name: "ops", Version: 1, Hash: SHA1, Key: fuzzKeys["ops_1"]},
}

// FuzzReader checks two things on every input:
//
//  1. Read as a stream, the input never makes the Reader panic or return a
//     message longer than the maximum; the byte accounting of Stats holds;
//     and the records, errors and counts do not depend on how the underlying
//     reader cuts the bytes.
//  2. Read as a script of records and garbage (see fuzzStream), it yields a
//     stream in which no 0x1E occurs between records. For such a stream the
//     Reader returns exactly the records written, in order, each with its
//     signer, and skips exactly the garbage bytes: a scan that stops only at
//     0x1E lands on each record's first byte, and a valid record is consumed
//     whole, so its own bytes are never searched.
func FuzzReader(f *testing.F) {
	var valid bytes.Buffer
	for i, s := range fuzzSigners {
		w, err := NewWriterOptions(&valid, WriterOptions{MaxMessageSize: fuzzMax, Signer: s})
		if err != nil {
			f.Fatal(err)
		}
		if err := w.WriteRecord(bytes.Repeat([]byte{byte('a' + i)}, 10*i+1)); err != nil {
			f.Fatal(err)
		}
		valid.WriteString("\x1e\x02\x08\x7f\x1f junk \x1e\x00")
	}
	f.Add(valid.Bytes())
	f.Add([]byte{})
	f.Add([]byte("\x1e\x02\x08\x05\x1fhello\x1e\x03\x08\x01"))
	f.Add([]byte("\x45abcdef\x03xyz\x85\x1e\x1e\x1e\x1e\x1e\x1e\x02\x1f\x1f\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		first := readFuzz(t, bytes.NewReader(data))
		for _, wrap := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
			if again := readFuzz(t, wrap(bytes.NewReader(data))); !reflect.DeepEqual(again, first) {
				t.Fatalf("reading in other chunks changed the result:\n%+v\n%+v", again, first)
			}
		}

		stream, want, wantSigners, garbage := fuzzStream(t, data)
		for _, in := range []io.Reader{bytes.NewReader(stream), iotest.OneByteReader(bytes.NewReader(stream))} {
			res := readFuzz(t, in)
			if fmt.Sprintf("%q %q", res.msgs, res.signers) != fmt.Sprintf("%q %q", want, wantSigners) {
				t.Fatalf("stream % x:\nread    %q %q\nwritten %q %q", stream, res.msgs, res.signers, want, wantSigners)
			}
			s := res.stats
			if s.BytesSkipped != int64(garbage) || s.Oversize+s.BadSignatures+s.UnknownSigners != 0 {
				t.Fatalf("stream % x: stats %+v, want %d bytes skipped and no rejected record", stream, s, garbage)
			}
		}
	})
}

func readFuzz(t *testing.T, in io.Reader) readResult {
	res := readAll(t, NewReader(in, ReaderOptions{MaxMessageSize: fuzzMax, Keys: fuzzKeys}))
	if res.err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", res.err)
	}
	return res
}

// fuzzStream reads data as a script: a control byte (low 6 bits: message
// length - 1; high 2 bits: the signer), that many message bytes, a byte
// giving a garbage length up to 15, that many garbage bytes with each 0x1E
// changed to 0x1D; and again. It returns the stream written, the messages
// and signers, and the number of garbage bytes.
func fuzzStream(t *testing.T, data []byte) (stream []byte, msgs, signers []string, garbage int) {
	var buf bytes.Buffer
	var writers [len(fuzzSigners)]*Writer
	for i, s := range fuzzSigners {
		w, err := NewWriterOptions(&buf, WriterOptions{MaxMessageSize: fuzzMax, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		writers[i] = w
	}
	take := func(n int) []byte {
		n = min(n, len(data))
		b := data[:n]
		data = data[n:]
		return b
	}
	for len(data) > 0 {
		ctl := take(1)[0]
		msg := take(int(ctl&0x3F) + 1)
		if len(msg) == 0 {
			break
		}
		who := ctl >> 6
		if err := writers[who].WriteRecord(msg); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(msg))
		name := ""
		if s := fuzzSigners[who]; s != nil {
			name = s.Name
		}
		signers = append(signers, name)
		if len(data) == 0 {
			break
		}
		junk := take(int(take(1)[0] % 16))
		for _, c := range junk {
			if c == RecordSeparator {
				c = 0x1D
			}
			buf.WriteByte(c)
		}
		garbage += len(junk)
	}
	return buf.Bytes(), msgs, signers, garbage
}

// FuzzDecodeHeader checks that DecodeHeader never panics, that an accepted
// header re-encodes with AppendHeader to bytes that decode to the same
// Header, and that AppendHeader's output is its own fixed point.
func FuzzDecodeHeader(f *testing.F) {
	f.Add([]byte{0x08, 0x05})
	f.Add(AppendHeader(nil, Header{MessageLength: 9, HmacHashFunction: SHA1, HmacSigner: "ops", HmacKeyVersion: 1, Hmac: []byte{1, 2}}))
	f.Add([]byte{0x3B, 0x4B, 0x50, 0x01, 0x4C, 0x3C, 0x08, 0x04, 0x22, 0x00, 0x32, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil {
			return
		}
		enc := AppendHeader(nil, h)
		again, err := DecodeHeader(enc)
		if err != nil {
			t.Fatalf("DecodeHeader(% x) = %+v, which encodes to % x that does not decode: %v", b, h, enc, err)
		}
		if !headersEqual(again, h) {
			t.Fatalf("% x decodes to %+v, re-encoded % x decodes to %+v", b, h, enc, again)
		}
		if enc2 := AppendHeader(nil, again); !bytes.Equal(enc2, enc) {
			t.Fatalf("AppendHeader is not stable: % x then % x", enc, enc2)
		}
	})
}
