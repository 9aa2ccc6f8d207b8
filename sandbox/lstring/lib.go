package lstring

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// specials are the bytes that make string.find match a pattern rather than
// search for plain text (C Lua's SPECIALS).
const specials = "^$*+?.([%-"

// plainStepBytes is how many bytes of plain search cost one step: a plain
// search runs at memory speed, far faster than the matcher per byte.
const plainStepBytes = 32

// allocChunk is how much gsub's result may grow between two charges to the
// Budget.
const allocChunk = 4 << 10

// lib is the state the functions of one Open share.
type lib struct {
	b       budget.Budget
	cache   *Cache
	m       Matcher
	scratch []byte // string.format's buffer, kept between calls
}

// Open replaces string.find, match, gmatch (and its old name gfind), gsub,
// rep and format and table.concat in L with the versions of this package, which follow C Lua
// 5.1 and charge b for their work: Steps as patterns are matched, Alloc
// before results are built. When b refuses, the function raises b's error as
// a Lua error. Patterns are compiled once and kept in cache; a nil cache
// means a new one of DefaultCacheEntries. gopher-lua uses the string table
// as the strings' metatable __index, so s:find(...) uses the new functions.
// Open creates the string and table tables when L has none.
func Open(L *lua.LState, b budget.Budget, cache *Cache) {
	if b == nil {
		b = budget.Unlimited
	}
	if cache == nil {
		cache = NewCache(0)
	}
	x := &lib{b: b, cache: cache}
	x.m.Budget = b

	str, ok := L.GetGlobal(lua.StringLibName).(*lua.LTable)
	if !ok {
		str = L.NewTable()
		str.RawSetString("__index", str)
		L.SetGlobal(lua.StringLibName, str)
		L.SetMetatable(lua.LString(""), str)
	}
	for name, fn := range map[string]lua.LGFunction{
		"find":   x.find,
		"match":  x.match,
		"gsub":   x.gsub,
		"rep":    x.rep,
		"format": x.format,
	} {
		str.RawSetString(name, L.NewFunction(fn))
	}
	// Lua 5.1's string.gfind is gmatch under its old name; gopher-lua has
	// it too, and it must not lead to the unbounded matcher.
	gmatch := L.NewFunction(x.gmatch)
	str.RawSetString("gmatch", gmatch)
	str.RawSetString("gfind", gmatch)
	tab, ok := L.GetGlobal(lua.TabLibName).(*lua.LTable)
	if !ok {
		tab = L.NewTable()
		L.SetGlobal(lua.TabLibName, tab)
	}
	tab.RawSetString("concat", L.NewFunction(x.concat))
}

// pattern returns the compiled pattern src, charging the compilation when
// it is not cached.
func (x *lib) pattern(L *lua.LState, src string, gmatch bool) *Pattern {
	p, compiled := x.cache.get(src, gmatch)
	if compiled {
		x.steps(L, len(src)+8*len(p.prog))
	}
	return p
}

func (x *lib) steps(L *lua.LState, n int) {
	if err := x.b.Steps(n); err != nil {
		raise(L, err)
	}
}

func (x *lib) alloc(L *lua.LState, n int) {
	if err := x.b.Alloc(n); err != nil {
		raise(L, err)
	}
}

// raise raises err, from the matcher or the Budget, as a Lua error.
func raise(L *lua.LState, err error) {
	raisef(L, "%s", err.Error())
}

// raisef raises a Lua error as C Lua's luaL_error does: prefixed with the
// position of the caller when the caller is a Lua function, bare when it is
// not (pcall(string.rep) fails with no position).
func raisef(L *lua.LState, format string, args ...any) {
	level := 0
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("S", dbg, nil); err == nil && dbg.What != "G" {
			level = 1
		}
	}
	L.Error(lua.LString(fmt.Sprintf(format, args...)), level)
}

// find implements string.find(s, pattern [, init [, plain]]).
func (x *lib) find(L *lua.LState) int { return x.findAux(L, true) }

// match implements string.match(s, pattern [, init]).
func (x *lib) match(L *lua.LState) int { return x.findAux(L, false) }

func (x *lib) findAux(L *lua.LState, find bool) int {
	name := "match"
	if find {
		name = "find"
	}
	s := checkString(L, 1, name)
	pat := checkString(L, 2, name)
	init := startIndex(optInteger(L, 3, name, 1), len(s))
	if find && (lua.LVAsBool(L.Get(4)) || !hasSpecials(pat)) {
		x.steps(L, 1+(len(s)-init)/plainStepBytes)
		j := strings.Index(s[init:], pat)
		if j < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + j + 1))
		L.Push(lua.LNumber(init + j + len(pat)))
		return 2
	}
	p := x.pattern(L, pat, false)
	m := &x.m
	ok, err := m.Find(p, s, init)
	if err != nil {
		raise(L, err)
	}
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	start, end := m.Match()
	if find {
		L.Push(lua.LNumber(start + 1))
		L.Push(lua.LNumber(end))
		return 2 + pushCaptures(L, m, s, false)
	}
	return pushCaptures(L, m, s, true)
}

// startIndex turns Lua's init argument into a byte offset in a string of
// length n, as Lua 5.1 does: negative counts from the end, and past the end
// is clamped to the end.
func startIndex(init int64, n int) int {
	if init < 0 {
		init += int64(n) + 1
		if init < 0 {
			init = 0
		}
	}
	init--
	if init < 0 {
		return 0
	}
	if init > int64(n) {
		return n
	}
	return int(init)
}

// hasSpecials reports whether pat, read as a C string, holds a pattern
// special byte.
func hasSpecials(pat string) bool {
	if i := strings.IndexByte(pat, 0); i >= 0 {
		pat = pat[:i]
	}
	return strings.ContainsAny(pat, specials)
}

// pushCaptures pushes the captures of the last match; with whole set, a
// pattern without captures pushes the whole match instead.
func pushCaptures(L *lua.LState, m *Matcher, s string, whole bool) int {
	n := m.p.ncap
	if n == 0 && whole {
		start, end := m.Match()
		L.Push(lua.LString(s[start:end]))
		return 1
	}
	for i := 0; i < n; i++ {
		L.Push(captureValue(L, m, s, i))
	}
	return n
}

// captureValue returns capture i of the last match as Lua sees it: a string,
// or a number for a position capture.
func captureValue(L *lua.LState, m *Matcher, s string, i int) lua.LValue {
	start, end, ok := m.Capture(i)
	if !ok {
		raise(L, errUnfinished)
	}
	if m.IsPosition(i) {
		return lua.LNumber(start + 1)
	}
	return lua.LString(s[start:end])
}

// oneCapture returns capture i as gsub's replacements see it: with no
// captures, %1 (and %0) is the whole match.
func oneCapture(L *lua.LState, m *Matcher, s string, i int) lua.LValue {
	if i >= m.p.ncap {
		if i != 0 {
			raise(L, errCaptureIndex)
		}
		start, end := m.Match()
		return lua.LString(s[start:end])
	}
	return captureValue(L, m, s, i)
}

// gmatch implements string.gmatch(s, pattern). As in Lua 5.1, a leading '^'
// is no anchor there but a literal.
func (x *lib) gmatch(L *lua.LState) int {
	s := checkString(L, 1, "gmatch")
	pat := checkString(L, 2, "gmatch")
	p := x.pattern(L, pat, true)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m := &x.m
		ok, err := m.Find(p, s, pos)
		if err != nil {
			raise(L, err)
		}
		if !ok {
			pos = len(s) + 1
			return 0
		}
		start, end := m.Match()
		pos = end
		if end == start {
			pos++
		}
		return pushCaptures(L, m, s, true)
	}))
	return 1
}

// gsub implements string.gsub(s, pattern, repl [, n]).
func (x *lib) gsub(L *lua.LState) int {
	s := checkString(L, 1, "gsub")
	pat := checkString(L, 2, "gsub")
	repl := L.Get(3)
	maxN := optInt(L, 4, "gsub", int64(len(s))+1)
	switch repl.Type() {
	case lua.LTNumber, lua.LTString, lua.LTFunction, lua.LTTable:
	default:
		argError(L, 3, "gsub", "string/function/table expected")
	}
	var replStr string
	if repl.Type() == lua.LTString || repl.Type() == lua.LTNumber {
		replStr = toString(repl)
	}
	p := x.pattern(L, pat, false)
	m := &x.m
	out := gsubBuffer{x: x, L: L}
	src, n := 0, int32(0)
loop:
	for n < maxN {
		ok, err := m.Find(p, s, src)
		if err != nil {
			raise(L, err)
		}
		if !ok {
			break
		}
		start, end := m.Match()
		out.add(s[src:start])
		n++
		switch r := repl.(type) {
		case *lua.LTable:
			out.addValue(L.GetTable(r, oneCapture(L, m, s, 0)), s[start:end])
		case *lua.LFunction:
			L.Push(r)
			L.Call(pushCaptures(L, m, s, true), 1)
			v := L.Get(-1)
			L.Pop(1)
			out.addValue(v, s[start:end])
		default:
			x.addReplacement(&out, L, m, s, replStr)
		}
		switch {
		case end > start:
			src = end
		case start < len(s):
			out.add(s[start : start+1])
			src = start + 1
		default:
			src = start
			break loop
		}
		if p.anchored {
			break
		}
	}
	if n == 0 {
		L.Push(lua.LString(s))
	} else {
		out.add(s[src:])
		L.Push(lua.LString(out.b.String()))
	}
	L.Push(lua.LNumber(n))
	return 2
}

// addReplacement adds a gsub replacement string with its %0-%9 and %%
// expanded. As in Lua 5.1, '%' before any other byte stands for that byte.
func (x *lib) addReplacement(out *gsubBuffer, L *lua.LState, m *Matcher, s, repl string) {
	for {
		i := strings.IndexByte(repl, '%')
		if i < 0 {
			out.add(repl)
			return
		}
		out.add(repl[:i])
		// After a final '%', C Lua reads the string's terminating NUL.
		esc := "\x00"
		if i+1 < len(repl) {
			esc = repl[i+1 : i+2]
			repl = repl[i+2:]
		} else {
			repl = repl[i+1:]
		}
		switch c := esc[0]; {
		case !isDigit(c):
			out.add(esc)
		case c == '0':
			start, end := m.Match()
			out.add(s[start:end])
		default:
			out.add(toString(oneCapture(L, m, s, int(c-'1'))))
		}
	}
}

// gsubBuffer builds gsub's result, charging the Budget as it grows.
type gsubBuffer struct {
	x       *lib
	L       *lua.LState
	b       strings.Builder
	charged int
}

func (g *gsubBuffer) add(s string) {
	if need := g.b.Len() + len(s); need > g.charged {
		n := max(need-g.charged, allocChunk)
		g.x.alloc(g.L, n)
		g.charged += n
	}
	g.b.WriteString(s)
}

// addValue adds what a table or function replacement returned: false or nil
// keeps the match, a string or number replaces it, anything else is an
// error.
func (g *gsubBuffer) addValue(v lua.LValue, match string) {
	switch v.Type() {
	case lua.LTNil:
		g.add(match)
	case lua.LTBool:
		if v == lua.LFalse {
			g.add(match)
			return
		}
		raisef(g.L, "invalid replacement value (a boolean)")
	case lua.LTString, lua.LTNumber:
		g.add(toString(v))
	default:
		raisef(g.L, "invalid replacement value (a %s)", v.Type().String())
	}
}

// rep implements string.rep(s, n), charging the result before building it.
func (x *lib) rep(L *lua.LState) int {
	s := checkString(L, 1, "rep")
	n := checkInt(L, 2, "rep")
	if n <= 0 || len(s) == 0 {
		L.Push(lua.LString(""))
		return 1
	}
	size := int64(len(s)) * int64(n)
	if size > math.MaxInt32*4 {
		raise(L, budget.ErrMemory)
	}
	x.alloc(L, int(size))
	L.Push(lua.LString(strings.Repeat(s, int(n))))
	return 1
}

// concat implements table.concat(t [, sep [, i [, j]]]), charging the
// result before building it.
func (x *lib) concat(L *lua.LState) int {
	sep := optString(L, 2, "concat", "")
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		typeError(L, 1, "concat", "table")
	}
	first := optInt(L, 3, "concat", 1)
	var last int32
	if isNoneOrNil(L, 4) {
		last = int32(t.Len())
	} else {
		last = checkInt(L, 4, "concat")
	}
	if first > last {
		L.Push(lua.LString(""))
		return 1
	}
	size := int64(0)
	for i := int64(first); i <= int64(last); i++ {
		v := t.RawGetInt(int(i))
		switch v.Type() {
		case lua.LTString, lua.LTNumber:
			size += int64(len(toString(v)))
		default:
			raisef(L, "invalid value (%s) at index %d in table for 'concat'", v.Type().String(), i)
		}
		if i < int64(last) {
			size += int64(len(sep))
		}
		if (i-int64(first))%stepBatch == stepBatch-1 {
			x.steps(L, stepBatch)
		}
	}
	if size > math.MaxInt32*4 {
		raise(L, budget.ErrMemory)
	}
	x.alloc(L, int(size))
	var b strings.Builder
	b.Grow(int(size))
	for i := int64(first); i <= int64(last); i++ {
		b.WriteString(toString(t.RawGetInt(int(i))))
		if i < int64(last) {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// Argument checks with C Lua 5.1's conversions and messages.

// argError raises C Lua's "bad argument" error. Like C Lua, it names the
// function as the call site does (local f = string.find; f() says 'f'),
// '?' when the call site has no name for it; name is for a call from Go.
func argError(L *lua.LState, n int, name, msg string) {
	if dbg, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", dbg, nil); err == nil {
			switch dbg.Name {
			case "(anonymous)", "main chunk":
				name = "?"
			case "":
			default:
				name = dbg.Name
			}
		}
	}
	raisef(L, "bad argument #%d to '%s' (%s)", n, name, msg)
}

func typeError(L *lua.LState, n int, name, want string) {
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	argError(L, n, name, want+" expected, got "+got)
}

func isNoneOrNil(L *lua.LState, n int) bool {
	return n > L.GetTop() || L.Get(n) == lua.LNil
}

// checkString is luaL_checklstring: a string, or a number converted as Lua
// converts numbers.
func checkString(L *lua.LState, n int, name string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return formatNumber(float64(v))
	}
	typeError(L, n, name, "string")
	return ""
}

func optString(L *lua.LState, n int, name, def string) string {
	if isNoneOrNil(L, n) {
		return def
	}
	return checkString(L, n, name)
}

// checkNumber is luaL_checknumber: a number, or a string that reads as one.
func checkNumber(L *lua.LState, n int, name string) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := parseNumber(string(v)); ok {
			return f
		}
	}
	typeError(L, n, name, "number")
	return 0
}

// optInteger is luaL_optinteger: lua_Integer is 64 bits wide.
func optInteger(L *lua.LState, n int, name string, def int64) int64 {
	if isNoneOrNil(L, n) {
		return def
	}
	return toInteger(checkNumber(L, n, name))
}

// checkInt is luaL_checkint: the 64-bit integer cut to C's int.
func checkInt(L *lua.LState, n int, name string) int32 {
	return int32(toInteger(checkNumber(L, n, name)))
}

func optInt(L *lua.LState, n int, name string, def int64) int32 {
	if isNoneOrNil(L, n) {
		return int32(def)
	}
	return checkInt(L, n, name)
}

// toInteger converts as C does on amd64 (cvttsd2si): towards zero, and
// the minimum integer for NaN and values out of range.
func toInteger(f float64) int64 {
	if f != f || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

// toString converts a string or number as Lua does.
func toString(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return formatNumber(float64(n))
	}
	return v.String()
}

// formatNumber converts a number to a string as C Lua 5.1 does ("%.14g").
func formatNumber(f float64) string {
	if f == float64(int64(f)) && f > -1e14 && f < 1e14 {
		if f == 0 && math.Signbit(f) {
			return "-0"
		}
		return strconv.FormatInt(int64(f), 10)
	}
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f) && math.Signbit(f):
		return "-nan"
	case math.IsNaN(f):
		return "nan"
	}
	return formatG(f, 14, false, false)
}

// parseNumber reads a number as C Lua 5.1's lua_tonumber does: strtod's
// syntax, hexadecimal integers, and surrounding white space.
func parseNumber(s string) (float64, bool) {
	t := strings.TrimFunc(s, func(r rune) bool { return r < 128 && classes['s'-'a'][r] })
	if t == "" {
		return 0, false
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) <= 1 && len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if t[0] == '-' {
			return -float64(u), true
		}
		return float64(u), true
	}
	if strings.ContainsAny(body, "_xXpP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}
