package bench

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/message"
	"sandpiper/lua_modules"
	"sandpiper/sandbox"
)

// decoderScript is the shipped decoder benchmark (b) runs: nginx's
// combined format into nginx.access messages with nine fields.
const decoderScript = "decoders/nginx_access.lua"

// bareDecoder is benchmark (b)'s first baseline: a plain gopher-lua state
// with its own libraries and no limits running the same script, whose
// read_message returns the line for "Payload" and whose inject_message
// takes the table and does nothing with it. It is what running the Lua
// costs with nothing around it, with gopher-lua's string library.
type bareDecoder struct {
	L        *lua.LState
	fn       lua.LValue
	line     lua.LString
	injected int
}

func newBareDecoder(tb testing.TB) *bareDecoder {
	src, err := fs.ReadFile(lua_modules.FS, decoderScript)
	if err != nil {
		tb.Fatal(err)
	}
	d := &bareDecoder{L: lua.NewState()}
	d.L.SetGlobal("read_message", d.L.NewFunction(func(L *lua.LState) int {
		if L.CheckString(1) == "Payload" {
			L.Push(d.line)
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}))
	d.L.SetGlobal("inject_message", d.L.NewFunction(func(L *lua.LState) int {
		L.CheckTable(1)
		d.injected++
		return 0
	}))
	if err := d.L.DoString(string(src)); err != nil {
		tb.Fatal(err)
	}
	d.fn = d.L.GetGlobal("process_message")
	return d
}

// run decodes every line and returns how many messages were injected.
func (d *bareDecoder) run(tb testing.TB, lines []string) int {
	d.injected = 0
	for _, line := range lines {
		d.line = lua.LString(line)
		d.L.Push(d.fn)
		if err := d.L.PCall(0, 1, nil); err != nil {
			tb.Fatal(err)
		}
		if st := d.L.Get(-1); st != lua.LNumber(0) {
			tb.Fatalf("bare loop: process_message returned %v for %q", st, line)
		}
		d.L.Pop(1)
	}
	return d.injected
}

// sandboxDecode is benchmark (b)'s second baseline: one sandbox, every
// limit on, called directly with one reused message whose Payload is the
// line: what the pipeline's decoder does, without the input, the pool,
// the message made per record, the router and the output. It returns how
// many messages the script injected.
func sandboxDecode(tb testing.TB, s *sandbox.Sandbox, lines []string) int {
	m := message.New(0)
	injected := 0
	emit := func(*message.Message) error { injected++; return nil }
	for _, line := range lines {
		m.Payload = line
		if st, msg, err := s.ProcessMessageTo(m, emit); err != nil || st != 0 {
			tb.Fatalf("sandbox: process_message returned %d %q %v for %q", st, msg, err, line)
		}
	}
	return injected
}

// sandboxDecode2 is the scaling baseline of benchmark (b): two sandboxes,
// called directly from two goroutines, each over half the lines: how far
// the same Lua work scales from one core to two on this machine and Go
// runtime, with no pipeline at all. It returns the messages injected.
func sandboxDecode2(tb testing.TB, s, s2 *sandbox.Sandbox, lines []string) int {
	half := len(lines) / 2
	var other int
	done := make(chan struct{})
	go func() {
		defer close(done)
		other = sandboxDecode(tb, s2, lines[half:])
	}()
	n := sandboxDecode(tb, s, lines[:half])
	<-done
	return n + other
}

func newDecoderSandbox(tb testing.TB) *sandbox.Sandbox {
	src, err := fs.ReadFile(lua_modules.FS, decoderScript)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := sandbox.New(sandbox.Config{Name: "nginx_access", Kind: sandbox.Decoder, Script: decoderScript, Source: src})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// decodeConfig is benchmark (b)'s pipeline: dir's access.log read once,
// each line decoded by nginx_access.lua in a pool of pool sandboxes, every
// message written to a file as framed protobuf.
func decodeConfig(dir string, pool int) string {
	return fmt.Sprintf(`[access]
type = "LogstreamerInput"
log_directory = '%s'
file_match = 'access\.log'
follow = false
decoder = "nginx_access"

[nginx_access]
type = "SandboxDecoder"
filename = %q
pool_size = %d

[archive]
type = "FileOutput"
message_matcher = "Type == 'nginx.access'"
path = '$RUN/decoded.hpb'
`, dir, decoderScript, pool)
}

// decodeOnce runs benchmark (b)'s pipeline over dir's access.log of n lines
// and checks that the output file holds n messages.
func decodeOnce(tb testing.TB, dir string, n, pool int) cost {
	tb.Helper()
	return runPipeline(tb, decodeConfig(dir, pool), func(runDir, report string) {
		if got := countRecords(tb, filepath.Join(runDir, "decoded.hpb")); got != n {
			tb.Fatalf("the output file holds %d of %d messages\n%s", got, n, report)
		}
	})
}

// TestDecode checks benchmark (b)'s pipeline and its two baselines on the
// demo's real nginx lines: each decodes every line into one message.
func TestDecode(t *testing.T) {
	dir := fixtureLogDir(t, 5)
	lines := readLines(t, filepath.Join(dir, "access.log"))
	for _, pool := range []int{1, 2} {
		decodeOnce(t, dir, len(lines), pool)
	}
	bare := newBareDecoder(t)
	defer bare.L.Close()
	if got := bare.run(t, lines); got != len(lines) {
		t.Errorf("bare loop injected %d messages for %d lines", got, len(lines))
	}
	s := newDecoderSandbox(t)
	defer s.Stop()
	if got := sandboxDecode(t, s, lines); got != len(lines) {
		t.Errorf("sandbox injected %d messages for %d lines", got, len(lines))
	}
}

// BenchmarkDecode is benchmark (b): 100k lines of W1's access log through
// the daemon (LogstreamerInput, SandboxDecoder running nginx_access.lua
// with pool_size = GOMAXPROCS, FileOutput of framed protobuf) at
// GOMAXPROCS 1 and 2, beside the bare gopher-lua loop and the sandbox
// called directly over the same lines at GOMAXPROCS 1 and two sandboxes
// at GOMAXPROCS 2, in turn in each round. The bare loop, two to three
// times slower than the sandbox, runs over the first tenth of the lines,
// so that a round stays short.
func BenchmarkDecode(b *testing.B) {
	const n = 100_000
	dir := accessLogDir(b, n)
	lines := readLines(b, filepath.Join(dir, "access.log"))
	bareLines := lines[:n/10]
	bare := newBareDecoder(b)
	defer bare.L.Close()
	s := newDecoderSandbox(b)
	defer s.Stop()
	s2 := newDecoderSandbox(b)
	defer s2.Stop()
	var bareT, sandboxT, sandbox2T, one, two cost
	for b.Loop() {
		withProcs(1, func() {
			bareT.measure(func() { bare.run(b, bareLines) })
			sandboxT.measure(func() { sandboxDecode(b, s, lines) })
			one.add(decodeOnce(b, dir, n, 1))
		})
		withProcs(2, func() {
			sandbox2T.measure(func() {
				if got := sandboxDecode2(b, s, s2, lines); got != n {
					b.Fatalf("two sandboxes decoded %d of %d lines", got, n)
				}
			})
			two.add(decodeOnce(b, dir, n, 2))
		})
	}
	b.ReportMetric(0, "ns/op")
	bareT.report(b, "bare", "lines", len(bareLines))
	sandboxT.report(b, "sandbox", "lines", n)
	sandbox2T.report(b, "sandbox2", "lines", n)
	one.report(b, "p1", "lines", n)
	two.report(b, "p2", "lines", n)
	b.ReportMetric(one.ratio(n, bareT, len(bareLines)), "p1/bare")
	b.ReportMetric(one.ratio(n, sandboxT, n), "p1/sandbox")
	b.ReportMetric(two.ratio(n, one, n), "p2/p1")
	b.ReportMetric(sandbox2T.ratio(n, sandboxT, n), "sandbox2/sandbox")
}
