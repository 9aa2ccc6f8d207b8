// Package pipelinetest gives plugin tests what the daemon gives a plugin:
// an Env, an InputRunner that collects what an input's streams decode, and
// an OutputRunner fed by the test, so that a plugin is tested in its own
// folder without a running daemon.
package pipelinetest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"sandpiper/core/framing"
	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// Env returns an Env for the plugin called name, with a fresh BaseDir and
// ConfigDir, logging through t.Logf; its Splitter, Decoder and Encoder
// lookups fail until the test sets them.
func Env(t testing.TB, name, typ string) *pipeline.Env {
	dir := t.TempDir()
	host, _ := os.Hostname()
	env := &pipeline.Env{
		Name: name,
		Type: typ,
		Globals: pipeline.Globals{
			BaseDir:        dir,
			Hostname:       host,
			Pid:            int32(os.Getpid()),
			MaxMessageSize: framing.DefaultMaxMessageSize,
		},
		ConfigDir: dir,
		Logf:      func(format string, args ...any) { t.Logf(name+": "+format, args...) },
	}
	missing := func(kind string) func(string) error {
		return func(n string) error { return fmt.Errorf("%s: no %s %q in this test", name, kind, n) }
	}
	env.Splitter = func(n string) (pipeline.Splitter, error) { return nil, missing("splitter")(n) }
	env.Decoder = func(n string) (pipeline.Decoder, error) { return nil, missing("decoder")(n) }
	env.Encoder = func(n string) (pipeline.Encoder, error) { return nil, missing("encoder")(n) }
	env.Inject = func(*message.Message) error { return fmt.Errorf("%s: Inject not set in this test", name) }
	return env
}

// Build decodes options, the body of a plugin's TOML table, into the
// registered configuration of typ and builds the plugin with env. Unknown
// options are an error, as in the daemon.
func Build(env *pipeline.Env, typ, options string) (any, error) {
	reg, ok := pipeline.Lookup(typ)
	if !ok {
		return nil, fmt.Errorf("plugin type %q is not registered", typ)
	}
	cfg := reg.Config()
	md, err := toml.Decode(options, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown option %q", env.Name, und[0].String())
	}
	return reg.New(env, cfg)
}

// Input is an InputRunner that splits, decodes and collects synchronously.
// Splitter nil splits lines; Decoder nil is pipeline.PayloadDecoder.
type Input struct {
	Splitter pipeline.Splitter
	Decoder  pipeline.Decoder
	// FailOn, when set, is called with every Decode error.
	FailOn func(err error)

	mu      sync.Mutex
	packs   []*pipeline.Pack
	errs    []error
	logs    []string
	changed chan struct{}
}

// Name returns "input".
func (r *Input) Name() string { return "input" }

// Logf records a log line.
func (r *Input) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// NewStream returns a stream that processes records as ReadFrom reads them.
func (r *Input) NewStream(src pipeline.Source) pipeline.Stream { return &stream{r: r, src: src} }

// Packs returns the packs collected so far.
func (r *Input) Packs() []*pipeline.Pack {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*pipeline.Pack(nil), r.packs...)
}

// Payloads returns the Payloads of the messages collected so far.
func (r *Input) Payloads() []string {
	var p []string
	for _, pk := range r.Packs() {
		p = append(p, pk.Message.Payload)
	}
	return p
}

// Errors returns the Decode errors so far.
func (r *Input) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// Logs returns the lines logged so far.
func (r *Input) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

// WaitFor waits until at least n packs were collected, failing the test
// after timeout, and returns them.
func (r *Input) WaitFor(t testing.TB, n int, timeout time.Duration) []*pipeline.Pack {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if p := r.Packs(); len(p) >= n {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %d messages, have %d: %q", timeout, n, len(r.Packs()), r.Payloads())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type stream struct {
	r   *Input
	src pipeline.Source
}

func (s *stream) ReadFrom(ctx context.Context, rd io.Reader, ack func(int64)) error {
	var rr pipeline.RecordReader
	if s.r.Splitter != nil {
		rr = s.r.Splitter.NewReader(rd)
	} else {
		rr = &lines{br: bufio.NewReader(rd)}
	}
	dec := s.r.Decoder
	if dec == nil {
		dec = pipeline.PayloadDecoder
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := rr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var got []*pipeline.Pack
		derr := dec.Decode(rec, &s.src, func(p *pipeline.Pack) { got = append(got, p) })
		s.r.mu.Lock()
		s.r.packs = append(s.r.packs, got...)
		if derr != nil {
			s.r.errs = append(s.r.errs, derr)
		}
		s.r.mu.Unlock()
		if derr != nil && s.r.FailOn != nil {
			s.r.FailOn(derr)
		}
		if ack != nil {
			ack(rec.End)
		}
	}
}

func (s *stream) Close() error { return nil }

// lines is the line splitter of an Input without a Splitter: records end
// at "\n", which they do not include; a last line without one is a record
// when the stream ends, and dropped (counted as skipped) when it fails.
type lines struct {
	br      *bufio.Reader
	line    []byte
	end     int64
	skipped int64
}

func (l *lines) Next() (pipeline.Record, error) {
	var err error
	l.line, err = l.br.ReadBytes('\n')
	switch {
	case err == nil:
		l.end += int64(len(l.line))
		return pipeline.Record{Data: l.line[:len(l.line)-1], End: l.end}, nil
	case err == io.EOF && len(l.line) > 0:
		l.end += int64(len(l.line))
		return pipeline.Record{Data: l.line, End: l.end}, nil
	default:
		l.skipped += int64(len(l.line))
		return pipeline.Record{}, err
	}
}

func (l *lines) Buffered() int  { return 0 }
func (l *lines) Skipped() int64 { return l.skipped }

// Output is an OutputRunner fed by the test with Send and closed with
// Close, encoding with Encoder (nil: protobuf, Raw when present) and
// framing when Framing is set.
type Output struct {
	Encoder pipeline.Encoder
	Framing bool

	once    sync.Once
	ch      chan []*pipeline.Pack
	mu      sync.Mutex
	dropped int
	logs    []string
}

func (o *Output) init() { o.once.Do(func() { o.ch = make(chan []*pipeline.Pack) }) }

// Name returns "output".
func (o *Output) Name() string { return "output" }

// Batches returns the channel Send feeds.
func (o *Output) Batches() <-chan []*pipeline.Pack { o.init(); return o.ch }

// Send delivers one batch to the output, waiting until it is received.
func (o *Output) Send(batch ...*pipeline.Pack) { o.init(); o.ch <- batch }

// Close closes the channel of batches, as the daemon does when it stops.
func (o *Output) Close() { o.init(); close(o.ch) }

// Encode encodes as the daemon's OutputRunner does.
func (o *Output) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	if !o.Framing {
		if o.Encoder == nil {
			return appendProtobuf(dst, p), nil
		}
		return o.Encoder.Encode(dst, p)
	}
	var body []byte
	if o.Encoder == nil {
		body = appendProtobuf(nil, p)
	} else {
		var err error
		if body, err = o.Encoder.Encode(nil, p); err != nil {
			return dst, err
		}
	}
	return framing.AppendRecord(dst, body), nil
}

func appendProtobuf(dst []byte, p *pipeline.Pack) []byte {
	if p.Raw != nil {
		return append(dst, p.Raw...)
	}
	return p.Message.MarshalAppend(dst)
}

// Dropped records n dropped messages.
func (o *Output) Dropped(n int) { o.mu.Lock(); o.dropped += n; o.mu.Unlock() }

// DroppedCount returns the messages counted by Dropped.
func (o *Output) DroppedCount() int { o.mu.Lock(); defer o.mu.Unlock(); return o.dropped }

// Logf records a log line.
func (o *Output) Logf(format string, args ...any) {
	o.mu.Lock()
	o.logs = append(o.logs, fmt.Sprintf(format, args...))
	o.mu.Unlock()
}

// Logs returns the lines logged so far.
func (o *Output) Logs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.logs...)
}

// Pack returns a pack of a message with the given payload and fields
// written as in the JSON form ("Type":"x" pairs), for output and encoder
// tests: Pack(t, `{"Payload":"hi","Fields":{"n":1}}`).
func Pack(t testing.TB, jsonForm string) *pipeline.Pack {
	t.Helper()
	m := new(message.Message)
	if err := m.UnmarshalJSON([]byte(jsonForm)); err != nil {
		t.Fatalf("pipelinetest.Pack: %v", err)
	}
	return &pipeline.Pack{Message: m}
}

// ReadFramed returns the messages of a framed protobuf stream, failing the
// test at the first that does not decode.
func ReadFramed(t testing.TB, b []byte) []*message.Message {
	t.Helper()
	r := framing.NewReader(bytes.NewReader(b), framing.ReaderOptions{})
	var out []*message.Message
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("ReadFramed: %v", err)
		}
		m := new(message.Message)
		if err := m.Unmarshal(rec.Message); err != nil {
			t.Fatalf("ReadFramed: record %d: %v", len(out), err)
		}
		out = append(out, m)
	}
}
