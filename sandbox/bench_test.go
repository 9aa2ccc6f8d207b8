package sandbox

import (
	"os"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/message"
)

// benchMessages are the messages the filter benchmarks cycle through.
func benchMessages() []*message.Message {
	var ms []*message.Message
	for i := 0; i < 16; i++ {
		m := message.New(int64(i))
		m.Hostname = []string{"web1", "web2", "web3", "db1"}[i%4]
		m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{int64(200 + 100*(i%4))}})
		m.AddField(message.Field{Name: "bytes", Type: message.Integer, Integers: []int64{int64(1000 + i)}})
		ms = append(ms, m)
	}
	return ms
}

// bareFilter is the baseline: a gopher-lua state with its default
// libraries and no limits, whose read_message reads headers and fields as
// plainly as it can, calling the same process_message.
type bareFilter struct {
	L  *lua.LState
	fn lua.LValue
	m  *message.Message
}

func newBareFilter(tb testing.TB, path string) *bareFilter {
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	b := &bareFilter{L: lua.NewState()}
	b.L.SetGlobal("read_message", b.L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		switch {
		case name == "Hostname":
			L.Push(lua.LString(b.m.Hostname))
		case strings.HasPrefix(name, "Fields["):
			L.Push(fieldValue(b.m.Field(name[7:len(name)-1], 0), 0))
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	if err := b.L.DoString(string(src)); err != nil {
		tb.Fatal(err)
	}
	b.fn = b.L.GetGlobal("process_message")
	return b
}

func (b *bareFilter) process(m *message.Message) int {
	b.m = m
	b.L.Push(b.fn)
	if err := b.L.PCall(0, 1, nil); err != nil {
		panic(err)
	}
	st := int(b.L.Get(-1).(lua.LNumber))
	b.L.Pop(1)
	return st
}

// BenchmarkFilter compares process_message calls through the sandbox
// (limits, instruction counting, stats) with the bare gopher-lua loop
// over the same script, in the same run. The ratio sub-benchmark runs
// both alternately and reports sandbox calls/s over bare calls/s.
func BenchmarkFilter(b *testing.B) {
	const script = "testdata/typical_filter.lua"
	ms := benchMessages()
	b.Run("bare", func(b *testing.B) {
		f := newBareFilter(b, script)
		defer f.L.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			f.process(ms[i%len(ms)])
		}
	})
	b.Run("sandbox", func(b *testing.B) {
		s, err := New(Config{Name: "bench", Script: script})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Stop()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, _, err := s.ProcessMessage(ms[i%len(ms)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ratio", func(b *testing.B) {
		f := newBareFilter(b, script)
		defer f.L.Close()
		s, err := New(Config{Name: "bench", Script: script})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Stop()
		b.ReportAllocs()
		const batch = 1000
		var bare, sandboxed time.Duration
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			for j := 0; j < batch; j++ {
				f.process(ms[j%len(ms)])
			}
			t1 := time.Now()
			for j := 0; j < batch; j++ {
				s.ProcessMessage(ms[j%len(ms)])
			}
			bare += t1.Sub(t0)
			sandboxed += time.Since(t1)
		}
		b.ReportMetric(float64(b.N*batch)/sandboxed.Seconds(), "sandbox-calls/s")
		b.ReportMetric(float64(b.N*batch)/bare.Seconds(), "bare-calls/s")
		b.ReportMetric(bare.Seconds()/sandboxed.Seconds(), "ratio")
	})
}

// BenchmarkLenAppend builds a 100,000-element sequence with t[#t+1] = v in
// one call: the cost of # on a legitimate array, which the sandbox
// tidies (see tidy).
func BenchmarkLenAppend(b *testing.B) {
	s, err := New(Config{Name: "bench", Script: writeScript(b, `
		function process_message()
			local t = {}
			for i = 1, 100000 do t[#t + 1] = i end
			assert(#t == 100000)
			return 0
		end`), Limits: Limits{Memory: 64 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Stop()
	m := message.New(1)
	for b.Loop() {
		if _, _, err := s.ProcessMessage(m); err != nil {
			b.Fatal(err)
		}
	}
}
