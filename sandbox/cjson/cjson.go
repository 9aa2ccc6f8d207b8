// Package cjson is the sandbox's `cjson` Lua module: lua-cjson 2.1's API
// (decode, encode, null, new and the settings functions) written in Go for
// gopher-lua, with every byte and step it spends charged to a budget.Budget so
// that a huge encode or decode is stopped by the sandbox's limits like any
// other work of the script.
//
// It follows lua-cjson's behaviour and error messages; docs/lua-cjson.md lists
// the few places where it differs and why.
package cjson

import (
	"errors"
	"fmt"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// lua-cjson's defaults, from its manual.
const (
	defaultSparseRatio = 2
	defaultSparseSafe  = 10
	defaultMaxDepth    = 1000
	defaultPrecision   = 14
	maxPrecision       = 14
	// maxSetting is the largest value an integer setting accepts (lua-cjson
	// keeps them in a C int).
	maxSetting = 1<<31 - 1
)

// hardDepth bounds nesting whatever encode_max_depth and decode_max_depth
// say: both directions recurse on the Go stack, and lua-cjson itself stops
// where C Lua's stack ends, near 8000.
const hardDepth = 10000

// Invalid number modes of encode_invalid_numbers.
const (
	invalidOff  = 0 // refuse NaN and ±Inf
	invalidOn   = 1 // write nan, inf, -inf
	invalidNull = 2 // write null
)

// nullKey is where the LState's cjson.null lives in its registry, so that
// every module instance of one LState (cjson.new(), cjson.safe) shares it.
const nullKey = "sandpiper.cjson.null"

// config is the state of one module instance: cjson.new() makes another with
// lua-cjson's defaults.
type config struct {
	sparseConvert  bool
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	precision      int
	keepBuffer     bool
	encodeInvalid  int
	decodeInvalid  bool

	// Scratch space reused from call to call, so that a filter decoding one
	// event per message does not allocate it each time.
	encodeBuf []byte
	scratch   decodeScratch
}

func newConfig() *config {
	return &config{
		sparseRatio:    defaultSparseRatio,
		sparseSafe:     defaultSparseSafe,
		encodeMaxDepth: defaultMaxDepth,
		decodeMaxDepth: defaultMaxDepth,
		precision:      defaultPrecision,
		keepBuffer:     true,
		decodeInvalid:  true,
	}
}

// module is what the Lua functions of one instance close over.
type module struct {
	cfg    *config
	budget budget.Budget
	null   lua.LValue
	safe   bool
}

// Loader returns the loader of the `cjson` module, for
// L.PreloadModule("cjson", cjson.Loader(b)). Every encode and decode of the
// module (and of the instances cjson.new() makes) charges b; when b refuses,
// the call fails with b's error as the Lua error message.
func Loader(b budget.Budget) lua.LGFunction {
	return loader(b, false)
}

// SafeLoader returns the loader of the `cjson.safe` module: the same API as
// Loader's, except that encode and decode return nil and the error message
// instead of raising an error. A refusal of the budget is still raised, so
// that a script cannot catch its way past its limits.
func SafeLoader(b budget.Budget) lua.LGFunction {
	return loader(b, true)
}

func loader(b budget.Budget, safe bool) lua.LGFunction {
	return func(L *lua.LState) int {
		m := &module{cfg: newConfig(), budget: b, null: Null(L), safe: safe}
		L.Push(m.table(L))
		return 1
	}
}

// Null returns L's cjson.null: the value that decode gives for a JSON null
// and that encode writes as null. It is a userdata with no value, one per
// LState, so that a script that sets a metatable on it affects no other
// sandbox.
func Null(L *lua.LState) lua.LValue {
	if v := L.G.Registry.RawGetString(nullKey); v != lua.LNil {
		return v
	}
	ud := L.NewUserData()
	L.G.Registry.RawSetString(nullKey, ud)
	return ud
}

// IsNull reports whether v is L's cjson.null.
func IsNull(L *lua.LState, v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	return ok && lua.LValue(ud) == L.G.Registry.RawGetString(nullKey)
}

func (m *module) table(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 14)
	fns := []struct {
		name string
		fn   lua.LGFunction
	}{
		{"encode", m.encode},
		{"decode", m.decode},
		{"encode_sparse_array", m.encodeSparseArray},
		{"encode_max_depth", m.encodeMaxDepth},
		{"decode_max_depth", m.decodeMaxDepth},
		{"encode_number_precision", m.encodeNumberPrecision},
		{"encode_keep_buffer", m.encodeKeepBuffer},
		{"encode_invalid_numbers", m.encodeInvalidNumbers},
		{"decode_invalid_numbers", m.decodeInvalidNumbers},
		{"new", m.new},
	}
	for _, f := range fns {
		t.RawSetString(f.name, L.NewFunction(f.fn))
	}
	t.RawSetString("null", m.null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

// new is cjson.new(): an instance with its own settings and lua-cjson's
// defaults, sharing the budget and cjson.null.
func (m *module) new(L *lua.LState) int {
	n := &module{cfg: newConfig(), budget: m.budget, null: m.null, safe: m.safe}
	L.Push(n.table(L))
	return 1
}

func (m *module) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	out, err := encode(m.cfg, m.budget, m.null, L.Get(1))
	if err != nil {
		return m.fail(L, err)
	}
	L.Push(lua.LString(out))
	return 1
}

func (m *module) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	v, err := decode(L, m.cfg, m.budget, m.null, L.CheckString(1))
	if err != nil {
		return m.fail(L, err)
	}
	L.Push(v)
	return 1
}

// fail raises err as a Lua error without a position prefix, as lua-cjson's
// errors have none; the safe module returns it instead, unless the budget
// refused.
func (m *module) fail(L *lua.LState, err error) int {
	var le *limitError
	if m.safe && !errors.As(err, &le) {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Error(lua.LString(err.Error()), 0)
	return 0
}

// jsonError is an error of lua-cjson's, worded as lua-cjson words it (which
// is why it starts with a capital).
type jsonError string

func (e jsonError) Error() string { return string(e) }

func jsonErrorf(format string, args ...any) error {
	return jsonError(fmt.Sprintf(format, args...))
}

// limitError is a refusal of the budget, kept apart from JSON errors so that
// cjson.safe does not turn it into a return value.
type limitError struct{ err error }

func (e *limitError) Error() string { return e.err.Error() }
func (e *limitError) Unwrap() error { return e.err }

// argInit checks a settings function's argument count, as lua-cjson does,
// and pads the missing ones with nil so that the results pushed after them
// are not taken for arguments.
func argInit(L *lua.LState, args int) {
	if L.GetTop() > args {
		L.ArgError(args+1, "found too many arguments")
	}
	L.SetTop(args)
}

// integerOption sets *setting from argument n when it is given and pushes the
// setting's value.
func integerOption(L *lua.LState, n int, setting *int, min, max int) {
	if v := L.Get(n); v != lua.LNil {
		f := float64(L.CheckNumber(n))
		if !(f >= float64(min) && f <= float64(max)) { // NaN too
			L.ArgError(n, "expected integer between "+strconv.Itoa(min)+" and "+strconv.Itoa(max))
		}
		*setting = int(f)
	}
	L.Push(lua.LNumber(*setting))
}

// enumOption sets *setting from argument n when it is given: a boolean, or
// one of options by name (options[0] and options[1] meaning false and true).
// It pushes the setting as a boolean when it is 0 or 1, else by name.
func enumOption(L *lua.LState, n int, setting *int, options []string) {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = 0
		if v {
			*setting = 1
		}
	default:
		name := L.CheckString(n)
		found := false
		for i, o := range options {
			if o == name {
				*setting, found = i, true
				break
			}
		}
		if !found {
			L.ArgError(n, "invalid option '"+name+"'")
		}
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
}

var onOff = []string{"off", "on"}

func boolOption(L *lua.LState, n int, setting *bool) {
	i := 0
	if *setting {
		i = 1
	}
	enumOption(L, n, &i, onOff)
	*setting = i == 1
}

// encodeSparseArray is cjson.encode_sparse_array([convert[, ratio[, safe]]]).
func (m *module) encodeSparseArray(L *lua.LState) int {
	argInit(L, 3)
	boolOption(L, 1, &m.cfg.sparseConvert)
	integerOption(L, 2, &m.cfg.sparseRatio, 0, maxSetting)
	integerOption(L, 3, &m.cfg.sparseSafe, 0, maxSetting)
	return 3
}

func (m *module) encodeMaxDepth(L *lua.LState) int {
	argInit(L, 1)
	integerOption(L, 1, &m.cfg.encodeMaxDepth, 1, maxSetting)
	return 1
}

func (m *module) decodeMaxDepth(L *lua.LState) int {
	argInit(L, 1)
	integerOption(L, 1, &m.cfg.decodeMaxDepth, 1, maxSetting)
	return 1
}

func (m *module) encodeNumberPrecision(L *lua.LState) int {
	argInit(L, 1)
	integerOption(L, 1, &m.cfg.precision, 1, maxPrecision)
	return 1
}

func (m *module) encodeKeepBuffer(L *lua.LState) int {
	argInit(L, 1)
	boolOption(L, 1, &m.cfg.keepBuffer)
	if !m.cfg.keepBuffer {
		m.cfg.encodeBuf = nil
	}
	return 1
}

func (m *module) encodeInvalidNumbers(L *lua.LState) int {
	argInit(L, 1)
	enumOption(L, 1, &m.cfg.encodeInvalid, []string{"off", "on", "null"})
	return 1
}

func (m *module) decodeInvalidNumbers(L *lua.LState) int {
	argInit(L, 1)
	boolOption(L, 1, &m.cfg.decodeInvalid)
	return 1
}
