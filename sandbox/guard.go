package sandbox

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's library functions run outside the instruction count. Those
// whose work or results grow with their arguments are wrapped here so that
// they charge the budget first, and those that push one value per element
// refuse, as C Lua 5.1 does, more results than a stack can take. The
// string functions with patterns, rep, format and table.concat are
// lstring's.

// maxResults is the most values string.byte and unpack may return, C Lua
// 5.1's LUAI_MAXCSTACK.
const maxResults = 8000

// bytesPerStep is how many bytes of a plain byte loop (upper, reverse)
// cost one step; elementsPerStep how many table slots a shift moves per
// step.
const (
	bytesPerStep    = 32
	elementsPerStep = 16
)

// tracebackStepsPerFrame is what a caught error costs per active stack
// frame: gopher-lua's pcall formats a traceback of the whole stack for
// every error it catches, work that no instruction counts. Without the
// charge, a script recursing to the stack limit through pcall makes
// millions of tracebacks within its instruction limit.
const tracebackStepsPerFrame = 32

// guardLibraries wraps the library functions that need a charge or a
// bound.
func (s *Sandbox) guardLibraries() {
	L := s.state
	g := L.G.Global
	str := g.RawGetString("string").(*lua.LTable)
	tab := g.RawGetString("table").(*lua.LTable)
	wrap := func(t *lua.LTable, name string, guard func(L *lua.LState, orig lua.LGFunction) int) {
		orig := t.RawGetString(name).(*lua.LFunction).GFunction
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return guard(L, orig) }))
	}
	copying := func(name string) func(L *lua.LState, orig lua.LGFunction) int {
		return func(L *lua.LState, orig lua.LGFunction) int {
			n := len(L.CheckString(1))
			s.charge(L, name, n/bytesPerStep+1, n)
			return orig(L)
		}
	}
	for _, name := range []string{"upper", "lower", "reverse"} {
		wrap(str, name, copying("string."+name))
	}
	wrap(str, "byte", func(L *lua.LState, orig lua.LGFunction) int {
		l := len(L.CheckString(1))
		i, j := L.OptInt(2, 1), L.OptInt(3, 0)
		if L.GetTop() < 3 {
			j = i
		}
		i, j = strIndex(i, l), strIndex(j, l)
		if n := j - max(i, 1) + 1; n > maxResults {
			L.RaiseError("string.byte() string slice too long (%d values, at most %d)", n, maxResults)
		} else if n > 0 {
			s.charge(L, "string.byte", n, 0)
		}
		return orig(L)
	})
	wrap(str, "char", func(L *lua.LState, orig lua.LGFunction) int {
		s.charge(L, "string.char", L.GetTop(), L.GetTop())
		return orig(L)
	})
	wrap(g, "unpack", func(L *lua.LState, orig lua.LGFunction) int {
		t := L.CheckTable(1)
		s.tidyArg(L, "unpack")
		i, j := L.OptInt(2, 1), L.OptInt(3, t.Len())
		if n := j - i + 1; n > maxResults {
			L.RaiseError("unpack() too many results to unpack (%d, at most %d)", n, maxResults)
		} else if n > 0 {
			s.charge(L, "unpack", n, 0)
		}
		return orig(L)
	})
	shift := func(name string) func(L *lua.LState, orig lua.LGFunction) int {
		return func(L *lua.LState, orig lua.LGFunction) int {
			t := L.CheckTable(1)
			s.tidyArg(L, name)
			n := t.Len()
			s.charge(L, name, n/elementsPerStep+1, 0)
			return orig(L)
		}
	}
	wrap(tab, "insert", func(L *lua.LState, orig lua.LGFunction) int {
		t := L.CheckTable(1)
		s.tidyArg(L, "table.insert")
		n := t.Len()
		grow := 0
		if L.GetTop() >= 3 {
			grow = arrayGrowth(t, L.Get(2))
		}
		s.charge(L, "table.insert", n/elementsPerStep+1, grow)
		return orig(L)
	})
	wrap(g, "rawset", func(L *lua.LState, orig lua.LGFunction) int {
		s.charge(L, "rawset", 1, arrayGrowth(L.CheckTable(1), L.Get(2)))
		return orig(L)
	})
	wrap(tab, "remove", shift("table.remove"))
	// table.sort sorts the whole array part, trailing nils included, in a
	// Go slice it holds while the comparator runs: tidy first, and no tidy
	// may trim a table until it returns.
	wrap(tab, "sort", func(L *lua.LState, orig lua.LGFunction) int {
		t := L.CheckTable(1)
		s.tidyArg(L, "table.sort")
		n := len(tableArray(t))
		s.charge(L, "table.sort", n*bits.Len(uint(n))/4+1, 0)
		s.sorting++
		defer func() { s.sorting-- }()
		return orig(L)
	})
	for _, name := range []string{"getn", "maxn", "concat"} {
		wrap(tab, name, func(L *lua.LState, orig lua.LGFunction) int {
			s.tidyArg(L, "table."+name)
			return orig(L)
		})
	}
	// setmetatable takes tables only, as in C Lua 5.1: gopher-lua's also
	// sets the metatable of every string or number at once.
	wrap(g, "setmetatable", func(L *lua.LState, orig lua.LGFunction) int {
		L.CheckTable(1)
		return orig(L)
	})
	g.RawSetString("pcall", L.NewFunction(s.luaPcall))
	g.RawSetString("xpcall", L.NewFunction(s.luaXpcall))
	next := L.NewFunction(s.luaNext)
	g.RawSetString("next", next)
	g.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
}

// luaNext is next, charging for the nils gopher-lua skips in a table's
// array part: a table whose array part is mostly empty (t[100000] = 1)
// makes every next scan it.
func (s *Sandbox) luaNext(L *lua.LState) int {
	t := L.CheckTable(1)
	k := L.Get(2)
	array := tableArray(t)
	start := -1
	switch kn := k.(type) {
	case *lua.LNilType:
		start = 0
	case lua.LNumber:
		if i := int(kn); float64(i) == float64(kn) && i >= 1 && i <= len(array) {
			start = i
		}
	}
	if start >= 0 {
		i := start
		for i < len(array) && array[i] == lua.LNil {
			i++
		}
		s.charge(L, "next", (i-start)/elementsPerStep, 0)
	}
	key, value := t.Next(k)
	if key == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(key)
	L.Push(value)
	return 2
}

// goPanic ends the running call when err is a Go panic that gopher-lua
// recovered into a Lua error: the VM's state may be half-updated, so the
// script must not catch it and go on.
func (s *Sandbox) goPanic(L *lua.LState, err error) {
	var ae *lua.ApiError
	// gopher-lua's call stack reports overflow by panicking before it
	// changes anything: that one is the script's stack overflow.
	if errors.As(err, &ae) && ae.Type == lua.ApiErrorPanic && !strings.Contains(ae.Object.String(), "callstack overflow") {
		s.ctr.fail(fmt.Errorf("Go runtime error: %v", ae.Object))
		L.RaiseError("%v", ae.Object)
	}
}

// luaXpcall is xpcall(f, handler), as gopher-lua's, except that a Go
// panic is not caught.
func (s *Sandbox) luaXpcall(L *lua.LState) int {
	fn := L.CheckFunction(1)
	handler := L.CheckFunction(2)
	top := L.GetTop()
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, handler); err != nil {
		s.goPanic(L, err)
		return pushFailure(L, err)
	}
	L.Insert(lua.LTrue, top+1)
	return L.GetTop() - top
}

// arrayGrowth returns the bytes setting key k of t adds to t's array
// part: gopher-lua fills the gap to an integer key with nils.
func arrayGrowth(t *lua.LTable, k lua.LValue) int {
	kn, ok := k.(lua.LNumber)
	if !ok {
		return 0
	}
	i, n := int(kn), len(tableArray(t))
	if float64(i) != float64(kn) || i <= n || i >= maxArrayIndex {
		return 0
	}
	return sizeValue * (i - n)
}

// strIndex turns a Lua string index (negative from the end) into a
// position from 1, as string.byte reads it.
func strIndex(i, l int) int {
	if i < 0 {
		return l + i + 1
	}
	return i
}

// charge charges steps and bytes to the running call, raising the
// budget's error as fn's when it refuses.
func (s *Sandbox) charge(L *lua.LState, fn string, steps, bytes int) {
	if err := s.ctr.Steps(steps); err != nil {
		L.RaiseError("%s() %v", fn, err)
	}
	if bytes > 0 {
		if err := s.ctr.Alloc(bytes); err != nil {
			L.RaiseError("%s() %v", fn, err)
		}
	}
}

// luaPcall is pcall, charging the budget for the traceback gopher-lua
// builds of every error it catches.
func (s *Sandbox) luaPcall(L *lua.LState) int {
	fn := L.CheckAny(1)
	if fn.Type() != lua.LTFunction && L.GetMetaField(fn, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + fn.Type().String() + " value"))
		return 2
	}
	err := L.PCall(L.GetTop()-1, lua.MultRet, nil)
	if err == nil {
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}
	s.goPanic(L, err)
	depth := stackDepth(L)
	if serr := s.ctr.Steps(depth * tracebackStepsPerFrame); serr != nil {
		L.RaiseError("pcall() %v", serr)
	}
	return pushFailure(L, err)
}

// stackDepth returns the number of active call frames, at most
// callStackSize: gopher-lua's GetStack counts tail calls as levels and
// answers every level past them with the outermost frame.
func stackDepth(L *lua.LState) int {
	depth := 0
	for ; depth < callStackSize; depth++ {
		if _, ok := L.GetStack(depth); !ok {
			break
		}
	}
	return depth
}

// pushFailure pushes what pcall and xpcall return for a failed call, false
// and the error value, and returns their count.
func pushFailure(L *lua.LState, err error) int {
	L.Push(lua.LFalse)
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		L.Push(ae.Object)
	} else {
		L.Push(lua.LString(err.Error()))
	}
	return 2
}
