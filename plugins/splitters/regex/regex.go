// Package regex is the RegexSplitter: records are separated by the matches
// of a regular expression, for records of several lines such as stack
// traces and slow query logs.
package regex

import (
	"errors"
	"fmt"
	"io"
	"regexp"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "RegexSplitter",
		Kind:    pipeline.KindSplitter,
		Summary: "splits a stream at each match of a regular expression, keeping its capture group",
		Config:  func() any { return &config{DelimiterEOL: true} },
		New:     newRegexSplitter,
	})
}

type config struct {
	Delimiter    string `toml:"delimiter" doc:"The regular expression (Go RE2 syntax) that separates records; its one optional capture group is kept in the records."`
	DelimiterEOL bool   `toml:"delimiter_eol" doc:"true: the captured text ends the record before the match; false: it starts the record after it."`
}

// Splitter is the RegexSplitter.
type Splitter struct {
	re  *regexp.Regexp
	eol bool
	max int
}

func newRegexSplitter(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	if cfg.Delimiter == "" {
		return nil, fmt.Errorf("%s: delimiter: required", env.Name)
	}
	s, err := New(cfg.Delimiter, cfg.DelimiterEOL, env.Globals.MaxMessageSize)
	if err != nil {
		return nil, fmt.Errorf("%s: delimiter %q: %w", env.Name, cfg.Delimiter, err)
	}
	return s, nil
}

// New returns a RegexSplitter of records of at most max bytes (max <= 0:
// 64 KiB) separated by the matches of expr, which may hold one capture
// group and must not match the empty string. The text of the match outside
// the group is dropped; the captured text is appended to the record before
// the match when eol is set, and starts the record after it otherwise.
func New(expr string, eol bool, max int) (*Splitter, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	if re.NumSubexp() > 1 {
		return nil, fmt.Errorf("has %d capture groups, at most one is allowed", re.NumSubexp())
	}
	if re.MatchString("") {
		return nil, errors.New("matches the empty string")
	}
	if max <= 0 {
		max = 64 << 10
	}
	return &Splitter{re: re, eol: eol, max: max}, nil
}

// NewReader returns a reader of the records of r.
func (s *Splitter) NewReader(r io.Reader) pipeline.RecordReader {
	// Room for the longest record and a delimiter as long again.
	limit := 2 * s.max
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
	start, end int    // buf[start:end] is read and not yet consumed
	offset     int64  // stream offset of buf[start]
	rec        []byte // the record returned last, assembled from its parts
	carry      []byte // without eol: the captured text that starts the next record
	skipped    int64
	discarding bool // the record being read is over the limit: drop it up to its end
	err        error

	// The last search of buf[start:end], kept so that Buffered and Next
	// do not search the same bytes twice.
	foundStart, foundEnd int
	found                []int // nil: no match that may be taken
}

func (r *reader) Skipped() int64 { return r.skipped }

// Buffered returns the bytes read and not yet returned when they hold a
// complete record (or the stream has ended), and 0 when they hold only the
// beginning of one: the next Next would then block.
func (r *reader) Buffered() int {
	n := r.end - r.start
	if n == 0 || r.err != nil || r.search() != nil {
		return n
	}
	return 0
}

// search returns the submatch indexes, relative to buf[start], of the
// first match in buf[start:end] that can be taken: one that does not reach
// the end of the bytes read, since more bytes could extend it, unless the
// stream has ended or the buffer is full.
func (r *reader) search() []int {
	if r.foundStart != r.start || r.foundEnd != r.end {
		r.foundStart, r.foundEnd = r.start, r.end
		r.found = r.s.re.FindSubmatchIndex(r.buf[r.start:r.end])
		if r.found != nil && r.found[1] == r.end-r.start && r.err == nil && r.end-r.start < r.limit {
			r.found = nil
		}
	}
	return r.found
}

func (r *reader) Next() (pipeline.Record, error) {
	empty := 0
	for {
		if loc := r.search(); loc != nil {
			if rec, ok := r.take(loc); ok {
				return rec, nil
			}
			continue
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
			r.foundEnd = -1 // a match at the end may be taken now
		case m == 0:
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
}

// take consumes the bytes up to the end of the match at loc and returns the
// record they complete, unless it is empty or dropped.
func (r *reader) take(loc []int) (pipeline.Record, bool) {
	window := r.buf[r.start:r.end]
	var captured []byte
	if len(loc) > 2 && loc[2] >= 0 {
		captured = window[loc[2]:loc[3]]
	}
	r.rec = append(append(r.rec[:0], r.carry...), window[:loc[0]]...)
	end := r.offset + int64(loc[0]) // without eol, reading resumes at the match, which starts the next record
	if r.s.eol {
		r.rec = append(r.rec, captured...)
		end = r.offset + int64(loc[1])
	} else {
		r.carry = append(r.carry[:0], captured...)
	}
	r.start += loc[1]
	r.offset += int64(loc[1])
	if r.discarding {
		r.discarding = false
		r.skipped += int64(len(r.rec))
		return pipeline.Record{}, false
	}
	if len(r.rec) == 0 {
		return pipeline.Record{}, false
	}
	if len(r.rec) > r.s.max {
		r.skipped += int64(len(r.rec))
		return pipeline.Record{}, false
	}
	return pipeline.Record{Data: r.rec, End: end}, true
}

// makeRoom makes room at the end of a full buffer: it moves the unconsumed
// bytes to the front, grows the buffer up to its limit, and drops a record
// that outgrows the limit, counting it as skipped.
func (r *reader) makeRoom() {
	switch {
	case r.start > 0:
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	case len(r.buf) < r.limit:
		grown := make([]byte, min(2*len(r.buf), r.limit))
		r.end = copy(grown, r.buf[:r.end])
		r.buf = grown
	default:
		r.skipped += int64(len(r.carry) + r.end)
		r.offset += int64(r.end)
		r.carry = r.carry[:0]
		r.start, r.end = 0, 0
		r.discarding = true
	}
	r.foundEnd = -1
}

// finish handles the end of the stream: the bytes after the last match are
// a last record when the stream ended (io.EOF), and skipped when it failed.
func (r *reader) finish() (pipeline.Record, error) {
	rest := r.buf[r.start:r.end]
	r.rec = append(append(r.rec[:0], r.carry...), rest...)
	r.carry = r.carry[:0]
	r.offset += int64(len(rest))
	r.start = r.end
	switch {
	case len(r.rec) == 0:
		return pipeline.Record{}, r.err
	case r.discarding || !errors.Is(r.err, io.EOF) || len(r.rec) > r.s.max:
		r.discarding = false
		r.skipped += int64(len(r.rec))
		return pipeline.Record{}, r.err
	}
	return pipeline.Record{Data: r.rec, End: r.offset}, nil
}
