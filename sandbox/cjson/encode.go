package cjson

import (
	"math"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// keptBufferMax is the largest encode buffer kept for the next call when
// encode_keep_buffer is on: one huge encode should not pin its buffer for the
// sandbox's lifetime.
const keptBufferMax = 64 << 10

// maxArrayKey is the largest key of a table encoded as an array; lua-cjson
// keeps array lengths in a C int.
const maxArrayKey = 1<<31 - 1

// escapes are lua-cjson's escapes of string bytes: control characters, the
// quote, the backslash, the slash and DEL. Other bytes, invalid UTF-8
// included, are written as they are.
var escapes = func() (e [256]string) {
	const hex = "0123456789abcdef"
	for c := 0; c < 0x20; c++ {
		e[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	e['\b'], e['\t'], e['\n'], e['\f'], e['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	e['"'], e['\\'], e['/'], e[0x7f] = `\"`, `\\`, `\/`, `\u007f`
	return e
}()

var errNumber = jsonError("Cannot serialise number: must not be NaN or Inf")

type encoder struct {
	cfg      *config
	budget   budget.Budget
	null     lua.LValue
	maxDepth int
	buf      []byte
	charged  int // bytes of output charged to the budget
	steps    int // steps not charged yet
}

// encode is cjson.encode(v).
func encode(cfg *config, b budget.Budget, null lua.LValue, v lua.LValue) (string, error) {
	e := encoder{
		cfg:      cfg,
		budget:   b,
		null:     null,
		maxDepth: min(cfg.encodeMaxDepth, hardDepth),
	}
	if cfg.keepBuffer {
		e.buf = cfg.encodeBuf[:0]
	}
	err := e.value(v, 0)
	// The work done is charged even when it ends in an error; the
	// budget's refusal comes first.
	if ferr := e.flush(); ferr != nil {
		err = ferr
	}
	if err == nil {
		err = e.grow(0, 0)
	}
	var out string
	if err == nil {
		out = string(e.buf)
	}
	if cfg.keepBuffer && cap(e.buf) <= keptBufferMax {
		cfg.encodeBuf = e.buf[:0]
	}
	return out, err
}

// grow charges the budget for n more bytes of output before they are
// written, letting up to slack bytes go uncharged until the next call so that
// a small encode calls the budget once.
func (e *encoder) grow(n, slack int) error {
	need := len(e.buf) + n - e.charged
	if need <= slack {
		return nil
	}
	if err := e.budget.Alloc(need); err != nil {
		return &limitError{err}
	}
	e.charged += need
	return nil
}

// step counts n units of work, passing them to the budget in batches.
func (e *encoder) step(n int) error {
	e.steps += n
	if e.steps < stepBatch {
		return nil
	}
	return e.flush()
}

func (e *encoder) flush() error {
	n := e.steps
	e.steps = 0
	if n == 0 {
		return nil
	}
	if err := e.budget.Steps(n); err != nil {
		return &limitError{err}
	}
	return nil
}

func (e *encoder) write(s string) error {
	if err := e.grow(len(s), byteBatch); err != nil {
		return err
	}
	e.buf = append(e.buf, s...)
	return nil
}

func (e *encoder) value(v lua.LValue, depth int) error {
	if err := e.step(1); err != nil {
		return err
	}
	switch v := v.(type) {
	case lua.LString:
		return e.string(string(v))
	case lua.LNumber:
		return e.number(float64(v))
	case lua.LBool:
		if v {
			return e.write("true")
		}
		return e.write("false")
	case *lua.LNilType:
		return e.write("null")
	case *lua.LTable:
		depth++
		if depth > e.maxDepth {
			return jsonErrorf("Cannot serialise, excessive nesting (%d)", depth)
		}
		n, err := e.arrayLength(v)
		if err != nil {
			return err
		}
		if n > 0 {
			return e.array(v, n, depth)
		}
		return e.object(v, depth)
	}
	if v == e.null {
		return e.write("null")
	}
	return jsonErrorf("Cannot serialise %s: type not supported", v.Type())
}

func (e *encoder) string(s string) error {
	if err := e.step(len(s) / bytesPerStep); err != nil {
		return err
	}
	if err := e.grow(len(s)+2, byteBatch); err != nil {
		return err
	}
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		esc := escapes[s[i]]
		if esc == "" {
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		if err := e.grow(len(esc)+len(s)-i, byteBatch); err != nil {
			return err
		}
		e.buf = append(e.buf, esc...)
		start = i + 1
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
	return nil
}

func (e *encoder) number(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		switch e.cfg.encodeInvalid {
		case invalidOn:
			// lua-cjson 2.1.0 writes what C's printf writes, which its
			// decode (and this one) reads back.
			switch {
			case math.IsNaN(f):
				return e.write("nan")
			case f > 0:
				return e.write("inf")
			}
			return e.write("-inf")
		case invalidNull:
			return e.write("null")
		}
		return errNumber
	}
	// No number takes more than 32 bytes in either form.
	if err := e.grow(32, byteBatch); err != nil {
		return err
	}
	e.buf = appendNumber(e.buf, f, e.cfg.precision)
	return nil
}

// arrayLength returns the length of t as a JSON array, or 0 when t is to be
// an object: lua-cjson's rule is that every key must be an integer from 1 up,
// and that an array whose largest key is more than encode_sparse_array's
// ratio times its number of keys, and more than its safe limit, is
// "excessively sparse": an error, or an object when conversion is on.
func (e *encoder) arrayLength(t *lua.LTable) (int, error) {
	maxKey, items := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || n < 1 || n > maxArrayKey || n != lua.LNumber(math.Trunc(float64(n))) {
			return 0, nil
		}
		maxKey = max(maxKey, int(n))
		items++
		if err := e.step(1); err != nil {
			return 0, err
		}
	}
	ratio := e.cfg.sparseRatio
	if ratio > 0 && maxKey > items*ratio && maxKey > e.cfg.sparseSafe {
		if !e.cfg.sparseConvert {
			return 0, jsonError("Cannot serialise table: excessively sparse array")
		}
		return 0, nil
	}
	return maxKey, nil
}

func (e *encoder) array(t *lua.LTable, n, depth int) error {
	if err := e.write("["); err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if i > 1 {
			if err := e.write(","); err != nil {
				return err
			}
		}
		if err := e.value(t.RawGet(lua.LNumber(i)), depth); err != nil {
			return err
		}
	}
	return e.write("]")
}

func (e *encoder) object(t *lua.LTable, depth int) error {
	if err := e.write("{"); err != nil {
		return err
	}
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			if err := e.write(","); err != nil {
				return err
			}
		}
		first = false
		switch k := k.(type) {
		case lua.LString:
			if err := e.string(string(k)); err != nil {
				return err
			}
		case lua.LNumber:
			if err := e.write(`"`); err != nil {
				return err
			}
			if err := e.number(float64(k)); err != nil {
				return err
			}
			if err := e.write(`"`); err != nil {
				return err
			}
		default:
			return jsonErrorf("Cannot serialise %s: table key must be a number or string", k.Type())
		}
		if err := e.write(":"); err != nil {
			return err
		}
		if err := e.value(v, depth); err != nil {
			return err
		}
	}
	return e.write("}")
}
