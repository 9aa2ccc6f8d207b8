package matcher

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"sync"

	"sandpiper/core/message"
)

// node is one compiled test or connective. Values are read from the message
// in their own types and compared with literals stored in the same types, so
// evaluation converts and allocates nothing.
type node interface {
	eval(m *message.Message) bool
}

type constNode bool

func (c constNode) eval(*message.Message) bool { return bool(c) }

type andNode []node

func (n andNode) eval(m *message.Message) bool {
	for _, k := range n {
		if !k.eval(m) {
			return false
		}
	}
	return true
}

type orNode []node

func (n orNode) eval(m *message.Message) bool {
	for _, k := range n {
		if k.eval(m) {
			return true
		}
	}
	return false
}

type strKind uint8

const (
	strEQ strKind = iota
	strLT
	strLE
	strGT
	strGE
	strIn
	strPrefix
	strSuffix
	strContains
	strRegex
)

// strMatch is a test of a string: a comparison with lit, a test against the
// set of fixed strings lits that a regex stands for, or a regex; neg
// inverts the result (!= and !~).
type strMatch struct {
	kind  strKind
	neg   bool
	lit   string
	litb  []byte // lit, for BYTES fields and the Uuid
	lits  []string
	litbs [][]byte // lits, for BYTES fields and the Uuid
	re    *regexp.Regexp
}

func (t *strMatch) str(s string) bool {
	var r bool
	switch t.kind {
	case strEQ:
		r = s == t.lit
	case strLT:
		r = s < t.lit
	case strLE:
		r = s <= t.lit
	case strGT:
		r = s > t.lit
	case strGE:
		r = s >= t.lit
	case strIn:
		for _, l := range t.lits {
			if r = s == l; r {
				break
			}
		}
	case strPrefix:
		for _, l := range t.lits {
			if r = strings.HasPrefix(s, l); r {
				break
			}
		}
	case strSuffix:
		for _, l := range t.lits {
			if r = strings.HasSuffix(s, l); r {
				break
			}
		}
	case strContains:
		for _, l := range t.lits {
			if r = strings.Contains(s, l); r {
				break
			}
		}
	case strRegex:
		r = t.re.MatchString(s)
	}
	return r != t.neg
}

func (t *strMatch) bytes(b []byte) bool {
	if t.kind == strRegex {
		return t.re.Match(b) != t.neg
	}
	return t.fixed(b)
}

// fixed is bytes for every kind but strRegex. It is kept apart because
// regexp keeps hold of its input, which would move a caller's array to the
// heap.
func (t *strMatch) fixed(b []byte) bool {
	var r bool
	switch t.kind {
	case strEQ:
		r = bytes.Equal(b, t.litb)
	case strLT:
		r = bytes.Compare(b, t.litb) < 0
	case strLE:
		r = bytes.Compare(b, t.litb) <= 0
	case strGT:
		r = bytes.Compare(b, t.litb) > 0
	case strGE:
		r = bytes.Compare(b, t.litb) >= 0
	case strIn:
		for _, l := range t.litbs {
			if r = bytes.Equal(b, l); r {
				break
			}
		}
	case strPrefix:
		for _, l := range t.litbs {
			if r = bytes.HasPrefix(b, l); r {
				break
			}
		}
	case strSuffix:
		for _, l := range t.litbs {
			if r = bytes.HasSuffix(b, l); r {
				break
			}
		}
	case strContains:
		for _, l := range t.litbs {
			if r = bytes.Contains(b, l); r {
				break
			}
		}
	}
	return r != t.neg
}

// numMatch compares a number with a literal, exactly: an integer value with
// an integer literal as int64, and an integer with a decimal literal (or a
// double with an integer literal) by their exact values, never through a
// float64 conversion that would make 2^53+1 equal 2^53.
type numMatch struct {
	op    op
	isInt bool
	i     int64
	f     float64 // the literal, or float64(i)
}

func (t *numMatch) int(v int64) bool {
	if !t.isInt {
		return t.op.holds(compareIntFloat(v, t.f))
	}
	switch t.op {
	case opEQ:
		return v == t.i
	case opNE:
		return v != t.i
	case opLT:
		return v < t.i
	case opLE:
		return v <= t.i
	case opGT:
		return v > t.i
	case opGE:
		return v >= t.i
	}
	return false
}

func (t *numMatch) float(v float64) bool {
	if t.isInt {
		return t.op.holds(-compareIntFloat(t.i, v))
	}
	switch t.op {
	case opEQ:
		return v == t.f
	case opNE:
		return v != t.f
	case opLT:
		return v < t.f
	case opLE:
		return v <= t.f
	case opGT:
		return v > t.f
	case opGE:
		return v >= t.f
	}
	return false
}

// unordered is what compareIntFloat returns for NaN. Negating it leaves it
// out of range too, so holds treats it alike from either side.
const unordered = 2

// compareIntFloat compares i with f exactly: -1 when i < f, 0 when equal, 1
// when i > f, and unordered (or -unordered) when f is NaN.
func compareIntFloat(i int64, f float64) int {
	switch {
	case f != f:
		return unordered
	case f >= 1<<63:
		return -1
	case f < -(1 << 63):
		return 1
	}
	t := math.Trunc(f) // in int64's range now, so the conversion is exact
	switch ti := int64(t); {
	case i < ti:
		return -1
	case i > ti:
		return 1
	case f > t:
		return -1
	case f < t:
		return 1
	}
	return 0
}

// holds reports whether o is true of a comparison's result c (-1, 0, 1);
// of an unordered one, only != is.
func (o op) holds(c int) bool {
	if c < -1 || c > 1 {
		return o == opNE
	}
	switch o {
	case opEQ:
		return c == 0
	case opNE:
		return c != 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	case opGE:
		return c >= 0
	}
	return false
}

// strHeaderNode tests Type, Logger, Payload, EnvVersion or Hostname. An
// absent header reads as "", as in Heka.
type strHeaderNode struct {
	v varKind
	t strMatch
}

func (n *strHeaderNode) eval(m *message.Message) bool {
	var s string
	switch n.v {
	case varType:
		s = m.Type
	case varLogger:
		s = m.Logger
	case varPayload:
		s = m.Payload
	case varEnvVersion:
		s = m.EnvVersion
	case varHostname:
		s = m.Hostname
	}
	return n.t.str(s)
}

// uuidNode tests the canonical lowercase form of the Uuid, formatted on the
// stack, or for a regex in a pooled buffer.
type uuidNode struct{ t strMatch }

var uuidBufs = sync.Pool{New: func() any { return new([36]byte) }}

func (n *uuidNode) eval(m *message.Message) bool {
	if n.t.kind != strRegex {
		var b [36]byte
		m.Uuid.Format(&b)
		return n.t.fixed(b[:])
	}
	b := uuidBufs.Get().(*[36]byte)
	m.Uuid.Format(b)
	r := n.t.re.Match(b[:]) != n.t.neg
	uuidBufs.Put(b)
	return r
}

// numHeaderNode tests Timestamp, Severity or Pid. An absent Severity reads
// as 7 and an absent Pid as 0, as in Heka.
type numHeaderNode struct {
	v varKind
	t numMatch
}

func (n *numHeaderNode) eval(m *message.Message) bool {
	var v int64
	switch n.v {
	case varTimestamp:
		v = m.Timestamp
	case varSeverity:
		v = int64(m.Severity)
	case varPid:
		v = int64(m.Pid)
	}
	return n.t.int(v)
}

// presenceNode is an optional header compared with NIL.
type presenceNode struct {
	h       message.Header
	present bool
}

func (n *presenceNode) eval(m *message.Message) bool { return m.Has(n.h) == n.present }

// fieldRef addresses element ai of instance fi of the fields called name.
type fieldRef struct {
	name   string
	fi, ai int
}

// fieldNilNode is Fields[…] compared with NIL: whether the element exists.
type fieldNilNode struct {
	ref     fieldRef
	present bool
}

func (n *fieldNilNode) eval(m *message.Message) bool {
	f := m.Field(n.ref.name, n.ref.fi)
	exists := f != nil && n.ref.ai < f.Len()
	return exists == n.present
}

// fieldStrNode tests a STRING or BYTES element with a string or regex; it is
// false for a missing element and for every other type, with != and !~ too.
type fieldStrNode struct {
	ref fieldRef
	t   strMatch
}

func (n *fieldStrNode) eval(m *message.Message) bool {
	f := m.Field(n.ref.name, n.ref.fi)
	if f == nil {
		return false
	}
	switch ai := n.ref.ai; f.Type {
	case message.String:
		if ai < len(f.Strings) {
			return n.t.str(f.Strings[ai])
		}
	case message.Bytes:
		if ai < len(f.Bytes) {
			return n.t.bytes(f.Bytes[ai])
		}
	}
	return false
}

// fieldNumNode tests an INTEGER or DOUBLE element with a number; it is false
// for a missing element and for every other type, with != too.
type fieldNumNode struct {
	ref fieldRef
	t   numMatch
}

func (n *fieldNumNode) eval(m *message.Message) bool {
	f := m.Field(n.ref.name, n.ref.fi)
	if f == nil {
		return false
	}
	switch ai := n.ref.ai; f.Type {
	case message.Integer:
		if ai < len(f.Integers) {
			return n.t.int(f.Integers[ai])
		}
	case message.Double:
		if ai < len(f.Doubles) {
			return n.t.float(f.Doubles[ai])
		}
	}
	return false
}

// fieldBoolNode tests a BOOL element with TRUE or FALSE; it is false for a
// missing element and for every other type, with != too.
type fieldBoolNode struct {
	ref  fieldRef
	want bool
	neg  bool
}

func (n *fieldBoolNode) eval(m *message.Message) bool {
	f := m.Field(n.ref.name, n.ref.fi)
	if f == nil || f.Type != message.Bool || n.ref.ai >= len(f.Bools) {
		return false
	}
	return (f.Bools[n.ref.ai] == n.want) != n.neg
}
