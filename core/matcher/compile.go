package matcher

import (
	"regexp/syntax"
	"unicode/utf8"
)

// compile turns a checked AST into the tree of nodes that Match walks:
// chains of && and || become flat lists, constants fold away, every literal
// is stored in the form its test uses, and regexes that are plain strings
// become string tests.
func compile(e *expr) node {
	switch e.kind {
	case exprTrue:
		return constNode(true)
	case exprFalse:
		return constNode(false)
	case exprAnd, exprOr:
		isAnd := e.kind == exprAnd
		var kids []node
		for _, k := range flatten(e, e.kind, nil) {
			c := compile(k)
			if b, ok := c.(constNode); ok {
				if bool(b) != isAnd {
					// FALSE decides an &&, TRUE decides an ||.
					return b
				}
				continue
			}
			kids = append(kids, c)
		}
		switch {
		case len(kids) == 0:
			return constNode(isAnd)
		case len(kids) == 1:
			return kids[0]
		case isAnd:
			return andNode(kids)
		}
		return orNode(kids)
	}
	return compileTest(e.test)
}

// flatten appends the operands of the chain of kind k rooted at e, in order.
func flatten(e *expr, k exprKind, out []*expr) []*expr {
	if e.kind != k {
		return append(out, e)
	}
	out = flatten(e.left, k, out)
	return flatten(e.right, k, out)
}

func compileTest(t test) node {
	v := t.v
	if t.lit.kind == litNil {
		present := t.op == opNE
		if v.kind == varFields {
			return &fieldNilNode{ref: fieldRef{v.name, v.fi, v.ai}, present: present}
		}
		h, _ := v.kind.header()
		return &presenceNode{h: h, present: present}
	}
	switch v.kind {
	case varUuid:
		return &uuidNode{t: newStrMatch(t.op, t.lit)}
	case varTimestamp, varSeverity, varPid:
		return &numHeaderNode{v: v.kind, t: newNumMatch(t.op, t.lit)}
	case varFields:
		ref := fieldRef{v.name, v.fi, v.ai}
		switch t.lit.kind {
		case litString, litRegex:
			return &fieldStrNode{ref: ref, t: newStrMatch(t.op, t.lit)}
		case litInt, litFloat:
			return &fieldNumNode{ref: ref, t: newNumMatch(t.op, t.lit)}
		}
		return &fieldBoolNode{ref: ref, want: t.lit.b, neg: t.op == opNE}
	}
	return &strHeaderNode{v: v.kind, t: newStrMatch(t.op, t.lit)}
}

func newStrMatch(o op, lit literal) strMatch {
	var t strMatch
	switch o {
	case opEQ, opNE:
		t.kind, t.neg = strEQ, o == opNE
	case opLT:
		t.kind = strLT
	case opLE:
		t.kind = strLE
	case opGT:
		t.kind = strGT
	case opGE:
		t.kind = strGE
	case opRE, opNRE:
		t.neg = o == opNRE
		if kind, lits, ok := literalRegex(lit.str); ok {
			t.kind, t.lits = kind, lits
			for _, l := range lits {
				t.litbs = append(t.litbs, []byte(l))
			}
		} else {
			t.kind, t.re = strRegex, lit.re
		}
		return t
	}
	t.lit, t.litb = lit.str, []byte(lit.str)
	return t
}

// maxLiterals bounds the set of strings a regex may stand for and still be
// matched by string tests: beyond it, scanning the subject once per string
// stops being cheaper than regexp.
const maxLiterals = 16

// literalRegex reports whether pattern matches exactly the strings that
// contain, start with, end with or equal one of a small set of fixed
// strings, and which: "^GET " is a prefix, "error|fatal" two substrings.
//
// Sets that hold U+FFFD are left to regexp, which also matches that rune
// against each byte of invalid UTF-8; any other string of valid runes
// matches a subject exactly where its UTF-8 bytes occur, because a rune's
// first byte is never a continuation byte.
func literalRegex(pattern string) (strKind, []string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, nil, false
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	begin := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
	if begin {
		subs = subs[1:]
	}
	end := len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText
	if end {
		subs = subs[:len(subs)-1]
	}
	lits, ok := expand(&syntax.Regexp{Op: syntax.OpConcat, Sub: subs})
	if !ok {
		return 0, nil, false
	}
	switch {
	case begin && end:
		return strIn, lits, true
	case begin:
		return strPrefix, lits, true
	case end:
		return strSuffix, lits, true
	}
	return strContains, lits, true
}

// expand returns the strings re matches when they are at most maxLiterals
// and re holds no anchors, case folding or repetition.
func expand(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 || !validRunes(re.Rune) {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if int(hi-lo)+1+len(out) > maxLiterals {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				if !validRunes([]rune{r}) {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, true
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits, ok := expand(sub)
			if !ok || len(out)+len(lits) > maxLiterals {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			lits, ok := expand(sub)
			if !ok || len(out)*len(lits) > maxLiterals {
				return nil, false
			}
			next := make([]string, 0, len(out)*len(lits))
			for _, a := range out {
				for _, b := range lits {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

func validRunes(rs []rune) bool {
	for _, r := range rs {
		if !utf8.ValidRune(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func newNumMatch(o op, lit literal) numMatch {
	if lit.kind == litInt {
		return numMatch{op: o, isInt: true, i: lit.i, f: float64(lit.i)}
	}
	return numMatch{op: o, f: lit.f}
}
