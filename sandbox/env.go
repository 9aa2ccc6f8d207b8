package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/cjson"
	"sandpiper/sandbox/lstring"
)

// BuiltinModules holds the Lua modules shipped inside the binary, found by
// require before the configured module directories: module "a.b" is the
// file "a/b.lua". The package that embeds lua_modules/ sets it from an
// init function; nil means none.
var BuiltinModules fs.FS

// goModules are the modules written in Go, by require name. Each loader
// gets the sandbox's budget and is called as a Lua function with the
// module name; it returns the module table, which require also makes a
// global of that name when the name has no dot (as Heka's scripts that
// call require "cjson" and then use cjson expect).
var goModules = map[string]func(*Sandbox) lua.LGFunction{
	"cjson":      func(s *Sandbox) lua.LGFunction { return cjson.Loader(&s.ctr) },
	"cjson.safe": func(s *Sandbox) lua.LGFunction { return cjson.SafeLoader(&s.ctr) },
}

// Print rate limit: a burst of printBurst lines, then printRate per second,
// refilled between calls, so that one call prints at most printBurst.
const (
	printBurst   = 100
	printRate    = 10
	printMaxLine = 4096
)

// removedBase are the base functions a sandbox does not offer: they load
// code from strings or files, reach the collector, or (module) rely on the
// package library, which is not opened.
var removedBase = []string{
	"load", "loadstring", "loadfile", "dofile", "collectgarbage", "module",
	"require", "_printregs", "newproxy",
}

// openEnvironment opens Heka's subset of the standard libraries.
func (s *Sandbox) openEnvironment() {
	L := s.state
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	for _, name := range removedBase {
		g.RawSetString(name, lua.LNil)
	}
	g.RawSetString("print", L.NewFunction(s.luaPrint))
	g.RawSetString("require", L.NewFunction(s.luaRequire))

	str := L.GetGlobal("string").(*lua.LTable)
	str.RawSetString("dump", lua.LNil)
	str.RawSetString("__index", lua.LNil)
	// Strings share one metatable; a script that reached it could change
	// how every string indexes. getmetatable("") returns false instead.
	meta := L.NewTable()
	meta.RawSetString("__index", str)
	meta.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(lua.LString(""), meta)
	s.modules.stringMeta = meta

	osTable := L.NewTable()
	osTable.RawSetString("time", L.NewFunction(osTime))
	osTable.RawSetString("date", L.NewFunction(s.osDate))
	osTable.RawSetString("clock", L.GetGlobal("os").(*lua.LTable).RawGetString("clock"))
	g.RawSetString("os", osTable)
	loaded := s.loadedTable()
	loaded.RawSetString("os", osTable)
	for _, name := range []string{"io", "debug", "coroutine", "package", "channel"} {
		loaded.RawSetString(name, lua.LNil)
	}
	s.openStringLibrary()
	s.guardLibraries()
}

// openStringLibrary replaces the string functions whose work grows with
// their input (find, match, gmatch, gsub, rep, format, table.concat) by
// bounded ones that charge the sandbox's budget, with patterns compiled
// once per sandbox.
func (s *Sandbox) openStringLibrary() {
	lstring.Open(s.state, &s.ctr, lstring.NewCache(0))
}

// loadedTable returns the registry's table of loaded modules, where the
// libraries opened by openEnvironment already are.
func (s *Sandbox) loadedTable() *lua.LTable {
	L := s.state
	if t, ok := L.G.Registry.RawGetString("_LOADED").(*lua.LTable); ok {
		return t
	}
	t := L.NewTable()
	L.G.Registry.RawSetString("_LOADED", t)
	return t
}

// printLimiter is a token bucket for print lines.
type printLimiter struct {
	tokens  float64
	last    time.Time
	dropped int
}

func (p *printLimiter) init(now time.Time) { p.tokens, p.last = printBurst, now }

// refill adds the tokens earned since the last refill; called between
// calls, and only reading the clock when the bucket is not full.
func (p *printLimiter) refill() {
	if p.tokens >= printBurst {
		return
	}
	now := time.Now()
	p.tokens = min(printBurst, p.tokens+now.Sub(p.last).Seconds()*printRate)
	p.last = now
}

func (p *printLimiter) allow() bool {
	if p.tokens < 1 {
		p.dropped++
		return false
	}
	p.tokens--
	return true
}

// luaPrint writes its arguments, tab-separated, as one line to Config.Log.
func (s *Sandbox) luaPrint(L *lua.LState) int {
	if s.cfg.Log == nil {
		return 0
	}
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
		if b.Len() > printMaxLine {
			break
		}
	}
	if err := s.ctr.Steps(b.Len()); err != nil {
		L.RaiseError("print() %v", err)
	}
	if !s.printer.allow() {
		return 0
	}
	line := b.String()
	if d := s.printer.dropped; d > 0 {
		s.printer.dropped = 0
		line = fmt.Sprintf("(%d earlier lines dropped by the print rate limit) %s", d, line)
	}
	if len(line) > printMaxLine {
		line = line[:printMaxLine] + "..."
	}
	s.cfg.Log(line)
	return 0
}

// moduleState is what require keeps.
type moduleState struct {
	stringMeta *lua.LTable
	loading    map[string]bool
}

var errBadModuleName = errors.New("want names of [A-Za-z0-9_.] with no empty part between dots")

func validModuleName(name string) bool {
	if name == "" || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// luaRequire is require(name): the libraries already open, the Go
// modules, the built-in Lua modules, then NAME.lua in Config.ModuleDirs.
func (s *Sandbox) luaRequire(L *lua.LState) int {
	name := L.CheckString(1)
	if !validModuleName(name) {
		L.ArgError(1, fmt.Sprintf("require() module name %q: %v", name, errBadModuleName))
	}
	loaded := s.loadedTable()
	if v := loaded.RawGetString(name); v != lua.LNil {
		L.Push(v)
		return 1
	}
	if s.modules.loading[name] {
		L.RaiseError("require() %q: loop while loading it", name)
	}
	if open, ok := goModules[name]; ok {
		L.Push(L.NewFunction(open(s)))
		L.Push(lua.LString(name))
		L.Call(1, 1)
		mod := L.Get(-1)
		L.Pop(1)
		loaded.RawSetString(name, mod)
		if !strings.Contains(name, ".") {
			L.SetGlobal(name, mod)
		}
		L.Push(mod)
		return 1
	}
	src, path, err := s.findModule(name)
	if err != nil {
		L.RaiseError("require() %q: %v", name, err)
	}
	if err := s.ctr.Steps(len(src)); err != nil {
		L.RaiseError("require() %q: %v", name, err)
	}
	fn, err := L.Load(strings.NewReader(string(src)), path)
	if err != nil {
		L.RaiseError("require() %q: %v", name, err)
	}
	if s.modules.loading == nil {
		s.modules.loading = make(map[string]bool)
	}
	s.modules.loading[name] = true
	defer delete(s.modules.loading, name)
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	mod := L.Get(-1)
	L.Pop(1)
	if mod == lua.LNil {
		mod = lua.LTrue
	}
	loaded.RawSetString(name, mod)
	L.Push(mod)
	return 1
}

// findModule returns the source of module name and the path it was found
// at: BuiltinModules first, then each of Config.ModuleDirs.
func (s *Sandbox) findModule(name string) ([]byte, string, error) {
	rel := strings.ReplaceAll(name, ".", "/") + ".lua"
	if BuiltinModules != nil {
		if src, err := fs.ReadFile(BuiltinModules, rel); err == nil {
			return src, "builtin/" + rel, nil
		}
	}
	for _, dir := range s.cfg.ModuleDirs {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		src, err := os.ReadFile(path)
		if err == nil {
			return src, path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("no built-in module and no %s in the module directories %q", rel, s.cfg.ModuleDirs)
}

// osDate is os.date in UTC: the time zone of a sandbox is UTC whatever the
// daemon's, so "%H" means the same on every host.
func (s *Sandbox) osDate(L *lua.LState) int {
	format := L.OptString(1, "%c")
	if err := s.ctr.Steps(len(format)); err != nil {
		L.RaiseError("os.date() %v", err)
	}
	if len(format) > 1024 {
		L.ArgError(1, "os.date() format longer than 1024 bytes")
	}
	t := time.Now().UTC()
	if L.GetTop() >= 2 {
		t = time.Unix(L.CheckInt64(2), 0).UTC()
	}
	format = strings.TrimPrefix(format, "!")
	if strings.HasPrefix(format, "*t") {
		r := L.CreateTable(0, 9)
		r.RawSetString("year", lua.LNumber(t.Year()))
		r.RawSetString("month", lua.LNumber(t.Month()))
		r.RawSetString("day", lua.LNumber(t.Day()))
		r.RawSetString("hour", lua.LNumber(t.Hour()))
		r.RawSetString("min", lua.LNumber(t.Minute()))
		r.RawSetString("sec", lua.LNumber(t.Second()))
		r.RawSetString("wday", lua.LNumber(t.Weekday()+1))
		r.RawSetString("yday", lua.LNumber(t.YearDay()))
		r.RawSetString("isdst", lua.LFalse)
		L.Push(r)
		return 1
	}
	L.Push(lua.LString(strftime(t, format)))
	return 1
}

// osTime is os.time in UTC: no argument is now, a table {year, month,
// day[, hour=12, min=0, sec=0]} is read as UTC.
func osTime(L *lua.LState) int {
	if L.GetTop() == 0 || L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	t := L.CheckTable(1)
	field := func(key string, def int, required bool) int {
		v := t.RawGetString(key)
		if n, ok := v.(lua.LNumber); ok {
			return int(n)
		}
		if required {
			L.ArgError(1, fmt.Sprintf("os.time() field %q missing in date table", key))
		}
		return def
	}
	tm := time.Date(field("year", 0, true), time.Month(field("month", 0, true)), field("day", 0, true),
		field("hour", 12, false), field("min", 0, false), field("sec", 0, false), 0, time.UTC)
	L.Push(lua.LNumber(tm.Unix()))
	return 1
}

// strftime formats t with C's strftime conversions in the C locale.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'A':
			b.WriteString(t.Format("Monday"))
		case 'b', 'h':
			b.WriteString(t.Format("Jan"))
		case 'B':
			b.WriteString(t.Format("January"))
		case 'c':
			b.WriteString(t.Format("Mon Jan  2 15:04:05 2006"))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'D', 'x':
			b.WriteString(t.Format("01/02/06"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", (t.Hour()+11)%12+1)
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'n':
			b.WriteByte('\n')
		case 'p':
			b.WriteString(t.Format("PM"))
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 't':
			b.WriteByte('\t')
		case 'T', 'X':
			b.WriteString(t.Format("15:04:05"))
		case 'u':
			fmt.Fprintf(&b, "%d", (int(t.Weekday())+6)%7+1)
		case 'w':
			fmt.Fprintf(&b, "%d", int(t.Weekday()))
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'z':
			b.WriteString("+0000")
		case 'Z':
			b.WriteString("UTC")
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
