package sandbox

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua keeps a table's integer keys 1..n in a Go slice, the array
// part, and fills the gap to an integer key set past its end with nils.
//
// One instruction, t[67108863] = 1, would allocate a gigabyte under
// gopher-lua's default MaxArrayIndex (several, counting append's growth).
// Keys past maxArrayIndex go to the hash part instead, which bounds that
// to a 16 MiB array (about 80 MiB allocated on the way). The price is
// that # (and ipairs, table.insert) see only the first maxArrayIndex
// entries of a sequence, a size no default memory_limit allows anyway.
// gopher-lua's limit is a process-wide variable, set once here.
const maxArrayIndex = 1 << 20

func init() { lua.MaxArrayIndex = maxArrayIndex }

// tableArrayOffset is where LTable keeps its array part. The walk reads the
// slice's capacity through it, because a sparse assignment (t[1000000] =
// 1, then nil) leaves a large array that holds no value Next would show.
// gopher-lua v1.1.2 is pinned in go.mod; TestTableArrayLayout checks the
// field is where this expects.
var tableArrayOffset = func() uintptr {
	f, ok := reflect.TypeFor[lua.LTable]().FieldByName("array")
	if !ok || f.Type != reflect.TypeFor[[]lua.LValue]() {
		panic("sandbox: gopher-lua's LTable has no array []LValue field; memory accounting needs updating")
	}
	return f.Offset
}()

// tableArray returns the array part of t.
func tableArray(t *lua.LTable) []lua.LValue {
	return *(*[]lua.LValue)(unsafe.Add(unsafe.Pointer(t), tableArrayOffset))
}

// Trailing nils: gopher-lua never shrinks an array part when its last
// values are set to nil, and its length operator (LTable.Len, behind #,
// unpack, table.insert, remove, sort, getn and concat; MaxN behind maxn)
// scans back over them, all in one instruction or one library call. After
// t[100000] = 1; t[100000] = nil every #t cost a hundred thousand steps
// that no count saw, and a loop of them ran until the call time limit.
//
// The fix is to drop the trailing nils where the scan would happen, before
// it happens, and to charge the scan to the running call: tidy. Each nil
// slot is dropped once, so the charge is paid once for each slot a gap
// filled, which also bounds the regrowth of an array part (t[100000] = 1
// after a tidy fills 100,000 slots again: the next tidy charges them). #
// is an instruction, not a library call: gopher-lua's VM runs each
// opcode through a table of functions, and OP_LEN's entry is wrapped
// (lenHook) to tidy the table in its operand first.
//
// The alternatives measured or weighed before this one:
//   - a smaller maxArrayIndex bounds one scan, not their number: at 1<<14,
//     a loop of # costs 16,000 steps an instruction, the whole 3 s call
//     time limit for a quarter of the default budget; and every sequence
//     longer than it would have a wrong # (its tail goes to the hash part);
//   - trimming during heap walks (what the sandbox did before) leaves every
//     # between two walks scanning, and the walks come a few hundred
//     instructions apart at best (cpu_len_regrow regrew the array between
//     them); under -race the first walk of a call came after 2.9 s;
//   - looking at the instruction from the counter's Done, before every
//     instruction, costs the decoding of every instruction, and doing it
//     every Kth instruction misses a # whose loop is a multiple of K long;
//   - a __len metamethod (gopher-lua consults it for tables, unlike Lua
//     5.1) would need a metatable on every table.
//
// Trimming moves only the slice's length: the capacity stays (the memory
// walk counts it), and a slot past the length reads as nil, so the table
// holds the same values. The one Go function that holds an array part
// while Lua runs is table.sort (it sorts the slice while calling the
// comparator); while one runs, tidy charges the scan without trimming.

// tidy drops the trailing nils of t's array part, unless a table.sort is
// running, and returns the steps the scan over them costs (one per
// elementsPerStep slots, so that popping a stack with t[#t] = nil stays
// free).
func (s *Sandbox) tidy(t *lua.LTable) int {
	array := tableArray(t)
	n := len(array)
	if n == 0 || array[n-1] != lua.LNil {
		return 0
	}
	for n > 0 && array[n-1] == lua.LNil {
		n--
	}
	if s.sorting == 0 {
		*(*[]lua.LValue)(unsafe.Add(unsafe.Pointer(t), tableArrayOffset)) = array[:n]
	}
	return (len(array) - n) / elementsPerStep
}

// tidyArg tidies argument 1 of the library function fn when it is a table,
// charging the call.
func (s *Sandbox) tidyArg(L *lua.LState, fn string) {
	if t, ok := L.Get(1).(*lua.LTable); ok {
		if steps := s.tidy(t); steps > 0 {
			s.charge(L, fn, steps, 0)
		}
	}
}

// instruction is the type of the entries of gopher-lua's opcode table:
// func(*LState, uint32, *callFrame) int. The frame pointer is never
// dereferenced here, so unsafe.Pointer stands for the unexported type.
type instruction = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int

// vmJumpTable is gopher-lua's opcode table (vm.go's jumpTable), indexed by
// opcode, which its VM loop calls for every instruction. TestLenHook checks
// that the wrapped entry is called for #.
//
//go:linkname vmJumpTable github.com/yuin/gopher-lua.jumpTable
var vmJumpTable [lua.OP_NOP + 1]instruction

// vmLen is gopher-lua's own OP_LEN.
var vmLen = vmJumpTable[lua.OP_LEN]

func init() { vmJumpTable[lua.OP_LEN] = lenHook }

// lenHook is OP_LEN (R(A) := #R(B)): it tidies a table operand of a
// sandbox's state, charging the scan to the running call, before
// gopher-lua's OP_LEN measures it. A charge past the limit ends the call
// at the next instruction. States that are not a sandbox's (no counter
// as their context) pass through.
func lenHook(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
	if c, ok := L.Context().(*counter); ok {
		// B is a register, or a constant when its high bit is set (a
		// constant is never a table).
		if b := int(inst & 0x1ff); b < 0x100 {
			if t, ok := frameRegister(L, b).(*lua.LTable); ok {
				if steps := c.sb.tidy(t); steps > 0 {
					c.Steps(steps)
				}
			}
		}
	}
	return vmLen(L, inst, baseframe)
}

// frameLayout locates the running frame's registers: LState's field
// currentFrame (*callFrame) and the frame's LocalBase (int), the index of
// its register 0 in the data stack (registryLayout).
var frameLayout = func() (l struct {
	current, localBase uintptr
	ok                 bool
}) {
	cf, ok := reflect.TypeFor[lua.LState]().FieldByName("currentFrame")
	if !ok || cf.Type.Kind() != reflect.Pointer || cf.Type.Elem().Kind() != reflect.Struct {
		return l
	}
	lb, ok := cf.Type.Elem().FieldByName("LocalBase")
	if !ok || lb.Type.Kind() != reflect.Int {
		return l
	}
	l.current, l.localBase, l.ok = cf.Offset, lb.Offset, registryLayout.ok
	return l
}()

// frameRegister returns register i of L's running Lua frame, as the VM's
// instructions address it, or nil when the layout is unknown.
func frameRegister(L *lua.LState, i int) lua.LValue {
	if !frameLayout.ok {
		return nil
	}
	cf := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), frameLayout.current))
	reg := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), registryLayout.reg))
	if cf == nil || reg == nil {
		return nil
	}
	i += *(*int)(unsafe.Add(cf, frameLayout.localBase))
	array := *(*[]lua.LValue)(unsafe.Add(reg, registryLayout.array))
	if i < 0 || i >= len(array) {
		return nil
	}
	return array[i]
}
