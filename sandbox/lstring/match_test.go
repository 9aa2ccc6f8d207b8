package lstring

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ pattern, err string }{
		{"%", "malformed pattern (ends with '%')"},
		{"abc%", "malformed pattern (ends with '%')"},
		{"[a", "malformed pattern (missing ']')"},
		{"[]", "malformed pattern (missing ']')"},
		{"[^]", "malformed pattern (missing ']')"},
		{"[a%]", "malformed pattern (missing ']')"},
		{"%f", "missing '[' after '%f' in pattern"},
		{"%fa", "missing '[' after '%f' in pattern"},
		{"%f[a", "malformed pattern (missing ']')"},
		{"%b", "unbalanced pattern"},
		{"%b(", "unbalanced pattern"},
		{"%0", "invalid capture index"},
		{"%1", "invalid capture index"},
		{"(a)%2", "invalid capture index"},
		{"(a%1)", "invalid capture index"},
		{")", "invalid pattern capture"},
		{"(a))", "invalid pattern capture"},
		{"(", "unfinished capture"},
		{"(a)(b", "unfinished capture"},
		{strings.Repeat("()", 33), "too many captures"},
		{strings.Repeat("()", 32), ""},
		{"a\x00%", ""}, // a NUL ends the pattern before the '%'
		{"^(%S+) %S+ %[([^%]]+)%]", ""},
		{"[]]", ""},
		{"[^]]", ""},
		{"%b()", ""},
		{"%f[%w]", ""},
		{"()%1", ""},
		{"(a)%1", ""},
		{"$^", ""},
	} {
		p, err := Compile(c.pattern)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Compile(%q): %v", c.pattern, err)
		case c.err == "" && (p == nil || p.String() != c.pattern):
			t.Errorf("Compile(%q): pattern %v", c.pattern, p)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("Compile(%q): error %v, want %q", c.pattern, err, c.err)
		}
	}
}

// span is a capture's offsets; pos marks a position capture.
type span struct {
	start, end int
	pos        bool
}

func TestMatcherFind(t *testing.T) {
	for _, c := range []struct {
		pattern, subject string
		init             int
		ok               bool
		start, end       int
		caps             []span
	}{
		{"o w", "hello world", 0, true, 4, 7, nil},
		{"xyz", "hello world", 0, false, 0, 0, nil},
		{"", "abc", 3, true, 3, 3, nil},
		{"", "abc", 4, false, 0, 0, nil},
		{"^b", "abc", 0, false, 0, 0, nil},
		{"^b", "abc", 1, true, 1, 2, nil},
		{"(%w+)=(%w+)", "  key=value ", 0, true, 2, 11, []span{{2, 5, false}, {6, 11, false}}},
		{"()ll()", "hello", 0, true, 2, 4, []span{{2, 2, true}, {4, 4, true}}},
		{"(a*(.)%w(%s*))", "aaab  c", 0, true, 0, 6, []span{{0, 6, false}, {2, 3, false}, {4, 6, false}}},
		{"%b()", "x(a(b)c)y", 0, true, 1, 8, nil},
		{"%f[%a]%a+", "12 ab", 0, true, 3, 5, nil},
		{"(ab)%1", "xabab", 0, true, 1, 5, []span{{1, 3, false}}},
		{"()a%1", "aa", 0, false, 0, 0, nil}, // a position capture has no text to repeat
		{"a-b", "aaab", 0, true, 0, 4, nil},
		{"a+$", "baaa", 0, true, 1, 4, nil},
		{".-$", "abc", 1, true, 1, 3, nil},
		{"[%]-a]+$", "]^_`a", 0, true, 4, 5, nil},
		{nginxPattern, nginxLine, 0, true, 0, 100, []span{
			{0, 12, false}, {18, 44, false}, {47, 50, false}, {51, 81, false}, {92, 95, false}, {96, 100, false},
		}},
	} {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.pattern, err)
		}
		m := NewMatcher(budget.Unlimited)
		ok, err := m.Find(p, c.subject, c.init)
		if err != nil || ok != c.ok {
			t.Errorf("Find(%q, %q, %d) = %v, %v; want %v", c.pattern, c.subject, c.init, ok, err, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if s, e := m.Match(); s != c.start || e != c.end {
			t.Errorf("Find(%q, %q): match [%d,%d), want [%d,%d)", c.pattern, c.subject, s, e, c.start, c.end)
		}
		if p.NumCaptures() != len(c.caps) {
			t.Errorf("%q: %d captures, want %d", c.pattern, p.NumCaptures(), len(c.caps))
			continue
		}
		for i, want := range c.caps {
			s, e, ok := m.Capture(i)
			if got := (span{s, e, m.IsPosition(i)}); !ok || got != want {
				t.Errorf("Find(%q, %q): capture %d = %v (%v), want %v", c.pattern, c.subject, i, got, ok, want)
			}
		}
	}
}

// counting is a Budget that records what it was charged. It refuses
// allocations past 64 MiB, so that a test cannot build a huge string.
type counting struct {
	steps, bytes, calls int
}

func (c *counting) Steps(n int) error {
	c.steps += n
	c.calls++
	return nil
}

func (c *counting) Alloc(n int) error {
	c.bytes += n
	if c.bytes > 64<<20 {
		return budget.ErrMemory
	}
	return nil
}

func TestMatcherCharges(t *testing.T) {
	for _, c := range []struct {
		pattern, subject string
		min, max         int // steps charged
	}{
		{nginxPattern, nginxLine, 50, 400},
		{"x", strings.Repeat("a", 10000), 10000 / plainStepBytes, 400}, // skipped by IndexByte
		{"%d%a", strings.Repeat("a", 10000), 10000, 12000},             // skipped by the first class
		{"a*b", strings.Repeat("a", 1000), 1000, 2e6},                  // quadratic, paid for
		{"(.-)%1$", strings.Repeat("ab", 200), 400, 1e6},               // back-references
	} {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		b := &counting{}
		m := NewMatcher(b)
		if _, err := m.Find(p, c.subject, 0); err != nil {
			t.Fatal(err)
		}
		if b.steps < c.min || b.steps > c.max {
			t.Errorf("%q on %d bytes: charged %d steps, want %d to %d", c.pattern, len(c.subject), b.steps, c.min, c.max)
		}
		if b.calls > 1+b.steps/stepBatch+1 {
			t.Errorf("%q: %d charges for %d steps: not batched", c.pattern, b.calls, b.steps)
		}
	}
}

// TestCatastropheStopped checks that a pattern whose matching takes
// polynomial time of high degree is stopped by the step budget, from Go and
// from Lua, where pcall catches the error.
func TestCatastropheStopped(t *testing.T) {
	subject := strings.Repeat("a", 30000)
	p, err := Compile(".-.-.-.-.-b")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b := &budget.Fixed{StepsLeft: 1000000}
	_, err = NewMatcher(b).Find(p, subject, 0)
	if !errors.Is(err, budget.ErrInstructions) {
		t.Fatalf("Find: %v, want %v", err, budget.ErrInstructions)
	}
	if b.StepsLeft > 0 || b.StepsLeft < -2*stepBatch {
		t.Errorf("stopped with %d steps left: charged past the limit", b.StepsLeft)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopping took %v", d)
	}

	for _, call := range []string{
		`string.find(s, ".-.-.-.-.-b")`,
		`s:match(".-.-.-.-.-b")`,
		`string.gmatch(s, ".-.-.-.-.-b")()`,
		`string.gfind(s, ".-.-.-.-.-b")()`,
		`s:gsub(".-.-.-.-.-b", "")`,
		`s:gsub("a", "%0%0")`, // linear, but 30000 times over
	} {
		L := newState(t, &budget.Fixed{StepsLeft: 20000, BytesLeft: 1 << 30})
		if err := L.DoString(`
			local s = string.rep("a", 30000)
			local ok, err = pcall(function() return ` + call + ` end)
			result = tostring(ok) .. " " .. tostring(err)
		`); err != nil {
			t.Fatal(err)
		}
		if got := L.GetGlobal("result").String(); !strings.HasSuffix(got, "instruction_limit exceeded") || !strings.HasPrefix(got, "false ") {
			t.Errorf("pcall(%s): %q", call, got)
		}
	}
}

func TestTooComplex(t *testing.T) {
	p, err := Compile(strings.Repeat("a?", maxDepth+1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewMatcher(nil).Find(p, strings.Repeat("a", maxDepth+1), 0)
	if err == nil || err.Error() != "pattern too complex" {
		t.Errorf("%d nested choices: %v, want pattern too complex", maxDepth+1, err)
	}
	p, err = Compile(strings.Repeat("a?", maxDepth))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := NewMatcher(nil).Find(p, strings.Repeat("a", maxDepth), 0); !ok || err != nil {
		t.Errorf("%d nested choices: %v, %v", maxDepth, ok, err)
	}
}

// TestAllocCharged checks that the functions that build strings charge the
// Budget first and raise its error, catchable by pcall.
func TestAllocCharged(t *testing.T) {
	for _, c := range []struct {
		name, script string
		bytes        int // the least the script must be charged
	}{
		{"rep", `return string.rep("abcd", 1e6)`, 4e6},
		{"rep huge", `return string.rep("abcd", 2^30)`, 1 << 32},
		{"format", `return string.format("%s%s", string.rep("x", 1000), "y")`, 1001},
		{"concat", `local t = {} for i = 1, 1000 do t[i] = "0123456789" end return table.concat(t, ",")`, 10999},
		{"gsub", `return (string.rep("x", 1000):gsub("x", string.rep("y", 1000)))`, 1e6},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &counting{}
			L := newState(t, b)
			if err := L.DoString(c.script); err != nil && b.bytes <= 64<<20 {
				t.Fatal(err)
			}
			if b.bytes < c.bytes {
				t.Errorf("charged %d bytes, want at least %d", b.bytes, c.bytes)
			}
			L = newState(t, &budget.Fixed{StepsLeft: 1 << 40, BytesLeft: int64(c.bytes / 2)})
			if err := L.DoString("ok, err = pcall(function() " + c.script + " end)"); err != nil {
				t.Fatal(err)
			}
			if ok, err := L.GetGlobal("ok"), L.GetGlobal("err").String(); ok != lua.LFalse || !strings.HasSuffix(err, "memory_limit exceeded") {
				t.Errorf("with half the memory: %v, %q", ok, err)
			}
		})
	}
}

func TestCache(t *testing.T) {
	c := NewCache(3)
	p1, compiled := c.get("a+", false)
	if p2, again := c.get("a+", false); !compiled || again || p2 != p1 {
		t.Error("the same pattern compiled twice")
	}
	if p2, _ := c.get("a+", true); p2 == p1 {
		t.Error("gmatch and find share a program, but read '^' differently")
	}
	c.get("b+", false)
	c.get("a+", false) // a+ is now the most recent
	c.get("c+", false) // evicts the gmatch a+
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want 3", c.Len())
	}
	if p2, _ := c.get("a+", false); p2 != p1 {
		t.Error("the most recently used pattern was evicted")
	}
	if _, ok := c.entries[cacheKey{"a+", true}]; ok {
		t.Error("the least recently used pattern was kept")
	}

	big := NewCache(1 << 20)
	for i := 0; i < 3000; i++ {
		big.get(fmt.Sprintf("[%d]+(%%w+)%d", i, i), false)
	}
	if big.Bytes() > maxCacheBytes {
		t.Errorf("cache holds %d bytes, bound %d", big.Bytes(), maxCacheBytes)
	}
	huge := strings.Repeat("[a]", 1000)
	big.get(huge, false)
	if _, compiled := big.get(huge, false); !compiled {
		t.Error("a pattern over a quarter of the bound was cached")
	}
}

func TestFindAllocatesNothing(t *testing.T) {
	p, err := Compile(nginxPattern10)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(budget.Unlimited)
	if n := testing.AllocsPerRun(100, func() {
		if ok, err := m.Find(p, nginxLine, 0); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}); n != 0 {
		t.Errorf("Find allocates %v times per match", n)
	}
}

func ExampleMatcher_Find() {
	p, err := Compile(`^(%S+) %S+ %S+ %[([^%]]+)%] "(%u+) (%S+)`)
	if err != nil {
		panic(err)
	}
	line := `203.0.113.42 - - [28/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512`
	m := NewMatcher(budget.Unlimited)
	if ok, err := m.Find(p, line, 0); ok && err == nil {
		for i := 0; i < p.NumCaptures(); i++ {
			start, end, _ := m.Capture(i)
			fmt.Println(line[start:end])
		}
	}
	// Output:
	// 203.0.113.42
	// 28/Nov/2026:10:00:00 +0000
	// GET
	// /index.html
}

// TestOpenWithoutLibraries checks that Open gives a state without the
// string and table libraries its own tables, strings their metatable.
func TestOpenWithoutLibraries(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	Open(L, nil, nil)
	if err := L.DoString(`result = table.concat({("key=v"):match("(%w+)="), string.rep("!", 2)})`); err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("result").String(); got != "key!!" {
		t.Errorf("result = %q, want %q", got, "key!!")
	}
}
