// Package token is the TokenSplitter: records end (or start) at each
// occurrence of a one-byte delimiter, by default each line of a stream.
package token

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "TokenSplitter",
		Kind:    pipeline.KindSplitter,
		Summary: "splits a stream at each occurrence of a one-byte delimiter (lines by default)",
		Config:  func() any { return &config{Delimiter: "\n", DelimiterEOL: true} },
		New:     newTokenSplitter,
	})
}

type config struct {
	Delimiter    string `toml:"delimiter" doc:"The one byte that separates records; \"\\n\" splits lines."`
	DelimiterEOL bool   `toml:"delimiter_eol" doc:"true: the delimiter ends a record and is dropped; false: it starts the next record and is kept as its first byte."`
}

// Splitter is the TokenSplitter.
type Splitter struct {
	delim   byte
	eol     bool
	stripCR bool
	max     int
}

func newTokenSplitter(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	if len(cfg.Delimiter) != 1 {
		return nil, fmt.Errorf("%s: delimiter %q: must be exactly one byte", env.Name, cfg.Delimiter)
	}
	return New(cfg.Delimiter[0], cfg.DelimiterEOL, env.Globals.MaxMessageSize), nil
}

// New returns a TokenSplitter of records of at most max bytes (max <= 0:
// 64 KiB) delimited by delim. With eol the delimiter ends a record and is
// dropped, and with delim '\n' a "\r" before it is dropped too, so that
// CRLF lines give the same records as LF lines; without eol the delimiter
// starts a record and is kept as its first byte.
func New(delim byte, eol bool, max int) *Splitter {
	if max <= 0 {
		max = 64 << 10
	}
	return &Splitter{delim: delim, eol: eol, stripCR: eol && delim == '\n', max: max}
}

// NewReader returns a reader of the records of r.
func (s *Splitter) NewReader(r io.Reader) pipeline.RecordReader {
	// The buffer holds the longest record, its delimiter and a "\r".
	limit := s.max + 2
	return &reader{s: s, r: r, buf: make([]byte, min(4096, limit)), limit: limit}
}

// maxEmptyReads is how many reads returning nothing and no error Next
// accepts in a row before failing with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

type reader struct {
	s          *Splitter
	r          io.Reader
	buf        []byte // grows up to limit, never beyond
	limit      int
	start, end int   // buf[start:end] is read and not yet returned
	scanned    int   // buf[start:start+scanned] holds no delimiter that ends a record
	offset     int64 // stream offset of buf[start]
	skipped    int64
	discarding bool // the record being read is over the limit: drop it up to its end
	err        error
}

// Buffered returns the bytes read and not yet returned when they hold a
// complete record (or the stream has ended), and 0 when they hold only the
// beginning of one: the next Next would then block, and the daemon must
// not hold back the records it gathered while a line is being written.
func (r *reader) Buffered() int {
	n := r.end - r.start
	if n == 0 || r.err != nil {
		return n
	}
	from := r.from()
	if from < n && bytes.IndexByte(r.buf[r.start+from:r.end], r.s.delim) >= 0 {
		return n
	}
	r.scanned = n
	return 0
}

func (r *reader) Skipped() int64 { return r.skipped }

// from returns where, after buf[start], the delimiter that ends the next
// record is looked for. Without eol a record starts with its delimiter:
// the search starts after that first byte (the rest of a dropped record
// has none to pass over).
func (r *reader) from() int {
	if !r.s.eol && r.scanned == 0 && !r.discarding {
		return 1
	}
	return r.scanned
}

func (r *reader) Next() (pipeline.Record, error) {
	empty := 0
	for {
		from := r.from()
		if r.start+from <= r.end {
			if i := bytes.IndexByte(r.buf[r.start+from:r.end], r.s.delim); i >= 0 {
				n := from + i // record length up to the delimiter
				if r.s.eol {
					if rec, ok := r.take(n, n+1); ok {
						return rec, nil
					}
				} else if rec, ok := r.take(n, n); ok {
					return rec, nil
				}
				continue
			}
			r.scanned = r.end - r.start
		}
		if r.err != nil {
			return r.finish()
		}
		if r.end == len(r.buf) {
			r.makeRoom()
		}
		m, err := r.r.Read(r.buf[r.end:])
		r.end += m
		switch {
		case err != nil:
			r.err = err
		case m == 0:
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
}

// take consumes the next size bytes of the buffer, of which the record is
// the first n, and returns the record unless it is dropped: over the size
// limit, or the end of an overlong one.
func (r *reader) take(n, size int) (pipeline.Record, bool) {
	data := r.buf[r.start : r.start+n]
	r.start += size
	r.offset += int64(size)
	r.scanned = 0
	if r.discarding {
		r.discarding = false
		r.skipped += int64(size)
		return pipeline.Record{}, false
	}
	if r.s.stripCR && len(data) > 0 && data[len(data)-1] == '\r' {
		data = data[:len(data)-1]
	}
	if len(data) > r.s.max {
		r.skipped += int64(size)
		return pipeline.Record{}, false
	}
	return pipeline.Record{Data: data, End: r.offset}, true
}

// makeRoom makes room at the end of a full buffer: it moves the unreturned
// bytes to the front, grows the buffer up to its limit, and drops a record
// that outgrows the limit, counting it as skipped.
func (r *reader) makeRoom() {
	if r.start > 0 {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
		return
	}
	if len(r.buf) < r.limit {
		grown := make([]byte, min(2*len(r.buf), r.limit))
		r.end = copy(grown, r.buf[:r.end])
		r.buf = grown
		return
	}
	r.skipped += int64(r.end)
	r.offset += int64(r.end)
	r.start, r.end, r.scanned = 0, 0, 0
	r.discarding = true
}

// finish handles the end of the stream: the bytes left after the last
// delimiter are a last record when the stream ended (io.EOF), and skipped
// when it failed.
func (r *reader) finish() (pipeline.Record, error) {
	n := r.end - r.start
	if n == 0 {
		return pipeline.Record{}, r.err
	}
	if !errors.Is(r.err, io.EOF) || r.discarding {
		r.skipped += int64(n)
		r.offset += int64(n)
		r.start = r.end
		r.discarding = false
		return pipeline.Record{}, r.err
	}
	rec, ok := r.take(n, n)
	if !ok {
		return pipeline.Record{}, r.err
	}
	return rec, nil
}
