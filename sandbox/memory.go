package sandbox

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua allocates from the Go heap and has no allocator hook, so a
// sandbox's memory is what can be reached from its Lua state: the globals,
// the registry (loaded modules, library tables), the string metatable and
// the registers of every active stack frame. measure walks all of it and
// estimates the bytes each value holds in Go's heap; garbage is not
// counted, as Lua's own count would not count it after a collection.
//
// A walk costs time in proportion to the heap, so it is amortised (see
// memState.afterCall): after any call that ran many instructions or whose
// Go functions granted many bytes, and every measureEvery calls otherwise;
// within a long call every measureInterval instructions; and whenever the
// watchdog sees the process heap grow fast (during the call, or after the
// next call when the growth came and went between two of its looks).

// registryLayout locates the Lua data stack of an LState: the field reg
// (*registry) and, in the registry, array ([]LValue) and top (int). The
// walk reads every register below top, which holds what the active frames
// hold, named locals or not (varargs, temporaries). When gopher-lua's
// layout is not the one expected, ok is false and the walk falls back on
// the named locals of each frame.
var registryLayout = func() (l struct {
	reg, array, top uintptr
	ok              bool
}) {
	reg, ok := reflect.TypeFor[lua.LState]().FieldByName("reg")
	if !ok || reg.Type.Kind() != reflect.Pointer {
		return l
	}
	rt := reg.Type.Elem()
	array, ok1 := rt.FieldByName("array")
	top, ok2 := rt.FieldByName("top")
	if !ok1 || !ok2 || array.Type != reflect.TypeFor[[]lua.LValue]() || top.Type.Kind() != reflect.Int {
		return l
	}
	l.reg, l.array, l.top, l.ok = reg.Offset, array.Offset, top.Offset, true
	return l
}()

// registers returns the live part of L's data stack, or false when the
// layout is unknown.
func registers(L *lua.LState) ([]lua.LValue, bool) {
	if !registryLayout.ok {
		return nil, false
	}
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), registryLayout.reg))
	if reg == nil {
		return nil, false
	}
	array := *(*[]lua.LValue)(unsafe.Add(reg, registryLayout.array))
	top := *(*int)(unsafe.Add(reg, registryLayout.top))
	return array[:min(max(top, 0), len(array))], true
}

// Estimated sizes in Go's heap, bytes (64-bit).
const (
	sizeValue    = 16  // an LValue interface
	sizeString   = 16  // a boxed string header, plus its bytes
	sizeTable    = 120 // LTable with its maps and slices empty
	sizeEntry    = 48  // one hash entry: key and value interfaces, map and keys-slice overhead
	sizeFunction = 64  // LFunction
	sizeUpvalue  = 48  // Upvalue
	sizeProto    = 200 // FunctionProto, plus its code and constants
	sizeUserData = 48  // LUserData
)

// The amortisation of measurements after calls.
const (
	measureEvery        = 4096    // calls
	measureInstructions = 500_000 // instructions run since the last measurement
)

type memState struct {
	current      int64
	visited      int64 // values the last walk visited
	epoch        int64 // heapEpoch at the last measurement
	calls        int   // calls since the last measurement
	instructions int64 // instructions since the last measurement

	seen    map[unsafe.Pointer]struct{}
	pending []lua.LValue
}

// afterCall measures the heap when the calls since the last measurement
// may have grown it: many instructions, many granted bytes, or simply many
// calls.
func (m *memState) afterCall(s *Sandbox, used int64) {
	m.calls++
	m.instructions += used
	if m.calls >= measureEvery || m.instructions >= measureInstructions ||
		s.ctr.allocated > s.limits.Memory/16 || heapEpoch.Load() != m.epoch {
		s.measure()
	}
}

// measure walks the Lua state and sets mem.current.
func (s *Sandbox) measure() {
	m := &s.mem
	m.calls, m.instructions, s.ctr.allocated = 0, 0, 0
	m.epoch = heapEpoch.Load()
	if m.seen == nil {
		m.seen = make(map[unsafe.Pointer]struct{}, 256)
	}
	L := s.state
	var total int64
	push := func(v lua.LValue) { m.pending = append(m.pending, v) }
	push(L.G.Global)
	push(L.G.Registry)
	push(L.Env)
	if s.modules.stringMeta != nil {
		push(s.modules.stringMeta)
	}
	if regs, ok := registers(L); ok {
		for _, v := range regs {
			if v != nil {
				push(v)
			}
		}
	} else {
		depth := stackDepth(L)
		for level := 0; level < depth; level++ {
			dbg, ok := L.GetStack(level)
			if !ok {
				break
			}
			for n := 1; ; n++ {
				name, v := L.GetLocal(dbg, n)
				if name == "" {
					break
				}
				push(v)
			}
		}
		for i := 1; i <= L.GetTop(); i++ {
			push(L.Get(i))
		}
	}
	m.visited = 0
	for len(m.pending) > 0 {
		v := m.pending[len(m.pending)-1]
		m.pending = m.pending[:len(m.pending)-1]
		total += m.size(v, push)
		m.visited++
	}
	clear(m.seen)
	m.current = total + s.heldBytes + int64(cap(s.payload))
}

// size returns the bytes v holds itself, pushing the values it refers to;
// an object already seen in this walk counts nothing.
func (m *memState) size(v lua.LValue, push func(lua.LValue)) int64 {
	switch x := v.(type) {
	case lua.LString:
		if len(x) == 0 || !m.first(unsafe.Pointer(unsafe.StringData(string(x)))) {
			return sizeValue
		}
		return sizeString + int64(len(x))
	case lua.LNumber:
		return sizeValue
	case *lua.LTable:
		if !m.first(unsafe.Pointer(x)) {
			return 0
		}
		array := tableArray(x)
		n := int64(sizeTable + sizeValue*cap(array))
		if x.Metatable != nil && x.Metatable != lua.LNil {
			push(x.Metatable)
		}
		for k, val := x.Next(lua.LNil); k != lua.LNil; k, val = x.Next(k) {
			if kn, ok := k.(lua.LNumber); !ok {
				n += sizeEntry
				push(k)
			} else if i := int(kn); float64(i) != float64(kn) || i < 1 || i > len(array) {
				n += sizeEntry
			}
			switch val.(type) {
			case lua.LNumber, lua.LBool:
			default:
				push(val)
			}
		}
		return n
	case *lua.LFunction:
		if !m.first(unsafe.Pointer(x)) {
			return 0
		}
		n := int64(sizeFunction + sizeUpvalue*len(x.Upvalues))
		if x.Env != nil {
			push(x.Env)
		}
		for _, uv := range x.Upvalues {
			push(uv.Value())
		}
		if x.Proto != nil {
			n += m.protoSize(x.Proto)
		}
		return n
	case *lua.LUserData:
		if !m.first(unsafe.Pointer(x)) {
			return 0
		}
		if x.Metatable != nil {
			push(x.Metatable)
		}
		if x.Env != nil {
			push(x.Env)
		}
		return sizeUserData
	}
	return sizeValue
}

func (m *memState) protoSize(p *lua.FunctionProto) int64 {
	if !m.first(unsafe.Pointer(p)) {
		return 0
	}
	n := int64(sizeProto + 4*len(p.Code) + 8*len(p.DbgSourcePositions) + sizeValue*len(p.Constants))
	for _, c := range p.Constants {
		if s, ok := c.(lua.LString); ok {
			n += int64(len(s))
		}
	}
	for _, sub := range p.FunctionPrototypes {
		n += m.protoSize(sub)
	}
	return n
}

func (m *memState) first(p unsafe.Pointer) bool {
	if _, ok := m.seen[p]; ok {
		return false
	}
	m.seen[p] = struct{}{}
	return true
}
