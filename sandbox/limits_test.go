package sandbox

import (
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// TestLimits runs scripts that break each limit; each must terminate the
// sandbox with the limit's error, within the limit.
func TestLimits(t *testing.T) {
	cases := []struct {
		name, body, want string
		limits           Limits
		// slack is how far past the memory limit the measured heap may
		// go: a loop adds up to one measurement interval's worth; a
		// concatenation loop runs so few instructions that the
		// watchdog's growth trigger stops it, a doubling or two later.
		slack int64
	}{
		{"infinite loop", `while true do end`, "process_message() instruction_limit exceeded", Limits{}, 0},
		{"infinite loop, small limit", `while true do end`, "process_message() instruction_limit exceeded", Limits{Instructions: 100}, 0},
		{"loop through pcall", `while true do pcall(function() while true do end end) end`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"pcall swallowing the limit", `for i = 1, 1e9 do pcall(function() for j = 1, 1e9 do end end) end`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"metamethod loop", `local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]`,
			"process_message() ", Limits{}, 0},
		{"deep recursion", `local function f(n) return 1 + f(n + 1) end f(1)`, "stack overflow", Limits{}, 0},
		{"table memory bomb", `local t = {} for i = 1, 1e9 do t[i] = {i} end`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20, Instructions: 1e8}, 0},
		{"string doubling", `local s = "x" for i = 1, 40 do s = s .. s end`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20}, 16 * watchdogGrowth},
		{"global string growth", `big = {} for i = 1, 1e6 do big[#big + 1] = string.rep("y", 1000) .. i end`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20, Instructions: 1e8}, 0},
		{"closure bomb", `fs = {} for i = 1, 1e7 do local x = i fs[i] = function() return x end end`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20, Instructions: 1e8}, 0},
		{"pcall recursion", `local function f() pcall(f) pcall(f) end f()`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"tail calls", `local function f(n) return f(n + 1) end return f(1)`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"table.insert at the front", `local t = {} for i = 1, 20000 do t[i] = i end
			for i = 1, 1e9 do table.insert(t, 1, i) table.remove(t) end`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"string.upper of a big string", `local s = string.rep("a", 1e6) for i = 1, 1e9 do s:upper() end`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"concatenation garbage", `local s = string.rep("a", 1e6) for i = 1, 1e9 do local t = s .. "b" end`,
			"process_message() instruction_limit exceeded", Limits{}, 0},
		{"string.byte of a whole string", `return select("#", string.rep("a", 1e5):byte(1, -1))`,
			"string.byte() string slice too long", Limits{}, 0},
		{"unpack of a big table", `local t = {} for i = 1, 1e5 do t[i] = i end return unpack(t)`,
			"unpack() too many results to unpack", Limits{}, 0},
		{"gsub doubling", `local s = "ab" for i = 1, 40 do s = s:gsub(".", "%0%0") end`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20, Instructions: 1e9}, 0},
		{"string.rep huge", `local s = string.rep("x", 1e9)`,
			"process_message() memory_limit exceeded", Limits{}, 0},
		{"rawset far key", `local t = rawset({}, 1000000, 1)`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20}, 0},
		{"table.insert far position", `table.insert({}, 1000000, 1)`,
			"process_message() memory_limit exceeded", Limits{Memory: 1 << 20}, 0},
		{"# over trailing nils", `local t = {1} t[20000] = 1 t[20000] = nil for i = 1, 1e9 do local n = #t end`,
			"process_message() instruction_limit exceeded", Limits{Instructions: 1e5}, 0},
		{"next over a sparse array", `local t = {} t[100000] = 1 for i = 1, 1e9 do local k = next(t) end`,
			"process_message() instruction_limit exceeded", Limits{}, 0},
		{"pairs over a sparse array", `local t = {} t[100000] = 1 for i = 1, 1e9 do for k in pairs(t) do end end`,
			"process_message() instruction_limit exceeded", Limits{}, 0},
		{"Go panic caught by xpcall", `local h h = function(e) local _, e2 = xpcall(error, h) return e2 end
			local _, e = xpcall(error, h) return -1, tostring(e)`,
			"process_message() Go runtime error:", Limits{}, 0},
		{"payload type and name", `inject_payload(string.rep("t", 1e5), string.rep("n", 1e5), "x")`,
			"process_message() output_limit exceeded", Limits{}, 0},
		{"payload flood", `for i = 1, 1e6 do add_to_payload("0123456789") end`,
			"process_message() output_limit exceeded", Limits{}, 0},
		{"payload flood through pcall", `for i = 1, 1e6 do pcall(add_to_payload, "0123456789") end return 0`,
			"process_message() output_limit exceeded", Limits{}, 0},
		{"big message", `inject_message({Payload = string.rep("z", 70000)})`,
			"process_message() output_limit exceeded", Limits{}, 0},
		{"small output limit", `inject_payload("txt", "", string.rep("z", 101))`,
			"process_message() output_limit exceeded", Limits{Output: 100}, 0},
	}
	// Each case must meet its own limit, not the watchdog's time limit,
	// except the concatenation loop, which only the time limit stops.
	defer SetCallTimeLimit(0)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			SetCallTimeLimit(time.Minute)
			if c.name == "concatenation garbage" {
				SetCallTimeLimit(200 * time.Millisecond)
			}
			s, _ := newSandbox(t, "function process_message()\ndo\n"+c.body+"\nend\nreturn 0 end", Config{Limits: c.limits})
			_, _, err := s.ProcessMessage(testMessage())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			limits := c.limits.withDefaults()
			st := s.Stats()
			if st.MaxInstructions > limits.Instructions {
				t.Errorf("MaxInstructions %d > limit %d", st.MaxInstructions, limits.Instructions)
			}
			if strings.Contains(c.want, "memory") && st.MaxMemory > 4*limits.Memory+c.slack {
				t.Errorf("measured %d bytes, far past the limit %d", st.MaxMemory, limits.Memory)
			}
			if s.Terminated() == nil {
				t.Error("not terminated")
			}
		})
	}
}

// TestInstructionCountExact: a call may use exactly the limit.
func TestInstructionCountExact(t *testing.T) {
	s, _ := newSandbox(t, `function process_message() local x = 0 for i = 1, N do x = x + 1 end return 0 end N = 10`,
		Config{})
	if _, _, err := s.ProcessMessage(testMessage()); err != nil {
		t.Fatal(err)
	}
	small := s.Stats().MaxInstructions
	s2, _ := newSandbox(t, `function process_message() local x = 0 for i = 1, N do x = x + 1 end return 0 end N = 20`,
		Config{})
	s2.ProcessMessage(testMessage())
	// Each iteration is two instructions: ADD and FORLOOP.
	if d := s2.Stats().MaxInstructions - small; d != 20 {
		t.Fatalf("10 more iterations cost %d instructions, want 20", d)
	}
	exact, _ := newSandbox(t, `function process_message() local x = 0 for i = 1, N do x = x + 1 end return 0 end N = 10`,
		Config{Limits: Limits{Instructions: small}})
	if _, _, err := exact.ProcessMessage(testMessage()); err != nil {
		t.Fatalf("limit = use: %v", err)
	}
	over, _ := newSandbox(t, `function process_message() local x = 0 for i = 1, N do x = x + 1 end return 0 end N = 10`,
		Config{Limits: Limits{Instructions: small - 1}})
	if _, _, err := over.ProcessMessage(testMessage()); err == nil {
		t.Fatal("limit = use - 1: no error")
	}
}

// TestBudget checks the Budget the Go modules charge.
func TestBudget(t *testing.T) {
	s, _ := newSandbox(t, `function process_message() return 0 end`, Config{Limits: Limits{Instructions: 100, Memory: 1 << 20}})
	b := s.Budget()
	s.ctr.begin()
	if err := b.Steps(100); err != nil {
		t.Fatalf("Steps(100) = %v", err)
	}
	if err := b.Steps(1); err == nil {
		t.Fatal("Steps past the limit: no error")
	}
	s.ctr.begin()
	if err := b.Alloc(512 << 10); err != nil {
		t.Fatalf("Alloc(512K) = %v", err)
	}
	if err := b.Alloc(2 << 20); err == nil {
		t.Fatal("Alloc(2M) past a 1M limit: no error")
	}
}

// TestMemoryMeasure checks that retained data is measured and garbage is
// not.
func TestMemoryMeasure(t *testing.T) {
	s, _ := newSandbox(t, `
		keep = {}
		function process_message()
			local garbage = {}
			for i = 1, 1000 do garbage[i] = string.rep("g", 100) .. i end
			keep[#keep + 1] = string.rep("k", 10000) .. #keep
			return 0
		end`, Config{})
	s.measure()
	before := s.mem.current
	for i := 0; i < 10; i++ {
		if _, _, err := s.ProcessMessage(testMessage()); err != nil {
			t.Fatal(err)
		}
	}
	s.measure()
	grown := s.mem.current - before
	if grown < 100_000 || grown > 150_000 {
		t.Fatalf("10 strings of 10 KB grew the measure by %d bytes", grown)
	}
}

// TestCeiling: the watchdog ends a running call when the process heap is
// above the ceiling, and the sandbox reports memory_limit exceeded.
func TestCeiling(t *testing.T) {
	SetMemoryCeiling(1)
	defer SetMemoryCeiling(0)
	s, r := newSandbox(t, `function process_message() while true do end end`, Config{Limits: Limits{Instructions: 1e12}})
	_, _, err := s.ProcessMessage(testMessage())
	if err == nil || !strings.Contains(err.Error(), "memory_limit exceeded") {
		t.Fatalf("err = %v", err)
	}
	if len(r.log) == 0 || !strings.Contains(r.log[0], "memory ceiling") {
		t.Errorf("log = %q", r.log)
	}
}

// TestDecoderQueueFlood: a decoder's inject quota is unlimited, but what it
// queues counts against its memory, and nothing of a failed call is
// delivered.
func TestDecoderQueueFlood(t *testing.T) {
	s, r := newSandbox(t, `function process_message() for i = 1, 1e9 do inject_message({Payload = "x"}) end return 0 end`,
		Config{Kind: Decoder, Limits: Limits{Memory: 1 << 20}})
	_, _, err := s.ProcessMessage(testMessage())
	if err == nil || err.Error() != "process_message() memory_limit exceeded" {
		t.Fatalf("err = %v", err)
	}
	if len(r.injected) != 0 {
		t.Errorf("%d messages delivered", len(r.injected))
	}
}

// TestTableArrayLayout checks that the walk reads the array part of a
// table where gopher-lua keeps it.
func TestTableArrayLayout(t *testing.T) {
	s, _ := newSandbox(t, `function process_message() return 0 end`, Config{})
	tb := s.state.NewTable()
	for i := 1; i <= 100; i++ {
		tb.Append(lua.LNumber(i))
	}
	if a := tableArray(tb); len(a) != 100 || a[99] != lua.LNumber(100) {
		t.Fatalf("array part: len %d", len(a))
	}
}

// TestRegistryLayout checks that the walk finds gopher-lua's data stack,
// and that values only the stack holds are measured.
func TestRegistryLayout(t *testing.T) {
	if !registryLayout.ok {
		t.Fatal("gopher-lua's LState.reg.array/top not found")
	}
	s, _ := newSandbox(t, `
		local big = string.rep("x", 1e6)
		local function hold(depth, ...)
			if depth == 0 then while true do end end
			return (hold(depth - 1, big .. depth))
		end
		function process_message() hold(10) return 0 end`, Config{Limits: Limits{Memory: 4 << 20, Instructions: 1e8}})
	_, _, err := s.ProcessMessage(testMessage())
	if err == nil || err.Error() != "process_message() memory_limit exceeded" {
		t.Fatalf("10 MB held as varargs: err = %v", err)
	}
}

// TestSparseArray: a far integer key goes to the hash part, and an array
// emptied again still counts for its capacity.
func TestSparseArray(t *testing.T) {
	cases := []struct {
		name, body string
		minMemory  int64
	}{
		{"far key", `local t = {} t[67108863] = 1 assert(t[67108863] == 1) keep = t`, 0},
		{"emptied arrays", `keep = {} for i = 1, 10 do local t = {} t[100000] = 1 t[100000] = nil keep[i] = t end`,
			10 * 100000 * sizeValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			s, _ := newSandbox(t, "function process_message()\n"+c.body+"\nreturn 0 end", Config{Limits: Limits{Memory: 64 << 20}})
			if _, _, err := s.ProcessMessage(testMessage()); err != nil {
				t.Fatal(err)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 256<<20 {
				t.Errorf("allocated %d MiB", grew>>20)
			}
			if s.measure(); s.mem.current < c.minMemory {
				t.Errorf("measured %d bytes, want at least %d", s.mem.current, c.minMemory)
			}
		})
	}
}

// TestDecoderWriteLimits: what write_message puts into the message counts
// against the memory limit, and finding a field charges its comparisons.
func TestDecoderWriteLimits(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"values", `local s = string.rep("x", 1000) for i = 0, 1e9 do write_message("Fields[big]", s .. i, "", 0, i) end`,
			"process_message() memory_limit exceeded"},
		{"field names", `local p = "Fields[" .. string.rep("p", 1000) for i = 1, 1e9 do write_message(p .. i .. "]", i) end`,
			"process_message() instruction_limit exceeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			SetCallTimeLimit(time.Minute)
			defer SetCallTimeLimit(0)
			s, _ := newSandbox(t, "function process_message()\n"+c.body+"\nreturn 0 end",
				Config{Kind: Decoder, Limits: Limits{Memory: 1 << 20}})
			if _, _, err := s.ProcessMessage(testMessage()); err == nil || err.Error() != c.want {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
