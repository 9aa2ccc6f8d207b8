package daemon

// Regression tests for what a review of the runtime found: each failed
// before its fix (named in its comment).

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// runUntil builds a daemon on text and runs it until ctx is done or its
// inputs finish, failing the test if Run has not returned within 10 s.
func runUntil(t *testing.T, text string, shutdown time.Duration, ctx context.Context) (*Daemon, error, string) {
	t.Helper()
	var logs syncBuffer
	d, err := New(Settings{Globals: pipeline.Globals{Hostname: "h"}, ShutdownTimeout: shutdown}, parse(t, text), Options{Log: log.New(&logs, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case err := <-done:
		return d, err, logs.String()
	case <-time.After(10 * time.Second):
		var rep strings.Builder
		d.Report(&rep)
		t.Fatalf("Run did not return within 10 s\nlog:\n%s\nreport:\n%s", logs.String(), rep.String())
		return nil, nil, ""
	}
}

// oneLinePerRead returns one line per Read, so that every record is a
// batch of its own.
type oneLinePerRead struct{ lines []string }

func (r *oneLinePerRead) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.lines[0]+"\n")
	r.lines = r.lines[1:]
	return n, nil
}

var (
	acksMu sync.Mutex
	acks   []int64
)

// ackingInput reads its lines one per batch and records the acks.
type ackingInput struct{ lines []string }

func (in *ackingInput) Run(ctx context.Context, r pipeline.InputRunner) error {
	s := r.NewStream(pipeline.Source{})
	defer s.Close()
	return s.ReadFrom(ctx, &oneLinePerRead{lines: in.lines}, func(end int64) {
		acksMu.Lock()
		acks = append(acks, end)
		acksMu.Unlock()
	})
}

// lateFatalDecoder dies on "die", slowly, so that the workers decode the
// records after it meanwhile.
type lateFatalDecoder struct{}

func (lateFatalDecoder) Decode(rec pipeline.Record, src *pipeline.Source, emit func(*pipeline.Pack)) error {
	if string(rec.Data) == "die" {
		time.Sleep(100 * time.Millisecond)
		return pipeline.Fatal(fmt.Errorf("dies"))
	}
	m := pipeline.NewPayloadMessage(rec, src, 1)
	m.Type = "decoded"
	emit(&pipeline.Pack{Message: m})
	return nil
}

func (lateFatalDecoder) Workers() int { return 4 }

type stageFilterConfig struct {
	SlowFinalMs int    `toml:"slow_final_ms"`
	SlowMs      int    `toml:"slow_ms"`
	DieOn       string `toml:"die_on"`
	InjectType  string `toml:"inject_type"`
}

// stageFilter records its timer events, may be slow, may die on a payload
// and may inject a copy of each message.
type stageFilter struct {
	env *pipeline.Env
	cfg *stageFilterConfig
}

var (
	timerMu     sync.Mutex
	timerEvents = map[string][]bool{} // filter → the shutdown flag of each timer_event
)

func (f *stageFilter) Process(p *pipeline.Pack) error {
	if f.cfg.SlowMs > 0 {
		time.Sleep(time.Duration(f.cfg.SlowMs) * time.Millisecond)
	}
	if f.cfg.DieOn != "" && p.Message.Payload == f.cfg.DieOn {
		return fmt.Errorf("died on %s", f.cfg.DieOn)
	}
	if f.cfg.InjectType != "" {
		m := message.New(3)
		m.Type = f.cfg.InjectType
		m.Payload = p.Message.Payload
		return f.env.Inject(m)
	}
	return nil
}

func (f *stageFilter) TimerEvent(ns int64, shutdown bool) error {
	timerMu.Lock()
	timerEvents[f.env.Name] = append(timerEvents[f.env.Name], shutdown)
	timerMu.Unlock()
	if shutdown && f.cfg.SlowFinalMs > 0 {
		time.Sleep(time.Duration(f.cfg.SlowFinalMs) * time.Millisecond)
	}
	return nil
}

func (f *stageFilter) Stop() error { return nil }

// burstReader hands out its text, then blocks until ctx is done.
type burstReader struct {
	ctx    context.Context
	text   string
	handed *atomic.Int64
}

func (r *burstReader) Read(p []byte) (int, error) {
	if r.text != "" {
		n := copy(p, r.text)
		r.text = r.text[n:]
		r.handed.Add(int64(n))
		return n, nil
	}
	<-r.ctx.Done()
	return 0, io.EOF
}

var burstHanded atomic.Int64

type burstInput struct{}

func (burstInput) Run(ctx context.Context, r pipeline.InputRunner) error {
	var b strings.Builder
	for i := 0; i < 80000; i++ {
		fmt.Fprintf(&b, "%05d\n", i)
	}
	s := r.NewStream(pipeline.Source{})
	defer s.Close()
	return s.ReadFrom(ctx, &burstReader{ctx: ctx, text: b.String(), handed: &burstHanded}, nil)
}

// stuckOutput never reads its batches.
type stuckOutput struct{}

func (stuckOutput) Run(ctx context.Context, r pipeline.OutputRunner) error {
	<-ctx.Done()
	return nil
}

type linesConfig struct {
	Lines []string `toml:"lines"`
}

func init() {
	pipeline.Register(pipeline.Registration{Type: "AckingInput", Kind: pipeline.KindInput, DefaultSplitter: "TestLineSplitter",
		Config: func() any { return &linesConfig{} },
		New:    func(env *pipeline.Env, c any) (any, error) { return &ackingInput{lines: c.(*linesConfig).Lines}, nil }})
	pipeline.Register(pipeline.Registration{Type: "LateFatalDecoder", Kind: pipeline.KindDecoder,
		Config: func() any { return &noOptions{} },
		New:    func(*pipeline.Env, any) (any, error) { return lateFatalDecoder{}, nil }})
	pipeline.Register(pipeline.Registration{Type: "StageFilter", Kind: pipeline.KindFilter,
		Config: func() any { return &stageFilterConfig{} },
		New: func(env *pipeline.Env, c any) (any, error) {
			return &stageFilter{env: env, cfg: c.(*stageFilterConfig)}, nil
		}})
	pipeline.Register(pipeline.Registration{Type: "BurstInput", Kind: pipeline.KindInput, DefaultSplitter: "TestLineSplitter",
		Config: func() any { return &noOptions{} },
		New:    func(*pipeline.Env, any) (any, error) { return burstInput{}, nil }})
	pipeline.Register(pipeline.Registration{Type: "StuckOutput", Kind: pipeline.KindOutput, DefaultEncoder: "TestEncoder",
		Config: func() any { return &noOptions{} },
		New:    func(*pipeline.Env, any) (any, error) { return stuckOutput{}, nil }})
}

// A filter that dies while another is blocked injecting into its full
// queue: the termination report, routed to that other filter, waited for
// it while it waited for the dead one (fixed: terminate closes and empties
// the queue before reporting).
func TestTerminationWhileAnotherFilterWaitsOnIt(t *testing.T) {
	cfg := `
[in]
type = "TestInput"
lines = ["n #"]
repeat = 200

[a]
type = "StageFilter"
message_matcher = "Type == 'fromB'"
queue_size = 2
slow_ms = 5
die_on = "n 20"

[b]
type = "StageFilter"
message_matcher = "TRUE"
queue_size = 2
inject_type = "fromB"
`
	_, err, _ := runUntil(t, cfg, time.Second, context.Background())
	if err == nil || !strings.Contains(err.Error(), "a: died on n 20") {
		t.Fatalf("Run returned %v, want the filter's error", err)
	}
}

// After a fatal decoder error the batches that other workers decoded
// meanwhile were routed and acknowledged past the unrouted records
// (fixed: the sequencer stops routing and acking at the fatal batch).
func TestNothingRoutedOrAckedPastAFatalRecord(t *testing.T) {
	out := uniqueName(t, "out")
	lines := []string{"a0", "a1", "a2", "die"}
	for i := 0; i < 20; i++ {
		lines = append(lines, fmt.Sprintf("b%d", i))
	}
	cfg := fmt.Sprintf(`
[in]
type = "AckingInput"
lines = ["%s"]
decoder = "dec"

[dec]
type = "LateFatalDecoder"

[%s]
type = "TestOutput"
message_matcher = "Type == 'decoded'"
`, strings.Join(lines, `", "`), out)
	acksMu.Lock()
	acks = nil
	acksMu.Unlock()
	if err, _ := runDaemon(t, cfg, context.Background()); err == nil {
		t.Fatal("Run returned no error for a decoder that died")
	}
	if got := written(out); strings.Join(got, ",") != "decoded|a0,decoded|a1,decoded|a2" {
		t.Errorf("routed %q, want only the records before the fatal one", got)
	}
	acksMu.Lock()
	defer acksMu.Unlock()
	for _, a := range acks {
		if a > 9 { // "die" starts at offset 9
			t.Errorf("acknowledged offset %d, past the record the decoder died on (acks %v)", a, acks)
		}
	}
}

// A filter kept getting ordinary timer events after its final one while
// the others ran theirs (fixed: no ticks after the final timer_event).
func TestNoTimerEventAfterTheFinalOne(t *testing.T) {
	cfg := `
[in]
type = "TestInput"
lines = ["x"]
follow = true

[fast]
type = "StageFilter"
message_matcher = "FALSE"
ticker_interval = 1

[slow]
type = "StageFilter"
message_matcher = "FALSE"
ticker_interval = 1
slow_final_ms = 2500
`
	timerMu.Lock()
	delete(timerEvents, "fast")
	timerMu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	if _, err, logs := runUntil(t, cfg, time.Second, ctx); err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	timerMu.Lock()
	defer timerMu.Unlock()
	ev := timerEvents["fast"]
	if len(ev) == 0 || !ev[len(ev)-1] {
		t.Fatalf("fast's timer events %v: want the final one (true) last", ev)
	}
}

// Complete records the splitter had read were dropped at a clean stop
// (fixed: the stream reads no more once stopped, but routes what it holds).
func TestRecordsReadAreRoutedOnStop(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "BurstInput"
decoder = "dec"

[dec]
type = "TestDecoder"
workers = 1

[%s]
type = "TestOutput"
message_matcher = "TRUE"
queue_size = 5
slow_ms = 2
`, out)
	burstHanded.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err, logs := runUntil(t, cfg, 10*time.Second, ctx)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	if got, read := len(written(out)), burstHanded.Load()/6; int64(got) != read {
		t.Errorf("routed %d of the %d lines read before the stop", got, read)
	}
}

// Messages an output never took were counted twice when the shutdown
// timeout gave up on it.
func TestOutputGivenUpOnCountsEachMessageOnce(t *testing.T) {
	cfg := `
[in]
type = "TestInput"
lines = ["a #"]
repeat = 1000

[o]
type = "StuckOutput"
message_matcher = "TRUE"
`
	d, _, logs := runUntil(t, cfg, 100*time.Millisecond, context.Background())
	if !strings.Contains(logs, "o: 1000 messages were not written") {
		t.Errorf("log does not count 1000 lost messages:\n%s", logs)
	}
	var rep strings.Builder
	d.Report(&rep)
	if !strings.Contains(rep.String(), "dropped=1000") {
		t.Errorf("report:\n%s", rep.String())
	}
}

// The report may be asked for while the daemon starts (SIGUSR1 at any time).
func TestReportWhileRunning(t *testing.T) {
	cfg := `
[in]
type = "TestInput"
lines = ["a #"]
repeat = 1000

[o]
type = "TestOutput"
message_matcher = "TRUE"
`
	d, err := New(Settings{ShutdownTimeout: time.Second}, parse(t, cfg), Options{Log: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				d.Report(io.Discard)
			}
		}
	}()
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-done
}

// Two filters injecting into each other's full queues under the Block
// policy waited on each other for ever; an injection now waits at most
// injectWait, then goes in over capacity.
func TestFiltersInjectingIntoEachOtherDoNotWedge(t *testing.T) {
	defer func(d time.Duration) { injectWait = d }(injectWait)
	injectWait = 2 * time.Millisecond
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["m #"]
repeat = 100
decoder = "dec"

[dec]
type = "TestDecoder"

[ping]
type = "StageFilter"
message_matcher = "Type == 'decoded' || Type == 'pong'"
queue_size = 1
slow_ms = 1
inject_type = "ping"

[pong]
type = "StageFilter"
message_matcher = "Type == 'ping'"
queue_size = 1
slow_ms = 1
inject_type = "pong"

[%s]
type = "TestOutput"
message_matcher = "Type == 'ping' || Type == 'pong'"
`, out)
	d, err, logs := runUntil(t, cfg, 5*time.Second, context.Background())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	// Each input message makes ping, pong, ping, pong: four levels.
	if got := len(written(out)); got != 4*100 {
		t.Errorf("wrote %d injected messages, want %d", got, 4*100)
	}
	var rep strings.Builder
	d.Report(&rep)
	if !strings.Contains(rep.String(), "over_capacity=") {
		t.Errorf("the report does not count the injections let in over capacity:\n%s", rep.String())
	}
}

func init() {
	pipeline.Register(pipeline.Registration{Type: "SelfFramingOutput", Kind: pipeline.KindOutput, DefaultEncoder: "TestEncoder", DefaultFraming: true, OwnFraming: true,
		Config: func() any { return &testOutputConfig{} },
		New: func(env *pipeline.Env, c any) (any, error) {
			return &testOutput{name: env.Name, cfg: c.(*testOutputConfig)}, nil
		}})
}

// An output that frames its records itself gets them unframed from Encode,
// and cannot be told not to frame.
func TestOutputFramingItself(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["one"]

[%s]
type = "SelfFramingOutput"
message_matcher = "TRUE"
use_framing = true
`, out)
	if err, logs := runDaemon(t, cfg, context.Background()); err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	if got := written(out); len(got) != 1 || got[0] != "|one" {
		t.Fatalf("wrote %q, want the encoder's bytes unframed", got)
	}
	_, err := New(Settings{}, parse(t, `
[o]
type = "SelfFramingOutput"
message_matcher = "TRUE"
use_framing = false
`), Options{Check: true, Log: logger(&syncBuffer{})})
	if err == nil || !strings.Contains(err.Error(), "use_framing: false: SelfFramingOutput always writes Heka's stream framing") {
		t.Fatalf("err = %v", err)
	}
}
