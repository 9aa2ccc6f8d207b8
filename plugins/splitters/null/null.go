// Package null is the NullSplitter: each read of the stream is one record,
// for inputs whose reads are already messages, such as datagrams.
package null

import (
	"io"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "NullSplitter",
		Kind:    pipeline.KindSplitter,
		Summary: "makes each read of a stream one record (one datagram, one message)",
		Config:  func() any { return &struct{}{} },
		New:     func(env *pipeline.Env, _ any) (any, error) { return New(env.Globals.MaxMessageSize), nil },
	})
}

// Splitter is the NullSplitter.
type Splitter struct{ max int }

// New returns a NullSplitter of records of at most max bytes (max <= 0:
// 64 KiB).
func New(max int) *Splitter {
	if max <= 0 {
		max = 64 << 10
	}
	return &Splitter{max: max}
}

// NewReader returns a reader that makes each Read of r a record.
func (s *Splitter) NewReader(r io.Reader) pipeline.RecordReader {
	// One byte more than the largest record tells a read that was cut
	// short by the buffer from one that fits.
	return &reader{r: r, buf: make([]byte, s.max+1)}
}

// maxEmptyReads is how many reads returning nothing and no error Next
// accepts in a row before failing with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

type reader struct {
	r          io.Reader
	buf        []byte
	end        int64
	skipped    int64
	discarding bool // the reads are parts of one record over the limit
}

// Next reads once and returns what was read as a record. A read that fills
// the buffer holds a record over the size limit: it and the reads after it,
// up to and including one that does not fill the buffer (the rest of the
// same datagram), are skipped.
func (r *reader) Next() (pipeline.Record, error) {
	empty := 0
	for {
		n, err := r.r.Read(r.buf)
		if n > 0 {
			r.end += int64(n)
			full := n == len(r.buf)
			if full || r.discarding {
				r.skipped += int64(n)
				r.discarding = full
			} else {
				return pipeline.Record{Data: r.buf[:n], End: r.end}, nil
			}
		}
		if err != nil {
			return pipeline.Record{}, err
		}
		if n == 0 {
			if empty++; empty >= maxEmptyReads {
				return pipeline.Record{}, io.ErrNoProgress
			}
		}
	}
}

// Buffered returns 0: every read is returned at once.
func (r *reader) Buffered() int { return 0 }

func (r *reader) Skipped() int64 { return r.skipped }
