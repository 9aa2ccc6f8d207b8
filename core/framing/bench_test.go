package framing

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// benchMessages returns n messages of 250 to 350 printable bytes, each ending
// in a newline so that the bufio baseline reads one line per message.
func benchMessages(n int) [][]byte {
	rng := rand.New(rand.NewPCG(5, 6))
	msgs := make([][]byte, n)
	for i := range msgs {
		m := make([]byte, 250+rng.IntN(101))
		for j := range m {
			m[j] = byte(' ' + rng.IntN(95))
		}
		m[len(m)-1] = '\n'
		msgs[i] = m
	}
	return msgs
}

var benchSigners = []struct {
	name   string
	signer *Signer
}{
	{"unsigned", nil},
	{"MD5", &Signer{Name: "ops", Version: 1, Hash: MD5, Key: []byte("ops key")}},
	{"SHA1", &Signer{Name: "ops", Version: 1, Hash: SHA1, Key: []byte("ops key")}},
}

// BenchmarkReader reads a stream of 1000 records of about 300 bytes per
// operation. Its baseline reads the unsigned stream's bytes line by line
// with bufio.Reader.ReadSlice, one line per message: the cost of moving the
// bytes through a buffer and finding one delimiter per record.
func BenchmarkReader(b *testing.B) {
	msgs := benchMessages(1000)
	keys := map[string][]byte{"ops_1": []byte("ops key")}
	streams := make([][]byte, len(benchSigners))
	for i, s := range benchSigners {
		var buf bytes.Buffer
		w, err := NewWriterOptions(&buf, WriterOptions{Signer: s.signer})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if err := w.WriteRecord(m); err != nil {
				b.Fatal(err)
			}
		}
		streams[i] = buf.Bytes()
	}

	b.Run("baseline-bufio-ReadSlice", func(b *testing.B) {
		stream := streams[0]
		br := bytes.NewReader(stream)
		lr := bufio.NewReaderSize(br, DefaultMaxMessageSize+MaxHeaderSize+framingSize)
		b.SetBytes(int64(len(stream)))
		b.ReportAllocs()
		for b.Loop() {
			br.Reset(stream)
			lr.Reset(br)
			lines := 0
			for {
				_, err := lr.ReadSlice('\n')
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				lines++
			}
			if lines < len(msgs) {
				b.Fatalf("%d lines, want at least %d", lines, len(msgs))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/record")
	})
	for i, s := range benchSigners {
		b.Run("framing-"+s.name, func(b *testing.B) {
			stream := streams[i]
			br := bytes.NewReader(stream)
			r := NewReader(br, ReaderOptions{Keys: keys})
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			for b.Loop() {
				br.Reset(stream)
				r.Reset(br)
				records := 0
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					records++
				}
				if records != len(msgs) {
					b.Fatalf("%d records, want %d", records, len(msgs))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/record")
		})
	}
}

// BenchmarkWriter writes one record of about 300 bytes per operation to a
// writer that discards it. Its baseline copies the message into a reused
// buffer and writes that, the least a framing writer must do.
func BenchmarkWriter(b *testing.B) {
	msgs := benchMessages(64)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.Run("baseline-copy-Write", func(b *testing.B) {
		var buf []byte
		var w io.Writer = discard{}
		b.SetBytes(int64(size / len(msgs)))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			buf = append(buf[:0], msgs[i%len(msgs)]...)
			if _, err := w.Write(buf); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, s := range benchSigners {
		b.Run("framing-"+s.name, func(b *testing.B) {
			w, err := NewWriterOptions(discard{}, WriterOptions{Signer: s.signer})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size / len(msgs)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := w.WriteRecord(msgs[i%len(msgs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
