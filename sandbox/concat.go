package sandbox

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// vmConcat is gopher-lua's own OP_CONCAT.
var vmConcat = vmJumpTable[lua.OP_CONCAT]

func init() { vmJumpTable[lua.OP_CONCAT] = concatHook }

// concatHook is OP_CONCAT (R(A) := R(B).. ... ..R(C)): it charges the length
// of the string it is about to make to the running call's memory budget
// before gopher-lua's OP_CONCAT makes it. One instruction can make a string
// of any size, so without the charge a loop of a few instructions could
// allocate megabytes between two measurements of the heap, and how far past
// its limit a script got would depend on when the watchdog's goroutine ran.
// Charged, the heap is measured once the call's allocations could have
// taken it past the limit, and a concatenation over the limit is not made:
// the call ends at its next instruction. States that are not a sandbox's
// pass through.
func concatHook(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
	if c, ok := L.Context().(*counter); ok {
		b, last := int(inst&0x1ff), int(inst>>9)&0x1ff
		n := 0
		for i := b; i <= last; i++ {
			switch v := frameRegister(L, i).(type) {
			case lua.LString:
				n += len(v)
			case lua.LNumber:
				n += 24 // the most a number's text takes
			}
		}
		if n > 0 && c.Alloc(n) != nil {
			return 0
		}
	}
	return vmConcat(L, inst, baseframe)
}
