package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/framing"
	"sandpiper/core/message"
	"sandpiper/sandbox"
)

// filterScript is the aggregating filter benchmark (c) runs.
const filterScript = "testdata/status_method.lua"

// bareFilter is benchmark (c)'s first baseline: a plain gopher-lua state
// running the same script, whose read_message reads a field's first value
// as plainly as it can.
type bareFilter struct {
	L  *lua.LState
	fn lua.LValue
	m  *message.Message
}

func newBareFilter(tb testing.TB) *bareFilter {
	src, err := os.ReadFile(filterScript)
	if err != nil {
		tb.Fatal(err)
	}
	f := &bareFilter{L: lua.NewState()}
	f.L.SetGlobal("read_message", f.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if !strings.HasPrefix(name, "Fields[") {
			L.Push(lua.LNil)
			return 1
		}
		switch fld := f.m.Field(name[7:len(name)-1], 0); {
		case fld == nil:
			L.Push(lua.LNil)
		case fld.Type == message.Integer:
			L.Push(lua.LNumber(fld.Integers[0]))
		case fld.Type == message.String:
			L.Push(lua.LString(fld.Strings[0]))
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	if err := f.L.DoString(string(src)); err != nil {
		tb.Fatal(err)
	}
	f.fn = f.L.GetGlobal("process_message")
	return f
}

// run calls process_message for n messages, cycling through ms.
func (f *bareFilter) run(tb testing.TB, ms []*message.Message, n int) {
	for i := 0; i < n; i++ {
		f.m = ms[i%len(ms)]
		f.L.Push(f.fn)
		if err := f.L.PCall(0, 1, nil); err != nil {
			tb.Fatal(err)
		}
		f.L.Pop(1)
	}
}

// stream is benchmark (c)'s third baseline, the least a program doing the
// whole job must do: the file's records read by a framing.Reader, each
// decoded into one reused message and passed to the bare gopher-lua
// filter. It returns the messages filtered.
func (f *bareFilter) stream(tb testing.TB, path string) int {
	file, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	r := framing.NewReader(file, framing.ReaderOptions{})
	f.m = message.New(0)
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := f.m.Unmarshal(rec.Message); err != nil {
			tb.Fatal(err)
		}
		f.L.Push(f.fn)
		if err := f.L.PCall(0, 1, nil); err != nil {
			tb.Fatal(err)
		}
		f.L.Pop(1)
		n++
	}
}

// sandboxFilter is benchmark (c)'s second baseline: the script in one
// sandbox, every limit on, called directly for n messages cycling through
// ms: what the SandboxFilter does, without the input, the decoding, the
// router and the queue.
func sandboxFilter(tb testing.TB, s *sandbox.Sandbox, ms []*message.Message, n int) {
	for i := 0; i < n; i++ {
		if st, msg, err := s.ProcessMessage(ms[i%len(ms)]); err != nil || st != 0 {
			tb.Fatalf("sandbox: process_message returned %d %q %v", st, msg, err)
		}
	}
}

func newFilterSandbox(tb testing.TB) *sandbox.Sandbox {
	s, err := sandbox.New(sandbox.Config{Name: "status_method", Kind: sandbox.Filter, Script: filterScript})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// fixtureMessages returns the 405 messages of tests/testdata/nginx_access.heka.
func fixtureMessages(tb testing.TB) []*message.Message {
	recs, err := fixtureRecords()
	if err != nil {
		tb.Fatal(err)
	}
	ms := make([]*message.Message, len(recs))
	for i, r := range recs {
		ms[i] = new(message.Message)
		if err := ms[i].Unmarshal(r); err != nil {
			tb.Fatal(err)
		}
	}
	return ms
}

// filterConfig is benchmark (c)'s pipeline: dir's framed file read once,
// split and decoded as protobuf, every message counted by the Lua filter,
// whose summary at shutdown goes to a null output that keeps it.
func filterConfig(dir, script string) string {
	return fmt.Sprintf(`[messages]
type = "LogstreamerInput"
log_directory = '%s'
file_match = 'messages\.heka'
follow = false
splitter = "HekaFramingSplitter"
decoder = "ProtobufDecoder"

[HekaFramingSplitter]
[ProtobufDecoder]

[status_method]
type = "SandboxFilter"
filename = '%s'
message_matcher = "Type == 'nginx.access'"
ticker_interval = 3600

[summary]
type = %q
message_matcher = "Type == 'heka.sandbox-output'"
keep_payloads = true
`, dir, script, nullType)
}

// filterOnce runs benchmark (c)'s pipeline over dir's file of n messages
// and checks that the filter counted every one of them.
func filterOnce(tb testing.TB, dir string, n int) cost {
	tb.Helper()
	script, err := filepath.Abs(filterScript)
	if err != nil {
		tb.Fatal(err)
	}
	return runPipeline(tb, filterConfig(dir, script), func(_, report string) {
		out := nullOutputNamed("summary")
		want := fmt.Sprintf("total %d | ", n)
		if len(out.payloads) != 1 || !strings.HasPrefix(out.payloads[0], want) {
			tb.Fatalf("the filter's summaries are %q, want one starting %q\n%s", out.payloads, want, report)
		}
	})
}

// TestFilter checks benchmark (c)'s pipeline on a small file against its
// two baselines over the same messages: all three count the same.
func TestFilter(t *testing.T) {
	const n = 2025
	filterOnce(t, framedDir(t, n), n)
	fromPipeline := nullOutputNamed("summary").payloads[0]

	ms := fixtureMessages(t)
	var fromBare string
	bare := newBareFilter(t)
	defer bare.L.Close()
	bare.run(t, ms, n)
	bare.L.SetGlobal("inject_payload", bare.L.NewFunction(func(L *lua.LState) int {
		fromBare = L.CheckString(3)
		return 0
	}))
	if err := bare.L.CallByParam(lua.P{Fn: bare.L.GetGlobal("timer_event"), Protect: true}); err != nil {
		t.Fatal(err)
	}

	var fromSandbox string
	s, err := sandbox.New(sandbox.Config{Name: "status_method", Kind: sandbox.Filter, Script: filterScript,
		Inject: func(m *message.Message) error { fromSandbox = m.Payload; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	sandboxFilter(t, s, ms, n)
	if err := s.TimerEvent(0, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fromPipeline, " | status 200=") || fromBare != fromPipeline || fromSandbox != fromPipeline {
		t.Errorf("the summaries differ:\npipeline %q\nbare     %q\nsandbox  %q", fromPipeline, fromBare, fromSandbox)
	}
}

// BenchmarkFilter is benchmark (c): a framed protobuf file of 200k nginx
// access messages through the daemon (LogstreamerInput,
// HekaFramingSplitter, ProtobufDecoder, a SandboxFilter counting by status
// and method) at GOMAXPROCS 1 and 2, beside the bare gopher-lua loop and
// the sandbox called directly over the same messages, already decoded, at
// GOMAXPROCS 1, in turn in each round.
func BenchmarkFilter(b *testing.B) {
	const n = 200_000
	dir := framedDir(b, n)
	ms := fixtureMessages(b)
	bare := newBareFilter(b)
	defer bare.L.Close()
	s := newFilterSandbox(b)
	defer s.Stop()
	var bareT, streamT, sandboxT, one, two cost
	for b.Loop() {
		withProcs(1, func() {
			bareT.measure(func() { bare.run(b, ms, n) })
			streamT.measure(func() {
				if got := bare.stream(b, filepath.Join(dir, "messages.heka")); got != n {
					b.Fatalf("the bare stream loop read %d of %d messages", got, n)
				}
			})
			sandboxT.measure(func() { sandboxFilter(b, s, ms, n) })
			one.add(filterOnce(b, dir, n))
		})
		withProcs(2, func() { two.add(filterOnce(b, dir, n)) })
	}
	b.ReportMetric(0, "ns/op")
	bareT.report(b, "bare", "msgs", n)
	streamT.report(b, "bare-stream", "msgs", n)
	sandboxT.report(b, "sandbox", "msgs", n)
	one.report(b, "p1", "msgs", n)
	two.report(b, "p2", "msgs", n)
	b.ReportMetric(one.ratio(n, bareT, n), "p1/bare")
	b.ReportMetric(one.ratio(n, streamT, n), "p1/bare-stream")
	b.ReportMetric(one.ratio(n, sandboxT, n), "p1/sandbox")
	b.ReportMetric(two.ratio(n, one, n), "p2/p1")
}
