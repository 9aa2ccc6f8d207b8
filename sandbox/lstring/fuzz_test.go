package lstring

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"sandpiper/sandbox/budget"
)

// fuzzSteps is the step budget of one fuzzed match.
const fuzzSteps = 50000

// oracleSteps bounds the matches gopher-lua's matcher is asked to repeat:
// it has no budget, and backtracks about as much as this package does.
const oracleSteps = 5000

// FuzzPattern matches random patterns against random subjects. The matcher
// must not panic, must stop with the Budget's error when the step budget runs
// out and stay within it otherwise, must report captures inside the subject,
// and must agree with gopher-lua's own matcher (package pm) wherever that
// one accepts the pattern and is not known to be wrong (see gopherLuaWrong).
// The Lua functions (find, match, gsub, gmatch) run on each input too, and
// may fail only with Lua errors.
func FuzzPattern(f *testing.F) {
	f.Add(nginxPattern, nginxLine, uint8(0))
	f.Add("^(%S+) %S+ (%b[]) \"(%u+)", nginxLine, uint8(0))
	f.Add("%f[%w]%w+%f[%W]", "THE (quick) fox", uint8(3))
	f.Add("(a*(.)%w(%s*))", "aaab  c", uint8(0))
	f.Add(".-.-.-.-b", strings.Repeat("a", 200), uint8(0))
	f.Add("()(%d+)()%2", "x 12 1212", uint8(1))
	f.Add("[%]-a]+$", "]^_`a", uint8(0))
	f.Add("^[^%s=]+=?(.-)%s*$", "key = value  ", uint8(0))
	f.Fuzz(func(t *testing.T, pattern, subject string, init uint8) {
		if len(pattern) > 64 || len(subject) > 512 {
			return
		}
		start := int(init) % (len(subject) + 1)
		p := compile(pattern, true)
		b := &budget.Fixed{StepsLeft: fuzzSteps}
		m := Matcher{Budget: b}
		ok, err := m.Find(p, subject, start)
		if errors.Is(err, budget.ErrInstructions) {
			if b.StepsLeft >= 0 {
				t.Fatalf("budget error with %d steps left", b.StepsLeft)
			}
			return
		}
		if b.StepsLeft < 0 {
			t.Fatalf("%q on %q: overspent the budget by %d steps without stopping", pattern, subject, -b.StepsLeft)
		}
		strict, strictErr := Compile(pattern)
		if strictErr == nil && err != nil && !errors.Is(err, errTooComplex) {
			t.Fatalf("%q: Compile accepted it, matching failed with %v", pattern, err)
		}
		if err != nil {
			return
		}
		if ok {
			checkMatch(t, &m, p, subject, start)
		}
		fuzzBindings(t, pattern, subject, start)
		used := fuzzSteps - int(b.StepsLeft)
		if strict == nil || used > oracleSteps || gopherLuaWrong(pattern) {
			return
		}
		mds, perr := pmFind(pattern, subject, start)
		if perr != nil {
			return
		}
		if len(mds) == 0 {
			if ok {
				s, e := m.Match()
				t.Fatalf("%q on %q from %d: matched [%d,%d), gopher-lua found nothing", pattern, subject, start, s, e)
			}
			return
		}
		md := mds[0]
		if !ok {
			t.Fatalf("%q on %q from %d: no match, gopher-lua matched [%d,%d)", pattern, subject, start, md.Capture(0), md.Capture(1))
		}
		s, e := m.Match()
		if s != md.Capture(0) || e != md.Capture(1) {
			t.Fatalf("%q on %q from %d: matched [%d,%d), gopher-lua [%d,%d)", pattern, subject, start, s, e, md.Capture(0), md.Capture(1))
		}
		for i := 0; i < p.ncap; i++ {
			cs, ce, _ := m.Capture(i)
			if m.IsPosition(i) {
				if !md.IsPosCapture(2+2*i) || md.Capture(2+2*i) != cs+1 {
					t.Fatalf("%q on %q: position capture %d is %d, gopher-lua's slot holds %d", pattern, subject, i, cs+1, md.Capture(2+2*i))
				}
				continue
			}
			if gs, ge := md.Capture(2+2*i), md.Capture(3+2*i); gs != cs || ge != ce {
				t.Fatalf("%q on %q: capture %d is [%d,%d), gopher-lua [%d,%d)", pattern, subject, i, cs, ce, gs, ge)
			}
		}
	})
}

// fuzzLua is the Lua state fuzzBindings reuses: a new one per input would
// cost more than the input's test.
var fuzzLua struct {
	L *lua.LState
	b *budget.Fixed
}

// fuzzBindingsScript calls every pattern function on one input.
const fuzzBindingsScript = `
function F(s, p, i)
	string.find(s, p, i)
	string.match(s, p, i)
	string.gsub(s, p, "%1%0")
	string.gsub(s, p, function(...) return select("#", ...) end)
	string.gsub(s, p, {})
	local n = 0
	for _ in string.gmatch(s, p) do
		n = n + 1
		if n > 100 then break end
	end
end`

// fuzzBindings runs the input through the Lua functions, under a budget:
// they may raise Lua errors, not Go panics.
func fuzzBindings(t *testing.T, pattern, subject string, start int) {
	if fuzzLua.L == nil {
		fuzzLua.b = &budget.Fixed{}
		fuzzLua.L = lua.NewState()
		Open(fuzzLua.L, fuzzLua.b, NewCache(0))
		if err := fuzzLua.L.DoString(fuzzBindingsScript); err != nil {
			t.Fatal(err)
		}
	}
	L := fuzzLua.L
	*fuzzLua.b = budget.Fixed{StepsLeft: fuzzSteps, BytesLeft: 1 << 20}
	err := L.CallByParam(lua.P{Fn: L.GetGlobal("F"), Protect: true}, lua.LString(subject), lua.LString(pattern), lua.LNumber(start+1))
	if ae, ok := err.(*lua.ApiError); ok && ae.Type == lua.ApiErrorPanic {
		t.Fatalf("%q on %q: Go panic in the Lua functions: %v", pattern, subject, err)
	}
	L.SetTop(0)
}

// pmFind runs gopher-lua's matcher, which panics (slice bounds out of
// range) on a back-reference to a position capture, ("0"):find("()()%1"):
// that is returned as an error.
func pmFind(pattern, subject string, start int) (mds []*pm.MatchData, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("gopher-lua panicked: %v", v)
		}
	}()
	return pm.Find(pattern, []byte(subject), start, 1)
}

// checkMatch checks that a match and its captures lie inside the subject.
func checkMatch(t *testing.T, m *Matcher, p *Pattern, subject string, init int) {
	t.Helper()
	s, e := m.Match()
	if s < init || s > e || e > len(subject) || (p.anchored && s != init) {
		t.Fatalf("%q on %q from %d: match [%d,%d) out of place", p.src, subject, init, s, e)
	}
	for i := 0; i < p.ncap; i++ {
		cs, ce, ok := m.Capture(i)
		if !ok {
			continue
		}
		if cs < 0 || cs > ce || ce > len(subject) {
			t.Fatalf("%q on %q: capture %d [%d,%d) out of the subject", p.src, subject, i, cs, ce)
		}
	}
}

// gopherLuaWrong reports patterns on which gopher-lua v1.1.2's matcher is
// known to differ from C Lua 5.1, so that they are not compared:
//   - a NUL ends a pattern in C Lua 5.1, not in gopher-lua;
//   - gopher-lua has no frontier %f[set] (it reads %f as a literal 'f');
//   - in a set, gopher-lua reads an escape next to a '-' as the start or
//     end of a range: "[%]-a]" holds ']' to 'a' there, ']', '-' and 'a'
//     in C Lua; "[0-%0]" holds '0' in C Lua (after the empty range '0' to
//     '%'), nothing there;
//   - gopher-lua misreads sets with two '-': "[0--A]" holds '0' there,
//     only 'A' in C Lua (the range '0' to '-' is empty); "[0-0-0]" holds
//     '0' and '-' in C Lua, nothing there;
//   - a back-reference to a position capture matches the empty string in
//     gopher-lua ("()%1" matches ""), never in C Lua, or panics there.
func gopherLuaWrong(pattern string) bool {
	if strings.IndexByte(pattern, 0) >= 0 || strings.Contains(pattern, "%f") {
		return true
	}
	if strings.Contains(pattern, "()") && strings.ContainsAny(pattern, "123456789") {
		return true
	}
	inSet, first, dashes := false, false, 0
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '%' && inSet && i+2 < len(pattern) && pattern[i+2] == '-':
			return true
		case c == '-' && inSet && i+1 < len(pattern) && pattern[i+1] == '%':
			return true
		case c == '%':
			i++
		case c == '[' && !inSet:
			inSet, first, dashes = true, true, 0
			if i+1 < len(pattern) && pattern[i+1] == '^' {
				i++
			}
			continue
		case c == ']' && inSet && !first:
			inSet = false
		case c == '-' && inSet:
			if dashes++; dashes == 2 {
				return true
			}
		}
		first = false
	}
	return false
}
