package cjson

import (
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// TestLimits runs encodes and decodes that a budget refuses, each through
// gopher-lua with the module preloaded on a budget.Fixed.
func TestLimits(t *testing.T) {
	const mb = 1 << 20
	bigString := strings.Repeat("a", 10*mb)
	nulString := strings.Repeat("\x00", 300<<10)          // 6 bytes each once escaped
	bigArray := "[" + strings.Repeat("1,", 100000) + "1]" // 4.8 MB once decoded
	escapedString := `"` + strings.Repeat(`\n`, mb) + `"`
	plainString := `"` + strings.Repeat("x", mb) + `"`
	memory := "error: " + budget.ErrMemory.Error()
	instructions := "error: " + budget.ErrInstructions.Error()
	cases := []struct {
		name         string
		steps, bytes int64
		input        string
		script       string
		want         string
	}{
		{"10 MB string encode in 1 MB", 1 << 30, mb, bigString, `return cjson.encode(input)`, memory},
		{"pcall sees the budget's error", 1 << 30, mb, bigString, `return pcall(cjson.encode, input)`, `false, "memory_limit exceeded"`},
		{"cjson.safe raises the budget's error", 1 << 30, mb, bigString, `return require("cjson.safe").encode(input)`, memory},
		{"escapes grow past the budget", 1 << 30, mb, nulString, `return cjson.encode(input)`, memory},
		{"encode of a big table", 1 << 30, mb / 4, "", `
			local t = {}
			for i = 1, 30000 do t[i] = 123456789.25 end
			return cjson.encode(t)`, memory},
		{"decode of a big array", 1 << 30, mb, bigArray, `return cjson.decode(input)`, memory},
		{"decode of an escaped string", 1 << 30, mb / 2, escapedString, `return cjson.decode(input)`, memory},
		{"encode steps", 1000, 1 << 30, "", `
			local t = {}
			for i = 1, 10000 do t[i] = i end
			return cjson.encode(t)`, instructions},
		{"encode steps of a long string", 1000, 1 << 30, bigString, `return cjson.encode(input)`, instructions},
		{"decode steps", 1000, 1 << 30, bigArray, `return cjson.decode(input)`, instructions},
		{"decode steps of a long string", 1000, 1 << 30, plainString, `return cjson.decode(input)`, instructions},
		{"decode steps of long white space", 1000, 1 << 30, "[" + strings.Repeat(" ", mb) + "]", `return cjson.decode(input)`, instructions},
		{"decode steps of white space before an error", 1000, 1 << 30, strings.Repeat(" ", mb) + "x", `return cjson.decode(input)`, instructions},
		{"decode steps of a long string before an error", 1000, 1 << 30, `"` + strings.Repeat("x", mb), `return cjson.decode(input)`, instructions},
		{"failing decodes in a loop", 20000, 1 << 30, strings.Repeat(" ", 64<<10) + "x", `
			local ok, err
			for i = 1, 100 do ok, err = pcall(cjson.decode, input) end
			return err`, `"instruction_limit exceeded"`},
		{"deep decode stops at max depth", 1 << 30, 1 << 30, strings.Repeat("[", mb), `return cjson.decode(input)`,
			"error: Found too many nested data structures (1001) at character 1001"},
		{"within the budget", 100, 1000, `{"a":[1,2,"x"]}`, `return cjson.encode(cjson.decode(input))`, `"{\"a\":[1,2,\"x\"]}"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			L := newState(t, &budget.Fixed{StepsLeft: c.steps, BytesLeft: c.bytes})
			if got := run(L, c.input, c.script); got != c.want {
				t.Errorf("got  %.200s\nwant %s", got, c.want)
			}
		})
	}
}

// TestEncodeRefusesBeforeAllocating checks that a refused encode stops before
// it allocates what it was refused.
func TestEncodeRefusesBeforeAllocating(t *testing.T) {
	L := newState(t, &budget.Fixed{StepsLeft: 1 << 30, BytesLeft: 1 << 20})
	L.SetGlobal("input", lua.LString(strings.Repeat("a", 10<<20)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := L.DoString(`return require("cjson").encode(input)`)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), budget.ErrMemory.Error()) {
		t.Fatalf("encode of 10 MB in a 1 MB budget: got %v, want %v", err, budget.ErrMemory)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Errorf("refused encode allocated %d bytes, want under 2 MB", n)
	}
}

// TestCharges checks what encode and decode charge: the output's bytes for
// encode; for decode, a table, its entries and its values.
func TestCharges(t *testing.T) {
	cases := []struct {
		name, input, script string
		steps, bytes        int64
	}{
		// Steps: one per value and one per key looked at to tell an array.
		{"encode charges its output", "", `return cjson.encode({1, 2, "x"})`, 7, int64(len(`[1,2,"x"]`))},
		{"decode charges a table and its values", "[1,2,3]", `return cjson.decode(input)`, 4, tableCost + 3*(valueCost+entryCost)},
		{"decode charges the copy of an escaped string", `"\n"`, `return cjson.decode(input)`, 1, 1 + valueCost},
		{"decode charges no copy of a plain string", `"abc"`, `return cjson.decode(input)`, 1, valueCost},
		{"decode charges nothing for true and null", "[true,null]", `return cjson.decode(input)`, 3, tableCost + 2*entryCost},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &budget.Fixed{StepsLeft: 1 << 30, BytesLeft: 1 << 30}
			L := newState(t, b)
			if got := run(L, c.input, c.script); strings.HasPrefix(got, "error") {
				t.Fatal(got)
			}
			if steps, bytes := 1<<30-b.StepsLeft, 1<<30-b.BytesLeft; steps != c.steps || bytes != c.bytes {
				t.Errorf("charged %d steps and %d bytes, want %d and %d", steps, bytes, c.steps, c.bytes)
			}
		})
	}
}
