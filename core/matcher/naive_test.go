package matcher

import (
	"cmp"
	"math"
	"math/big"
	"regexp"
	"sync"

	"sandpiper/core/message"
)

// naiveMatch is the reference evaluator: it walks the AST that parse
// returns, reads every value into an interface{}, finds fields with its own
// loop and compiles every regex again at every test. It shares nothing with
// the compiled nodes but the parser, so it is both the oracle of the
// differential tests and the baseline of the benchmarks.
func naiveMatch(e *expr, m *message.Message) bool {
	switch e.kind {
	case exprOr:
		return naiveMatch(e.left, m) || naiveMatch(e.right, m)
	case exprAnd:
		return naiveMatch(e.left, m) && naiveMatch(e.right, m)
	case exprTrue:
		return true
	case exprFalse:
		return false
	}
	return naiveTest(e.test, m)
}

// naiveRegex marks a boxed regex pattern.
type naiveRegex string

// naiveRegexps caches compiled patterns, as Heka compiled each regex once:
// the naive evaluator is a baseline of a tree walk, not of regexp.Compile.
var naiveRegexps sync.Map

func naiveRegexp(pattern string) *regexp.Regexp {
	if re, ok := naiveRegexps.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	naiveRegexps.Store(pattern, re)
	return re
}

func naiveTest(t test, m *message.Message) bool {
	if t.lit.kind == litNil {
		var present bool
		if t.v.kind == varFields {
			_, present = naiveValue(t.v, m)
		} else {
			h, _ := t.v.kind.header()
			present = m.Has(h)
		}
		return present == (t.op == opNE)
	}
	val, ok := naiveValue(t.v, m)
	if !ok {
		return false
	}
	var lit any
	switch t.lit.kind {
	case litString:
		lit = t.lit.str
	case litInt:
		lit = t.lit.i
	case litFloat:
		lit = t.lit.f
	case litBool:
		lit = t.lit.b
	case litRegex:
		lit = naiveRegex(t.lit.str)
	}
	if b, ok := val.([]byte); ok {
		val = string(b)
	}
	switch x := val.(type) {
	case string:
		switch l := lit.(type) {
		case string:
			return naiveCompare(x, l, t.op)
		case naiveRegex:
			return naiveRegexp(string(l)).MatchString(x) == (t.op == opRE)
		}
	case int64:
		switch l := lit.(type) {
		case int64:
			return naiveCompare(x, l, t.op)
		case float64:
			return naiveMixed(new(big.Float).SetInt64(x), l, t.op, false)
		}
	case float64:
		switch l := lit.(type) {
		case int64:
			return naiveMixed(new(big.Float).SetInt64(l), x, t.op, true)
		case float64:
			return naiveCompare(x, l, t.op)
		}
	case bool:
		if l, ok := lit.(bool); ok {
			return (x == l) == (t.op == opEQ)
		}
	}
	return false
}

// naiveMixed compares an integer with a float exactly, in math/big, the
// integer on the left unless swapped; NaN is unequal to everything.
func naiveMixed(i *big.Float, f float64, o op, swapped bool) bool {
	if math.IsNaN(f) {
		return o == opNE
	}
	c := i.Cmp(big.NewFloat(f))
	if swapped {
		c = -c
	}
	return naiveCompare(c, 0, o)
}

// naiveValue returns the value v names in m, and false when m has none.
func naiveValue(v variable, m *message.Message) (any, bool) {
	switch v.kind {
	case varUuid:
		return m.Uuid.String(), true
	case varType:
		return m.Type, true
	case varLogger:
		return m.Logger, true
	case varPayload:
		return m.Payload, true
	case varEnvVersion:
		return m.EnvVersion, true
	case varHostname:
		return m.Hostname, true
	case varTimestamp:
		return m.Timestamp, true
	case varSeverity:
		return int64(m.Severity), true
	case varPid:
		return int64(m.Pid), true
	}
	n := 0
	for _, f := range m.Fields {
		if f.Name != v.name {
			continue
		}
		if n < v.fi {
			n++
			continue
		}
		var vals []any
		switch f.Type {
		case message.String:
			for _, x := range f.Strings {
				vals = append(vals, x)
			}
		case message.Bytes:
			for _, x := range f.Bytes {
				vals = append(vals, x)
			}
		case message.Integer:
			for _, x := range f.Integers {
				vals = append(vals, x)
			}
		case message.Double:
			for _, x := range f.Doubles {
				vals = append(vals, x)
			}
		case message.Bool:
			for _, x := range f.Bools {
				vals = append(vals, x)
			}
		}
		if v.ai < len(vals) {
			return vals[v.ai], true
		}
		return nil, false
	}
	return nil, false
}

func naiveCompare[T cmp.Ordered](a, b T, o op) bool {
	switch o {
	case opEQ:
		return a == b
	case opNE:
		return a != b
	case opLT:
		return a < b
	case opLE:
		return a <= b
	case opGT:
		return a > b
	case opGE:
		return a >= b
	}
	panic("naiveCompare: operator " + o.String())
}
