package sandbox

import (
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestTidy: every operation that measures a table drops the trailing nils
// of its array part first and charges the scan (100,000 slots: 6,250
// steps), and the table keeps its values. Without the tidy, each of these
// scanned the 100,000 slots uncharged, every time.
func TestTidy(t *testing.T) {
	const scanSteps = 100_000 / elementsPerStep
	cases := []struct{ name, op, check string }{
		{"#", "local n = #t", "assert(n == 10)"},
		{"unpack", "local n = select('#', unpack(t))", "assert(n == 10)"},
		{"table.insert", "table.insert(t, 11)", "assert(#t == 11 and t[11] == 11)"},
		{"table.insert at", "table.insert(t, 1, 0)", "assert(#t == 11 and t[1] == 0 and t[11] == 10)"},
		{"table.remove", "local v = table.remove(t)", "assert(v == 10 and #t == 9)"},
		{"table.sort", "table.sort(t, function(a, b) return a > b end)", "assert(#t == 10 and t[1] == 10 and t[10] == 1)"},
		{"table.getn", "local n = table.getn(t)", "assert(n == 10)"},
		{"table.maxn", "local n = table.maxn(t)", "assert(n == 10)"},
		{"table.concat", "local s = table.concat(t, ',')", "assert(s == '1,2,3,4,5,6,7,8,9,10')"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newSandbox(t, fmt.Sprintf(`
				t = {}
				for i = 1, 10 do t[i] = i end
				function process_message()
					t[100000] = 1
					t[100000] = nil
					%s
					%s
					local n = 0
					for k in pairs(t) do n = n + 1 end
					assert(n == #t and t[100000] == nil)
					return 0
				end`, c.op, c.check), Config{})
			if _, _, err := s.ProcessMessage(testMessage()); err != nil {
				t.Fatal(err)
			}
			if a := tableArray(s.state.GetGlobal("t").(*lua.LTable)); len(a) > 11 || cap(a) < 100_000 {
				t.Errorf("array part %d long (capacity %d), want at most 11 (at least 100,000)", len(a), cap(a))
			}
			if used := s.Stats().MaxInstructions; used < scanSteps {
				t.Errorf("the call used %d instructions, want the scan's %d and more", used, scanSteps)
			}
		})
	}
}

// TestTidyDuringSort: while table.sort holds an array part, # on a table
// is charged but trims nothing.
func TestTidyDuringSort(t *testing.T) {
	s, _ := newSandbox(t, `
		u = {1}
		function process_message()
			u[100000] = 1
			u[100000] = nil
			local t = {3, 1, 2}
			table.sort(t, function(a, b) local n = #u return a < b end)
			assert(t[1] == 1 and t[3] == 3)
			return 0
		end`, Config{})
	if _, _, err := s.ProcessMessage(testMessage()); err != nil {
		t.Fatal(err)
	}
	if a := tableArray(s.state.GetGlobal("u").(*lua.LTable)); len(a) != 100_000 {
		t.Errorf("array part %d long, want 100,000 (untrimmed)", len(a))
	}
	if used := s.Stats().MaxInstructions; used < 2*100_000/elementsPerStep {
		t.Errorf("the call used %d instructions, want at least two scans", used)
	}
}

// TestLenHook: # keeps its meaning through the hook, in sandboxes and in
// gopher-lua states of the process that are not a sandbox's.
func TestLenHook(t *testing.T) {
	const script = `
		local mt = {__len = function() return 42 end}
		local t = {1, 2, 3}
		t[5] = 5
		t[5] = nil
		result = table.concat({#"abc", #{}, #{1, 2}, #t, #setmetatable({}, mt), #{n = 1}}, ",")`
	const want = "3,0,2,3,42,0"
	s, _ := newSandbox(t, script+"\nfunction process_message() return 0 end", Config{})
	if got := s.state.GetGlobal("result").String(); got != want {
		t.Errorf("sandbox: # gave %s, want %s", got, want)
	}
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(script); err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("result").String(); got != want {
		t.Errorf("plain gopher-lua: # gave %s, want %s", got, want)
	}
	if !frameLayout.ok {
		t.Error("gopher-lua's LState.currentFrame.LocalBase not found: # is not tidied")
	}
}
