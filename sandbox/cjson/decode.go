package cjson

import (
	"math"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// tokenType is a JSON token's kind, as lua-cjson's tokenizer names them.
type tokenType uint8

const (
	tObjBegin tokenType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tError
)

// tokenNames are the names lua-cjson's error messages give the token found
// ("Expected value but found T_END at character 1").
var tokenNames = [...]string{
	tObjBegin: "T_OBJ_BEGIN",
	tObjEnd:   "T_OBJ_END",
	tArrBegin: "T_ARR_BEGIN",
	tArrEnd:   "T_ARR_END",
	tString:   "T_STRING",
	tNumber:   "T_NUMBER",
	tBoolean:  "T_BOOLEAN",
	tNull:     "T_NULL",
	tColon:    "T_COLON",
	tComma:    "T_COMMA",
	tEnd:      "T_END",
	tError:    "T_ERROR",
}

type token struct {
	typ tokenType
	// index is the 0-based offset of the token, or for an error of the
	// place the error is reported at.
	index int
	// str is a string's value, or what is wrong with an error token.
	str string
	num float64
	b   bool
}

// Charges are gathered and passed to the budget in batches of about these
// sizes: they bound how far a decode runs past its budget before it stops.
const (
	stepBatch    = 256
	byteBatch    = 4096
	bytesPerStep = 64 // input bytes per step
)

// Estimated cost of what decode creates, in bytes.
const (
	valueCost = 16 // an LValue interface holding a number, string or bool
	tableCost = 64 // an LTable
	entryCost = 32 // an entry in a table's array or hash part
)

// decodeScratch is reused from one decode to the next.
type decodeScratch struct {
	str   []byte       // a string with escapes, as it is unescaped
	stack []lua.LValue // values of the arrays and objects being read
	keys  []string     // keys of the objects being read
}

type decoder struct {
	L        *lua.LState
	cfg      *config
	budget   budget.Budget
	null     lua.LValue
	data     string
	pos      int
	depth    int
	maxDepth int
	scratch  *decodeScratch

	steps      int // charged to no budget yet
	bytes      int
	steppedPos int // input up to here has been counted in steps
	refused    error
}

// decode is cjson.decode(text).
func decode(L *lua.LState, cfg *config, b budget.Budget, null lua.LValue, text string) (lua.LValue, error) {
	// lua-cjson reads a C string: a NUL in either of the first two bytes
	// means a wider encoding.
	if len(text) >= 2 && (text[0] == 0 || text[1] == 0) {
		return nil, jsonError("JSON parser does not support UTF-16 or UTF-32")
	}
	d := decoder{
		L:        L,
		cfg:      cfg,
		budget:   b,
		null:     null,
		data:     text,
		maxDepth: min(cfg.decodeMaxDepth, hardDepth),
		scratch:  &cfg.scratch,
	}
	defer d.release()
	v, err := d.document()
	// What was read is charged even when it was not JSON, so that a loop of
	// failing decodes pays for its work; the budget's refusal comes first.
	if ferr := d.flush(); ferr != nil {
		return nil, ferr
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// document reads one value and the end of the text.
func (d *decoder) document() (lua.LValue, error) {
	v, err := d.value(d.next())
	if err != nil {
		return nil, err
	}
	if tok := d.next(); tok.typ != tEnd {
		return nil, d.tokenError("the end", tok)
	}
	return v, nil
}

// Scratch space beyond these sizes is not kept for the next decode: one
// huge document should not pin its buffers for the sandbox's lifetime.
const (
	keptStackMax = 4096
	keptStrMax   = 64 << 10
)

// release drops the scratch stack's references to decoded values, which
// would otherwise live until the next decode overwrote them, and the
// scratch space that grew too big to keep.
func (d *decoder) release() {
	st := d.scratch.stack
	if cap(st) > keptStackMax {
		d.scratch.stack = nil
	} else {
		clear(st[:cap(st)])
		d.scratch.stack = st[:0]
	}
	keys := d.scratch.keys
	if cap(keys) > keptStackMax {
		d.scratch.keys = nil
	} else {
		clear(keys[:cap(keys)])
		d.scratch.keys = keys[:0]
	}
	if cap(d.scratch.str) > keptStrMax {
		d.scratch.str = nil
	}
}

// charge records work and memory and passes them to the budget once they
// make a batch.
func (d *decoder) charge(steps, bytes int) error {
	d.steps += steps
	d.bytes += bytes
	if d.steps >= stepBatch || d.bytes >= byteBatch || d.pos-d.steppedPos >= stepBatch*bytesPerStep {
		return d.flush()
	}
	return nil
}

func (d *decoder) flush() error {
	read := (d.pos - d.steppedPos) / bytesPerStep
	d.steppedPos += read * bytesPerStep
	steps, bytes := d.steps+read, d.bytes
	d.steps, d.bytes = 0, 0
	if steps > 0 {
		if err := d.budget.Steps(steps); err != nil {
			return &limitError{err}
		}
	}
	if bytes > 0 {
		if err := d.budget.Alloc(bytes); err != nil {
			return &limitError{err}
		}
	}
	return nil
}

// parseError is lua-cjson's syntax error: what was expected, what was found
// and where, counting characters from 1.
func parseError(expected string, tok token) error {
	found := tokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.str
	}
	return jsonErrorf("Expected %s but found %s at character %d", expected, found, tok.index+1)
}

func errorToken(index int, what string) token {
	return token{typ: tError, index: index, str: what}
}

// next reads the next token. The end of the text and a NUL byte both end the
// input, as in lua-cjson, which reads the text as a C string.
func (d *decoder) next() token {
	data := d.data
	i := d.pos
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	d.pos = i
	if i >= len(data) || data[i] == 0 {
		return token{typ: tEnd, index: i}
	}
	c := data[i]
	switch c {
	case '{':
		d.pos++
		return token{typ: tObjBegin, index: i}
	case '}':
		d.pos++
		return token{typ: tObjEnd, index: i}
	case '[':
		d.pos++
		return token{typ: tArrBegin, index: i}
	case ']':
		d.pos++
		return token{typ: tArrEnd, index: i}
	case ',':
		d.pos++
		return token{typ: tComma, index: i}
	case ':':
		d.pos++
		return token{typ: tColon, index: i}
	case '"':
		return d.stringToken()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if !d.cfg.decodeInvalid && invalidJSONNumber(data[i:]) {
			return errorToken(i, "invalid number")
		}
		return d.numberToken()
	}
	rest := data[i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		d.pos += 4
		return token{typ: tBoolean, index: i, b: true}
	case len(rest) >= 5 && rest[:5] == "false":
		d.pos += 5
		return token{typ: tBoolean, index: i}
	case len(rest) >= 4 && rest[:4] == "null":
		d.pos += 4
		return token{typ: tNull, index: i}
	case d.cfg.decodeInvalid && invalidJSONNumber(rest):
		return d.numberToken()
	}
	return errorToken(i, "invalid token")
}

func (d *decoder) numberToken() token {
	i := d.pos
	v, n := parseNumber(d.data[i:])
	if n == 0 {
		return errorToken(i, "invalid number")
	}
	d.pos += n
	return token{typ: tNumber, index: i, num: v}
}

// stringToken reads a string. One without escapes is a substring of the
// text, with no copy.
func (d *decoder) stringToken() token {
	data := d.data
	start := d.pos
	j := start + 1
	for j < len(data) {
		c := data[j]
		if c == '"' {
			d.pos = j + 1
			return token{typ: tString, index: start, str: data[start+1 : j]}
		}
		if c == '\\' || c == 0 {
			break
		}
		j++
	}
	buf := append(d.scratch.str[:0], data[start+1:j]...)
	for {
		if j >= len(data) || data[j] == 0 {
			// d.pos moves on so that what was read is charged.
			d.scratch.str, d.pos = buf, j
			return errorToken(j, "unexpected end of string")
		}
		c := data[j]
		if c == '"' {
			break
		}
		if c != '\\' {
			buf = append(buf, c)
			j++
			continue
		}
		var e byte
		if j+1 < len(data) {
			e = data[j+1]
		}
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			var n int
			if buf, n = appendUnicodeEscape(buf, data[j:]); n == 0 {
				d.scratch.str, d.pos = buf, j
				return errorToken(j, "invalid unicode escape code")
			}
			j += n
			continue
		default:
			d.scratch.str, d.pos = buf, j
			return errorToken(j, "invalid escape code")
		}
		j += 2
	}
	d.scratch.str = buf
	d.pos = j + 1
	// The copy out of the scratch buffer is the one allocation of the
	// string: charge it first.
	if err := d.charge(0, len(buf)); err != nil {
		d.refused = err
		return errorToken(start, "refused string")
	}
	return token{typ: tString, index: start, str: string(buf)}
}

// appendUnicodeEscape decodes the \uXXXX escape, or the \uXXXX\uXXXX UTF-16
// surrogate pair, that s starts with, appends it in UTF-8 and returns the
// escape's length: 0 when it is malformed or a lone or inverted surrogate.
func appendUnicodeEscape(buf []byte, s string) ([]byte, int) {
	cp := hex4(s, 2)
	if cp < 0 {
		return buf, 0
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return buf, 0
		}
		if len(s) < 8 || s[6] != '\\' || s[7] != 'u' {
			return buf, 0
		}
		low := hex4(s, 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return buf, 0
		}
		cp = (cp&0x3FF)<<10 | low&0x3FF + 0x10000
		n = 12
	}
	return utf8.AppendRune(buf, rune(cp)), n
}

// hex4 reads the four hex digits at s[i:], or returns -1.
func hex4(s string, i int) int {
	if len(s) < i+4 {
		return -1
	}
	v := 0
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case isDigit(c):
			v = v<<4 | int(c-'0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			v = v<<4 | int(c|0x20-'a'+10)
		default:
			return -1
		}
	}
	return v
}

// smallInts are the numbers 0 to 1023 already held in LValues, so that
// decoding a status code or a small count allocates nothing.
var smallInts = func() (v [1024]lua.LValue) {
	for i := range v {
		v[i] = lua.LNumber(i)
	}
	return v
}()

// value reads the value that starts with tok.
func (d *decoder) value(tok token) (lua.LValue, error) {
	var v lua.LValue
	cost := valueCost
	switch tok.typ {
	case tString:
		v = lua.LString(tok.str)
	case tNumber:
		if f := tok.num; f >= 0 && f < float64(len(smallInts)) && f == math.Trunc(f) && !math.Signbit(f) {
			v = smallInts[int(f)]
		} else {
			v = lua.LNumber(f)
		}
	case tBoolean:
		v, cost = lua.LBool(tok.b), 0
	case tNull:
		v, cost = d.null, 0
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	default:
		return nil, d.tokenError("value", tok)
	}
	if err := d.charge(1, cost); err != nil {
		return nil, err
	}
	return v, nil
}

// tokenError is the error for an unexpected token, or the budget's refusal
// when that is what stopped the token.
func (d *decoder) tokenError(expected string, tok token) error {
	if d.refused != nil {
		return d.refused
	}
	return parseError(expected, tok)
}

// descend enters an array or an object, refusing to go deeper than the
// maximum depth with lua-cjson's error.
func (d *decoder) descend() error {
	d.depth++
	if d.depth > d.maxDepth {
		return jsonErrorf("Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
	return d.charge(1, tableCost)
}

// array reads an array after its '['. Its values are gathered on the scratch
// stack first so that the table is made once at its final size.
func (d *decoder) array() (lua.LValue, error) {
	if err := d.descend(); err != nil {
		return nil, err
	}
	base := len(d.scratch.stack)
	tok := d.next()
	if tok.typ != tArrEnd {
		for {
			v, err := d.value(tok)
			if err != nil {
				return nil, err
			}
			d.scratch.stack = append(d.scratch.stack, v)
			if err := d.charge(0, entryCost); err != nil {
				return nil, err
			}
			tok = d.next()
			if tok.typ == tArrEnd {
				break
			}
			if tok.typ != tComma {
				return nil, d.tokenError("comma or array end", tok)
			}
			tok = d.next()
		}
	}
	values := d.scratch.stack[base:]
	t := d.L.CreateTable(len(values), 0)
	for i, v := range values {
		t.RawSetInt(i+1, v)
	}
	clear(values)
	d.scratch.stack = d.scratch.stack[:base]
	d.depth--
	return t, nil
}

// object reads an object after its '{'. Keys and values wait on the scratch
// stacks until the table is made at its final size. A repeated key keeps its
// last value, as in lua-cjson.
func (d *decoder) object() (lua.LValue, error) {
	if err := d.descend(); err != nil {
		return nil, err
	}
	base, keyBase := len(d.scratch.stack), len(d.scratch.keys)
	tok := d.next()
	if tok.typ != tObjEnd {
		for {
			if tok.typ != tString {
				return nil, d.tokenError("object key string", tok)
			}
			key := tok.str
			if tok = d.next(); tok.typ != tColon {
				return nil, d.tokenError("colon", tok)
			}
			v, err := d.value(d.next())
			if err != nil {
				return nil, err
			}
			d.scratch.stack = append(d.scratch.stack, v)
			d.scratch.keys = append(d.scratch.keys, key)
			if err := d.charge(0, entryCost); err != nil {
				return nil, err
			}
			tok = d.next()
			if tok.typ == tObjEnd {
				break
			}
			if tok.typ != tComma {
				return nil, d.tokenError("comma or object end", tok)
			}
			tok = d.next()
		}
	}
	values, keys := d.scratch.stack[base:], d.scratch.keys[keyBase:]
	t := d.L.CreateTable(0, len(values))
	for i, v := range values {
		t.RawSetString(keys[i], v)
	}
	clear(values)
	clear(keys)
	d.scratch.stack, d.scratch.keys = d.scratch.stack[:base], d.scratch.keys[:keyBase]
	d.depth--
	return t, nil
}
