package sandbox

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestGopherLuaVersion pins the gopher-lua whose internals the sandbox
// reaches: vmloop.go's loop (LState.mainLoop, currentFrame, a call frame's
// Fn and Pc, callGFunction, the opcode table) and arrays.go's OP_LEN hook.
func TestGopherLuaVersion(t *testing.T) {
	const path, want = "github.com/yuin/gopher-lua", "v1.1.2"
	// A test binary carries no dependency versions in its build
	// information, so the version is go.mod's.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for line := range strings.Lines(string(mod)) {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "require" {
			f = f[1:]
		}
		switch {
		case len(f) >= 2 && f[0] == path:
			got = f[1]
		case len(f) >= 2 && f[0] == "replace" && f[1] == path:
			t.Fatalf("go.mod replaces %s: %s", path, strings.TrimSpace(line))
		}
	}
	if got != want {
		t.Fatalf("go.mod requires %s %q, but sandbox/vmloop.go's VM loop mirrors the internals of %s %s "+
			"(mainLoopWithContext, callR, callGFunction, jumpTable, the LState and callFrame fields; "+
			"arrays.go's OP_LEN hook too): re-check them against the new version's vm.go and state.go, "+
			"then update this test", path, got, path, want)
	}
	if !vmLayoutOK {
		t.Fatal("gopher-lua's LState or callFrame no longer matches vmState and vmFrame (sandbox/vmloop.go): " +
			"sandboxes fall back on gopher-lua's loop, counting through the context's Done, 11 % slower")
	}
}

// TestVMLoopSameCounts runs each script's process_message in the
// sandbox's loop and in gopher-lua's (mainLoopWithContext, counting
// through Done, as the sandbox did before it had its own loop): the
// instruction counts, results and errors must be the same.
func TestVMLoopSameCounts(t *testing.T) {
	cases := []struct {
		name, body string
		limits     Limits
	}{
		{"arithmetic loop", `local x = 0 for i = 1, 1000 do x = x + i * 2 end return 0`, Limits{}},
		{"calls and recursion", `local function f(n) if n < 2 then return n end return f(n-1) + f(n-2) end
			return f(12) == 144 and 0 or -1`, Limits{}},
		{"tail calls", `local function f(n) if n == 0 then return 0 end return f(n - 1) end return f(500)`, Limits{}},
		{"closures and varargs", `local function mk(...) local a = {...} return function() return #a end end
			local s = 0 for i = 1, 50 do s = s + mk(i, i, i)() end return s == 150 and 0 or -1`, Limits{}},
		{"metamethods", `local t = setmetatable({}, {__index = function(_, k) return k * 2 end})
			local s = 0 for i = 1, 100 do s = s + t[i] end return s == 10100 and 0 or -1`, Limits{}},
		{"Go calls back into Lua", `local s = string.gsub(string.rep("ab", 50), "a", function(c) return c:upper() end)
			local t = {5, 3, 9, 1} table.sort(t, function(a, b) return a > b end)
			return #s == 100 and t[1] == 9 and 0 or -1`, Limits{}},
		{"pcall of an error", `local ok, e = pcall(error, "boom") return -1, tostring(e)`, Limits{}},
		{"pcall of a Lua function", `local ok, e = pcall(function() local x = nil; return x.y end) return -1, e`, Limits{}},
		{"xpcall handler", `local _, e = xpcall(function() error("x") end, function(m) return "handled " .. m end)
			return -1, e`, Limits{}},
		{"length of a tidied table", `local t = {} t[5000] = 1 t[5000] = nil return #t`, Limits{}},
		{"runtime error", `local t = nil return t.x`, Limits{}},
		{"instruction limit", `while true do end`, Limits{Instructions: 10000}},
		{"instruction limit in pcall", `while true do pcall(string.len, "x") end`, Limits{Instructions: 10000}},
		{"instruction limit in a callback", `string.gsub(string.rep("a", 1000), "a", function() for i = 1, 100 do end end)`,
			Limits{Instructions: 10000}},
	}
	run := func(t *testing.T, script string, limits Limits, ownLoop bool) (string, int64) {
		s, err := New(Config{Name: "test", Script: script, Limits: limits})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Stop()
		if !ownLoop {
			s.state.SetContext(&s.ctr)
		}
		status, msg, err := s.ProcessMessage(testMessage())
		return fmt.Sprintf("status %d, message %q, error %v", status, msg, err), s.ctr.n
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			script := writeScript(t, "function process_message()\ndo\n"+c.body+"\nend\nreturn 0 end")
			got, gotN := run(t, script, c.limits, true)
			want, wantN := run(t, script, c.limits, false)
			if got != want || gotN != wantN {
				t.Errorf("sandbox's loop: %s after %d instructions\ngopher-lua's loop: %s after %d instructions", got, gotN, want, wantN)
			}
			if gotN < 2 {
				t.Errorf("%d instructions counted: the script did not run", gotN)
			}
		})
	}
}
