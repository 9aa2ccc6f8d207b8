// Package framing is the HekaFramingSplitter: the records of a stream in
// Heka's stream framing, signed or not, as Heka, Hindsight and Sandpiper
// write them to TCP connections and files.
package framing

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"sandpiper/core/framing"
	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "HekaFramingSplitter",
		Kind:    pipeline.KindSplitter,
		Summary: "reads the records of Heka's stream framing, verifying HMAC signatures",
		Config:  func() any { return &config{} },
		New:     newFramingSplitter,
	})
}

type config struct {
	Signer map[string]signer `toml:"signer" doc:"The keys of trusted signers, one [name.signer.<signer>_<version>] table each; signed records from other signers are dropped."`
}

type signer struct {
	HmacKey string `toml:"hmac_key" doc:"The HMAC key the signer signs its records with."`
}

// Splitter is the HekaFramingSplitter. It counts, over all its streams,
// the records it dropped for their signature or size.
type Splitter struct {
	opts framing.ReaderOptions

	badSignatures  atomic.Int64
	unknownSigners atomic.Int64
	oversize       atomic.Int64
	mu             sync.Mutex
	lastDrop       string
}

func newFramingSplitter(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	opts := framing.ReaderOptions{MaxMessageSize: env.Globals.MaxMessageSize}
	if len(cfg.Signer) > 0 {
		opts.Keys = make(map[string][]byte, len(cfg.Signer))
		for name, s := range cfg.Signer {
			opts.Keys[name] = []byte(s.HmacKey)
		}
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("%s: signer: %w", env.Name, err)
	}
	return &Splitter{opts: opts}, nil
}

// NewReader returns a reader of the framed records of r.
func (s *Splitter) NewReader(r io.Reader) pipeline.RecordReader {
	return &reader{s: s, fr: framing.NewReader(r, s.opts)}
}

// Report adds the records dropped by every stream so far.
func (s *Splitter) Report(add func(key string, value any)) {
	add("bad_signatures", s.badSignatures.Load())
	add("unknown_signers", s.unknownSigners.Load())
	add("oversize", s.oversize.Load())
	s.mu.Lock()
	last := s.lastDrop
	s.mu.Unlock()
	if last != "" {
		add("last_drop", last)
	}
}

type reader struct {
	s        *Splitter
	fr       *framing.Reader
	recBytes int64 // bytes of the records returned so far, framing included
	last     framing.Stats
}

// Next returns the next valid record; Data is the message, Signer the
// verified signer.
func (r *reader) Next() (pipeline.Record, error) {
	rec, err := r.fr.Next()
	st := r.fr.Stats()
	if st.BadSignatures != r.last.BadSignatures || st.UnknownSigners != r.last.UnknownSigners || st.Oversize != r.last.Oversize {
		r.countDrops(st)
	}
	r.last = st
	if err != nil {
		return pipeline.Record{}, err
	}
	// Every byte before this record's end was returned in a record or
	// skipped.
	r.recBytes += int64(rec.Size)
	return pipeline.Record{Data: rec.Message, Signer: rec.Signer, End: r.recBytes + st.BytesSkipped}, nil
}

func (r *reader) countDrops(st framing.Stats) {
	r.s.badSignatures.Add(st.BadSignatures - r.last.BadSignatures)
	r.s.unknownSigners.Add(st.UnknownSigners - r.last.UnknownSigners)
	r.s.oversize.Add(st.Oversize - r.last.Oversize)
	if st.LastDrop != r.last.LastDrop {
		r.s.mu.Lock()
		r.s.lastDrop = st.LastDrop.String()
		r.s.mu.Unlock()
	}
}

// Buffered returns the bytes read and neither returned nor skipped when
// they begin with a whole record, and 0 when they hold only the start of
// one: the next Next would then wait for the rest, and the daemon must not
// hold back the records it gathered meanwhile.
func (r *reader) Buffered() int {
	if !r.fr.HasRecord() {
		return 0
	}
	st := r.fr.Stats()
	return int(st.BytesRead - r.recBytes - st.BytesSkipped)
}

// Skipped returns the bytes of garbage, of records dropped for their
// signature or size, and of an incomplete last record.
func (r *reader) Skipped() int64 { return r.fr.Stats().BytesSkipped }
