package daemon

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// The fake plugins of these tests, registered under Test* names so that the
// daemon is tested apart from the real plugins (tests/ runs those).

type testInputConfig struct {
	Lines  []string `toml:"lines"`
	Repeat int      `toml:"repeat"`
	Follow bool     `toml:"follow"`
}

type testInput struct{ cfg *testInputConfig }

func (in *testInput) Run(ctx context.Context, r pipeline.InputRunner) error {
	var text strings.Builder
	for i := 0; i < max(in.cfg.Repeat, 1); i++ {
		for _, l := range in.cfg.Lines {
			text.WriteString(strings.ReplaceAll(l, "#", fmt.Sprint(i)) + "\n")
		}
	}
	s := r.NewStream(pipeline.Source{})
	defer s.Close()
	if err := s.ReadFrom(ctx, strings.NewReader(text.String()), nil); err != nil {
		return err
	}
	if in.cfg.Follow {
		<-ctx.Done()
	}
	return nil
}

type lineSplitter struct{}

func (lineSplitter) NewReader(r io.Reader) pipeline.RecordReader {
	return &lineReader{br: bufio.NewReaderSize(r, 4096)}
}

// lineReader splits lines, skipping (and counting) those that start with
// "!", as a splitter skips garbage.
type lineReader struct {
	br      *bufio.Reader
	end     int64
	skipped int64
}

func (l *lineReader) Next() (pipeline.Record, error) {
	for {
		line, err := l.br.ReadSlice('\n')
		if err != nil {
			return pipeline.Record{}, err
		}
		l.end += int64(len(line))
		if line[0] == '!' {
			l.skipped += int64(len(line))
			continue
		}
		return pipeline.Record{Data: line[:len(line)-1], End: l.end}, nil
	}
}
func (l *lineReader) Buffered() int  { return l.br.Buffered() }
func (l *lineReader) Skipped() int64 { return l.skipped }

type testDecoderConfig struct {
	FailOn  string `toml:"fail_on"`
	FatalOn string `toml:"fatal_on"`
	Workers int    `toml:"workers"`
	Jitter  bool   `toml:"jitter"`
}

type testDecoder struct{ cfg *testDecoderConfig }

func (d *testDecoder) Decode(rec pipeline.Record, src *pipeline.Source, emit func(*pipeline.Pack)) error {
	line := string(rec.Data)
	if d.cfg.Jitter {
		time.Sleep(time.Duration(rand.Intn(200)) * time.Microsecond)
	}
	switch {
	case d.cfg.FatalOn != "" && line == d.cfg.FatalOn:
		return pipeline.Fatal(fmt.Errorf("dies on %q", line))
	case d.cfg.FailOn != "" && line == d.cfg.FailOn:
		return fmt.Errorf("cannot decode %q", line)
	}
	m := pipeline.NewPayloadMessage(rec, src, 1)
	m.Type = "decoded"
	emit(&pipeline.Pack{Message: m})
	return nil
}

func (d *testDecoder) Workers() int { return max(d.cfg.Workers, 1) }

type testFilterConfig struct {
	InjectType string `toml:"inject_type"`
	DieAfter   int    `toml:"die_after"`
}

// testFilter counts what it receives, injects one message of InjectType per
// message when set, and a summary "count=N shutdown=B" on each timer event.
type testFilter struct {
	env  *pipeline.Env
	cfg  *testFilterConfig
	seen int
}

func (f *testFilter) Process(p *pipeline.Pack) error {
	if p.Injector == f.env.Name {
		return fmt.Errorf("received its own injection")
	}
	f.seen++
	if f.cfg.DieAfter > 0 && f.seen > f.cfg.DieAfter {
		return fmt.Errorf("process_message() died after %d messages", f.cfg.DieAfter)
	}
	if f.cfg.InjectType != "" {
		m := message.New(2)
		m.Type = f.cfg.InjectType
		m.Payload = p.Message.Payload
		return f.env.Inject(m)
	}
	return nil
}

func (f *testFilter) TimerEvent(ns int64, shutdown bool) error {
	m := message.New(ns)
	m.Type = "summary"
	m.Payload = fmt.Sprintf("count=%d shutdown=%v", f.seen, shutdown)
	return f.env.Inject(m)
}

func (f *testFilter) Stop() error { return nil }

type testOutputConfig struct {
	SlowMs int `toml:"slow_ms"`
}

// testOutput keeps what it writes in collected[name], encoded by the
// runner, one string per message.
type testOutput struct {
	name string
	cfg  *testOutputConfig
}

var (
	collectedMu sync.Mutex
	collected   = map[string][]string{}
)

func written(name string) []string {
	collectedMu.Lock()
	defer collectedMu.Unlock()
	return append([]string(nil), collected[name]...)
}

func (o *testOutput) Run(ctx context.Context, r pipeline.OutputRunner) error {
	var buf []byte
	for batch := range r.Batches() {
		for _, p := range batch {
			if o.cfg.SlowMs > 0 {
				time.Sleep(time.Duration(o.cfg.SlowMs) * time.Millisecond)
			}
			var err error
			if buf, err = r.Encode(buf[:0], p); err != nil {
				return err
			}
			collectedMu.Lock()
			collected[o.name] = append(collected[o.name], string(buf))
			collectedMu.Unlock()
		}
	}
	return nil
}

// testEncoder writes "Type|Payload|field=value..." so tests see what matters.
type testEncoder struct{}

func (testEncoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	dst = append(dst, p.Message.Type+"|"+p.Message.Payload...)
	for _, f := range p.Message.Fields {
		dst = fmt.Appendf(dst, "|%s=%v%v%v", f.Name, f.Strings, f.Bools, f.Integers)
	}
	return dst, nil
}

type noOptions struct{}

func init() {
	pipeline.Register(pipeline.Registration{Type: "TestInput", Kind: pipeline.KindInput, DefaultSplitter: "TestLineSplitter",
		Config: func() any { return &testInputConfig{} },
		New:    func(env *pipeline.Env, c any) (any, error) { return &testInput{c.(*testInputConfig)}, nil }})
	pipeline.Register(pipeline.Registration{Type: "TestLineSplitter", Kind: pipeline.KindSplitter,
		Config: func() any { return &noOptions{} },
		New:    func(*pipeline.Env, any) (any, error) { return lineSplitter{}, nil }})
	pipeline.Register(pipeline.Registration{Type: "TestDecoder", Kind: pipeline.KindDecoder,
		Config: func() any { return &testDecoderConfig{} },
		New:    func(env *pipeline.Env, c any) (any, error) { return &testDecoder{c.(*testDecoderConfig)}, nil }})
	pipeline.Register(pipeline.Registration{Type: "TestFilter", Kind: pipeline.KindFilter,
		Config: func() any { return &testFilterConfig{} },
		New: func(env *pipeline.Env, c any) (any, error) {
			return &testFilter{env: env, cfg: c.(*testFilterConfig)}, nil
		}})
	pipeline.Register(pipeline.Registration{Type: "TestOutput", Kind: pipeline.KindOutput, DefaultEncoder: "TestEncoder",
		Config: func() any { return &testOutputConfig{} },
		New: func(env *pipeline.Env, c any) (any, error) {
			return &testOutput{name: env.Name, cfg: c.(*testOutputConfig)}, nil
		}})
	pipeline.Register(pipeline.Registration{Type: "TestEncoder", Kind: pipeline.KindEncoder,
		Config: func() any { return &noOptions{} },
		New:    func(*pipeline.Env, any) (any, error) { return testEncoder{}, nil }})
}

// unknownKeys returns the keys of the last text parse read that no
// decoding took, as package config's Unknown does for the daemon.
var unknownKeys func() []string

// parse turns a TOML text into the daemon's plugin configurations, every
// top-level table one plugin (the type is the table's name when absent), as
// package config does for the daemon.
func parse(t *testing.T, text string) []PluginConfig {
	t.Helper()
	var tables map[string]toml.Primitive
	md, err := toml.Decode(text, &tables)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range md.Keys() {
		if len(k) == 1 {
			names = append(names, k[0])
		}
	}
	var out []PluginConfig
	for _, name := range names {
		prim := tables[name]
		var typ struct {
			Type string `toml:"type"`
		}
		if err := md.PrimitiveDecode(prim, &typ); err != nil {
			t.Fatal(err)
		}
		if typ.Type == "" {
			typ.Type = name
		}
		out = append(out, PluginConfig{Name: name, Type: typ.Type, File: "test.toml", Dir: t.TempDir(),
			Decode: func(targets ...any) error {
				for _, tg := range targets {
					if err := md.PrimitiveDecode(prim, tg); err != nil {
						return fmt.Errorf("test.toml: [%s]: %v", name, err)
					}
				}
				return nil
			}})
	}
	unknownKeys = func() []string {
		var keys []string
		for _, k := range md.Undecoded() {
			if len(k) == 2 {
				keys = append(keys, k.String())
			}
		}
		return keys
	}
	return out
}

// start builds and runs a daemon on text, returning what Run returned and
// the log.
func runDaemon(t *testing.T, text string, ctx context.Context) (error, string) {
	t.Helper()
	var logs syncBuffer
	d, err := New(Settings{Globals: pipeline.Globals{Hostname: "testhost", Pid: 7, BaseDir: t.TempDir()}, ShutdownTimeout: 5 * time.Second},
		parse(t, text), Options{Log: log.New(&logs, "", 0)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case err := <-done:
		return err, logs.String()
	case <-time.After(20 * time.Second):
		t.Fatalf("Run did not return; log:\n%s", logs.String())
		return nil, ""
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func logger(w *syncBuffer) *log.Logger { return log.New(w, "", 0) }
