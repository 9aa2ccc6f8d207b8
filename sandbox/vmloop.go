package sandbox

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// The sandbox runs Lua in its own VM loop, not gopher-lua's.
//
// gopher-lua v1.1.2 runs a state that has a context in
// mainLoopWithContext, which selects on ctx.Done() before every
// instruction: the counter's Done counted instructions exactly, but the
// select and the interface call cost 11 % of a short filter call by
// themselves. runVM is the same loop with the count inline: an increment
// and two compares (the limit, the watchdog's flag) before each
// instruction, the slow path (counter.slow) taken exactly when Done would
// have closed its channel or looked further. Instructions are counted at
// the same point as before, after the fetch and before the execution, so
// counts and the line an error names are the same as under
// mainLoopWithContext (TestVMLoopSameCounts compares the two).
//
// The loop reaches into gopher-lua: the field mainLoop of LState, which
// callR (behind Call and PCall, and so pcall, xpcall, sort comparators and
// gsub callbacks) calls to run the frame it has just pushed; the fields
// currentFrame, and Fn and Pc of a call frame; the opcode table
// (vmJumpTable, arrays.go) and callGFunction through go:linkname. vmState
// and vmFrame mirror the fields the loop touches; vmLayoutOK checks them
// against gopher-lua's own types, and a state whose layout is not the one
// expected keeps gopher-lua's loop and the counting Done. What reflection
// cannot check (the meaning of the fields, callGFunction's signature) is
// pinned to gopher-lua v1.1.2 by TestGopherLuaVersion.
//
// gopher-lua's loop also reloads currentFrame from the call stack on
// entry and returns at once on an empty stack; callR has just pushed the
// frame and made it currentFrame, so runVM starts from currentFrame. Its
// other caller, threadRun, runs coroutines, which the sandbox does not
// offer (a new thread of a state with a context gets gopher-lua's loop in
// any case). Not touching the call stack keeps it gopher-lua's segmented
// one (MinimizeStackMemory), so a Go panic in nested xpcall handlers
// fails as it did under gopher-lua's loop (TestHostile's
// panic_xpcall_nested).

// vmFrame mirrors the start of gopher-lua's callFrame.
type vmFrame struct {
	Idx    int
	Fn     *lua.LFunction
	Parent *vmFrame
	Pc     int
}

// vmState mirrors gopher-lua's LState up to its field mainLoop.
type vmState struct {
	G            *lua.Global
	Parent       *lua.LState
	Env          *lua.LTable
	Panic        func(*lua.LState)
	Dead         bool
	Options      lua.Options
	stop         int32
	reg          unsafe.Pointer
	stack        any
	alloc        unsafe.Pointer
	currentFrame *vmFrame
	wrapped      bool
	uvcache      unsafe.Pointer
	hasErrorFunc bool
	mainLoop     func(*lua.LState, *vmFrame)
}

// callGFunction is gopher-lua's call of the Go function in the current
// frame, which its loop makes when the frame callR pushed is a Go
// function's.
//
//go:linkname callGFunction github.com/yuin/gopher-lua.callGFunction
func callGFunction(L *lua.LState, tailcall bool) bool

// vmLayoutOK says whether vmState and vmFrame match gopher-lua's LState and
// callFrame: the same names at the same offsets with the same sizes and
// kinds (unsafe.Pointer standing for a pointer, any for an interface), and
// mainLoop a func(*LState, *callFrame).
var vmLayoutOK = func() bool {
	st := reflect.TypeFor[lua.LState]()
	if !sameLayout(reflect.TypeFor[vmState](), st) {
		return false
	}
	cf, _ := st.FieldByName("currentFrame")
	if cf.Type.Kind() != reflect.Pointer || !sameLayout(reflect.TypeFor[vmFrame](), cf.Type.Elem()) {
		return false
	}
	ml, _ := st.FieldByName("mainLoop")
	return ml.Type.NumIn() == 2 && ml.Type.NumOut() == 0 &&
		ml.Type.In(0) == reflect.TypeFor[*lua.LState]() && ml.Type.In(1) == cf.Type
}()

// sameLayout reports whether every field of mirror is a field of target
// with the same name, offset, size and kind.
func sameLayout(mirror, target reflect.Type) bool {
	if target.Kind() != reflect.Struct {
		return false
	}
	for i := range mirror.NumField() {
		m := mirror.Field(i)
		t, ok := target.FieldByName(m.Name)
		if !ok || t.Offset != m.Offset || t.Type.Size() != m.Type.Size() || kind(t.Type) != kind(m.Type) {
			return false
		}
	}
	return true
}

// kind is t's kind, with unsafe.Pointer standing for any pointer.
func kind(t reflect.Type) reflect.Kind {
	if k := t.Kind(); k != reflect.UnsafePointer {
		return k
	}
	return reflect.Pointer
}

// useVM makes L, whose context is a counter, run its Lua code in runVM.
// It must follow SetContext, which installs gopher-lua's loop.
func useVM(L *lua.LState) {
	if vmLayoutOK {
		(*vmState)(unsafe.Pointer(L)).mainLoop = runVM
	}
}

// runVM runs the Lua frame callR pushed on L until it returns to
// baseframe (nil: until the stack is empty), counting each instruction
// in L's counter before running it.
func runVM(L *lua.LState, baseframe *vmFrame) {
	st := (*vmState)(unsafe.Pointer(L))
	if st.currentFrame.Fn.IsG {
		callGFunction(L, false)
		return
	}
	c := L.Context().(*counter)
	for {
		cf := st.currentFrame
		inst := cf.Fn.Proto.Code[cf.Pc]
		cf.Pc++
		c.n++
		if (c.n > c.limit || c.flag.Load()) && c.slow() != nil {
			L.RaiseError("%s", c.Err().Error())
			return
		}
		if vmJumpTable[inst>>26](L, inst, unsafe.Pointer(baseframe)) == 1 {
			return
		}
	}
}
