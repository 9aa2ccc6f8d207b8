package lstring

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"sandpiper/sandbox/budget"
)

// nginxLine is one access-log line in nginx's "combined" format.
const nginxLine = `203.0.113.42 - - [28/Nov/2026:10:00:00 +0000] "GET /api/v1/items?id=123&sort=desc HTTP/1.1" 200 5123 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"`

// nginxPattern is the W1 workload's pattern (DESIGN.md): six captures.
const nginxPattern = `^(%S+) %S+ %S+ %[([^%]]+)%] "(%u+) (%S+) [^"]*" (%d+) (%d+)`

// nginxPattern10 takes every field of the line: ten captures.
const nginxPattern10 = `^(%S+) %S+ (%S+) %[([^%]]+)%] "(%u+) (%S+) ([^"]*)" (%d+) (%d+) "([^"]*)" "([^"]*)"`

// benchScript is the loop each engine runs: process() stands for a
// decoder's process_message, called once per line. LINE, PATTERN and the
// capture list are substituted before it runs.
const benchScript = `
local line, pattern = LINE, PATTERN
local lines = 0
local function process()
	local CAPTURES = line:match(pattern)
	if a == nil then error("no match") end
	lines = lines + 1
end
function bench(n)
	for i = 1, n do process() end
	return lines
end
`

func benchSource(pattern string, ncap int) string {
	names := make([]string, ncap)
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	r := strings.NewReplacer("LINE", luaQuote(nginxLine), "PATTERN", luaQuote(pattern), "CAPTURES", strings.Join(names, ", "))
	return r.Replace(benchScript)
}

func BenchmarkNginx6(b *testing.B)  { benchNginx(b, nginxPattern, 6) }
func BenchmarkNginx10(b *testing.B) { benchNginx(b, nginxPattern10, 10) }

// benchNginx runs the same script on this package, on gopher-lua's own
// string library and on C Lua 5.1, and reports lines per second for each.
func benchNginx(b *testing.B, pattern string, ncap int) {
	src := benchSource(pattern, ncap)
	b.Run("lstring", func(b *testing.B) {
		L := lua.NewState()
		defer L.Close()
		Open(L, budget.Unlimited, NewCache(0))
		runGopherBench(b, L, src)
	})
	b.Run("gopher-lua", func(b *testing.B) {
		L := lua.NewState()
		defer L.Close()
		runGopherBench(b, L, src)
	})
	b.Run("clua5.1", func(b *testing.B) {
		lua51, err := exec.LookPath("lua5.1")
		if err != nil {
			b.Skip("lua5.1 is not installed: no C Lua baseline (apt-get install lua5.1)")
		}
		file := filepath.Join(b.TempDir(), "bench.lua")
		script := src + "local t = os.clock(); bench(" + strconv.Itoa(b.N) + "); io.write(os.clock() - t)\n"
		if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		out, err := exec.Command(lua51, file).Output()
		if err != nil {
			b.Fatalf("lua5.1 %s: %v", file, err)
		}
		secs, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil || secs <= 0 {
			b.Fatalf("lua5.1 printed %q, not a time", out)
		}
		// The process start is not part of the loop: report the loop's own
		// clock, as the other two do.
		b.ReportMetric(secs*1e9/float64(b.N), "ns/op")
		b.ReportMetric(secs*1e9/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/secs, "lines/s")
	})
}

func runGopherBench(b *testing.B, L *lua.LState, src string) {
	if err := L.DoString(src); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("bench"), NRet: 1, Protect: true}, lua.LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
	cpu = cpuTime() - cpu
	b.StopTimer()
	if got := L.Get(-1); got != lua.LNumber(b.N) {
		b.Fatalf("bench(%d) matched %v lines", b.N, got)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	// C Lua's figure is its CPU time (os.clock): on a shared machine the
	// process CPU time, garbage collector included, is the fair comparison.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the CPU time the process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMatcher matches the W1 pattern from Go, without Lua, beside
// gopher-lua's matcher (package pm) on the same line.
func BenchmarkMatcher(b *testing.B) {
	b.Run("lstring", func(b *testing.B) {
		p, err := Compile(nginxPattern)
		if err != nil {
			b.Fatal(err)
		}
		m := NewMatcher(budget.Unlimited)
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := m.Find(p, nginxLine, 0); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("gopher-lua-pm", func(b *testing.B) {
		line := []byte(nginxLine)
		b.ReportAllocs()
		for b.Loop() {
			if mds, err := pm.Find(nginxPattern, line, 0, 1); len(mds) != 1 || err != nil {
				b.Fatal(mds, err)
			}
		}
	})
}
