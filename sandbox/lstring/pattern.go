// Package lstring is the sandbox's own implementation of Lua 5.1's string
// patterns and of the string functions built on them (string.find, match,
// gmatch, gsub), with bounded versions of string.rep, string.format and
// table.concat.
//
// It replaces gopher-lua's string library for two reasons. Speed: a pattern is
// compiled once into a small program, kept in a per-sandbox Cache, and matched
// without allocating; captures are substrings of the subject, not copies.
// Safety: Go functions called from Lua run outside the VM's instruction count,
// so the matcher charges a budget.Budget as it works, and a catastrophic
// pattern is stopped by the instruction limit like an infinite loop.
//
// The semantics are C Lua 5.1's, down to its quirks: errors in a pattern are
// raised only when the matcher reaches the faulty item, a pattern ends at its
// first NUL byte, and character classes are those of the C locale.
package lstring

import (
	"errors"
	"strings"
)

// MaxCaptures is the number of captures a pattern may hold (C Lua's
// LUA_MAXCAPTURES).
const MaxCaptures = 32

// maxDepth bounds the nesting of backtracking points (C Lua's MAXCCALLS), so
// that the choice stack of a match stays small.
const maxDepth = 200

// The pattern errors, worded as C Lua 5.1 words them.
var (
	errEndsWithPercent = errors.New("malformed pattern (ends with '%')")
	errMissingBracket  = errors.New("malformed pattern (missing ']')")
	errFrontier        = errors.New("missing '[' after '%f' in pattern")
	errUnbalanced      = errors.New("unbalanced pattern")
	errCaptureIndex    = errors.New("invalid capture index")
	errPatternCapture  = errors.New("invalid pattern capture")
	errUnfinished      = errors.New("unfinished capture")
	errTooMany         = errors.New("too many captures")
	errTooComplex      = errors.New("pattern too complex")
)

// Operations of a compiled pattern. A single-character item (a literal, '.',
// a %class or a [set]) comes in one variant per quantifier so that the
// matcher's switch dispatches once per item.
const (
	opEnd      uint8 = iota // the pattern matched
	opEndOnly               // '$' at the end: the subject must end here
	opOpen                  // '(': a capture starts
	opOpenPos               // '()': a position capture
	opClose                 // ')': the innermost open capture ends
	opBackref               // %1-%9
	opBalance               // %bxy
	opFrontier              // %f[set]
	opError                 // a malformed item: matching fails with err when it gets here

	opOne  // exactly one character
	opOpt  // '?'
	opStar // '*'
	opPlus // '+'
	opMin  // '-'
)

// A class tells which bytes a single-character item matches.
type class struct {
	lit byte // the byte of a literal item, when set is nil
	any bool // '.'
	set *[256]bool
}

func (c *class) matches(b byte) bool {
	if c.set != nil {
		return c.set[b]
	}
	return c.any || b == c.lit
}

// inst is one item of a compiled pattern.
type inst struct {
	op  uint8
	cap uint8 // capture index of opOpen, opOpenPos, opClose and opBackref
	b   byte  // opBalance: the opening byte
	e   byte  // opBalance: the closing byte
	cl  class // single-character items and opFrontier
	err error // opError
}

// A Pattern is a compiled Lua 5.1 pattern. It is immutable and may be shared
// by goroutines; matching it needs a Matcher.
type Pattern struct {
	src      string
	anchored bool
	prog     []inst
	ncap     int
	// unfinished marks the captures still open when the program ends: pushing
	// one of them after a match is C Lua's "unfinished capture" error.
	unfinished uint32
	// first is the class every match must start with, when the program
	// begins (after any capture openings) with an item that needs one
	// character: a search skips the positions where it cannot start.
	first *class
	// strictErr is the first error the program can reach, for Compile.
	strictErr error
}

// Compile compiles a Lua 5.1 pattern for find, match and gsub: a leading '^'
// anchors it at the start position. It returns the error C Lua raises for a
// malformed pattern ("malformed pattern (ends with '%')", "invalid capture
// index", "unfinished capture", ...). C Lua raises those only when a match
// reaches the faulty item; Compile reports them at once.
func Compile(pattern string) (*Pattern, error) {
	p := compile(pattern, true)
	if p.strictErr != nil {
		return nil, p.strictErr
	}
	if p.unfinished != 0 {
		return nil, errUnfinished
	}
	return p, nil
}

// String returns the source of the pattern.
func (p *Pattern) String() string { return p.src }

// NumCaptures returns the number of captures in the pattern, position
// captures included.
func (p *Pattern) NumCaptures() int { return p.ncap }

// compile turns a pattern into a program. It never fails: an item C Lua
// would reject becomes an opError that fails the match when it is reached,
// which is when C Lua raises it. allowAnchor is false for gmatch, where Lua
// 5.1 reads a leading '^' as a literal.
func compile(src string, allowAnchor bool) *Pattern {
	p := &Pattern{src: src}
	pat := src
	// C Lua 5.1 handles patterns as C strings: a NUL ends them.
	if i := strings.IndexByte(pat, 0); i >= 0 {
		pat = pat[:i]
	}
	if allowAnchor && len(pat) > 0 && pat[0] == '^' {
		p.anchored = true
		pat = pat[1:]
	}
	// open lists, by capture index, whether a capture is still unfinished at
	// this point of the program; every path through a pattern opens and
	// closes the same captures, so this is known before matching.
	var open [MaxCaptures]bool
	fail := func(err error) *Pattern {
		p.prog = append(p.prog, inst{op: opError, err: err})
		if p.strictErr == nil {
			p.strictErr = err
		}
		return p
	}
	i := 0
	for i < len(pat) {
		c := pat[i]
		switch {
		case c == '(':
			if p.ncap >= MaxCaptures {
				return fail(errTooMany)
			}
			if i+1 < len(pat) && pat[i+1] == ')' {
				p.prog = append(p.prog, inst{op: opOpenPos, cap: uint8(p.ncap)})
				i += 2
			} else {
				p.prog = append(p.prog, inst{op: opOpen, cap: uint8(p.ncap)})
				open[p.ncap] = true
				i++
			}
			p.ncap++
			continue
		case c == ')':
			l := p.ncap - 1
			for l >= 0 && !open[l] {
				l--
			}
			if l < 0 {
				return fail(errPatternCapture)
			}
			open[l] = false
			p.prog = append(p.prog, inst{op: opClose, cap: uint8(l)})
			i++
			continue
		case c == '$' && i+1 == len(pat):
			p.prog = append(p.prog, inst{op: opEndOnly})
			i++
			continue
		case c == '%' && i+1 < len(pat) && pat[i+1] == 'b':
			if i+3 >= len(pat) {
				return fail(errUnbalanced)
			}
			p.prog = append(p.prog, inst{op: opBalance, b: pat[i+2], e: pat[i+3]})
			i += 4
			continue
		case c == '%' && i+1 < len(pat) && pat[i+1] == 'f':
			i += 2
			if i >= len(pat) || pat[i] != '[' {
				return fail(errFrontier)
			}
			end, err := classEnd(pat, i)
			if err != nil {
				return fail(err)
			}
			p.prog = append(p.prog, inst{op: opFrontier, cl: makeClass(pat[i:end])})
			i = end
			continue
		case c == '%' && i+1 < len(pat) && isDigit(pat[i+1]):
			l := int(pat[i+1]) - '1'
			if l < 0 || l >= p.ncap || open[l] {
				return fail(errCaptureIndex)
			}
			p.prog = append(p.prog, inst{op: opBackref, cap: uint8(l)})
			i += 2
			continue
		}
		end, err := classEnd(pat, i)
		if err != nil {
			return fail(err)
		}
		in := inst{op: opOne, cl: makeClass(pat[i:end])}
		if end < len(pat) {
			switch pat[end] {
			case '?':
				in.op = opOpt
				end++
			case '*':
				in.op = opStar
				end++
			case '+':
				in.op = opPlus
				end++
			case '-':
				in.op = opMin
				end++
			}
		}
		p.prog = append(p.prog, in)
		i = end
	}
	p.prog = append(p.prog, inst{op: opEnd})
	p.first = firstClass(p.prog)
	for l := 0; l < p.ncap; l++ {
		if open[l] {
			p.unfinished |= 1 << l
		}
	}
	return p
}

func firstClass(prog []inst) *class {
	for i := range prog {
		switch prog[i].op {
		case opOpen, opOpenPos:
			continue
		case opOne, opPlus:
			return &prog[i].cl
		}
		return nil
	}
	return nil
}

// classEnd returns the end of the single-character item that starts at
// pat[i], with C Lua's errors for an item cut short.
func classEnd(pat string, i int) (int, error) {
	c := pat[i]
	i++
	switch c {
	case '%':
		if i >= len(pat) {
			return 0, errEndsWithPercent
		}
		return i + 1, nil
	case '[':
		if i < len(pat) && pat[i] == '^' {
			i++
		}
		// The first byte of a set is always a member, so "[]]" holds ']'.
		for {
			if i >= len(pat) {
				return 0, errMissingBracket
			}
			c := pat[i]
			i++
			if c == '%' && i < len(pat) {
				i++
			}
			if i < len(pat) && pat[i] == ']' {
				return i + 1, nil
			}
		}
	}
	return i, nil
}

// makeClass builds the class of one single-character item: a literal byte,
// '.', %x or a [set].
func makeClass(item string) class {
	switch item[0] {
	case '.':
		return class{any: true}
	case '%':
		if t := classTable(item[1]); t != nil {
			return class{set: t}
		}
		return class{lit: item[1]}
	case '[':
		set := new([256]bool)
		for c := 0; c < 256; c++ {
			set[c] = inBracket(byte(c), item)
		}
		return class{set: set}
	}
	return class{lit: item[0]}
}

// inBracket reports whether c is in the set item "[...]" (']' included),
// reading ranges, escapes and classes as C Lua does: a '-' is a range only
// between two bytes that are not the end of the set.
func inBracket(c byte, item string) bool {
	end := len(item) - 1
	p := 1
	member := true
	if item[p] == '^' {
		member = false
		p++
	}
	for ; p < end; p++ {
		switch {
		case item[p] == '%':
			p++
			if matchClass(c, item[p]) {
				return member
			}
		case p+2 < end && item[p+1] == '-':
			if item[p] <= c && c <= item[p+2] {
				return member
			}
			p += 2
		case item[p] == c:
			return member
		}
	}
	return !member
}

// matchClass reports whether c matches the class letter cl of %cl; any other
// cl stands for itself.
func matchClass(c, cl byte) bool {
	if t := classTable(cl); t != nil {
		return t[c]
	}
	return c == cl
}

// The C-locale classes. Bytes >= 0x80 belong to none.
var classes = func() (t [26][256]bool) {
	for c := 0; c < 128; c++ {
		b := byte(c)
		lower := 'a' <= b && b <= 'z'
		upper := 'A' <= b && b <= 'Z'
		digit := isDigit(b)
		space := b == ' ' || ('\t' <= b && b <= '\r')
		cntrl := b < 32 || b == 127
		t['a'-'a'][c] = lower || upper
		t['c'-'a'][c] = cntrl
		t['d'-'a'][c] = digit
		t['l'-'a'][c] = lower
		t['p'-'a'][c] = !cntrl && !space && !lower && !upper && !digit
		t['s'-'a'][c] = space
		t['u'-'a'][c] = upper
		t['w'-'a'][c] = lower || upper || digit
		t['x'-'a'][c] = digit || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
	}
	t['z'-'a'][0] = true
	return t
}()

// The complements, for %A, %C, ...
var complements = func() (t [26][256]bool) {
	for i := range classes {
		for c := range classes[i] {
			t[i][c] = !classes[i][c]
		}
	}
	return t
}()

// classTable returns the table of the class letter cl, or nil when cl names
// no class.
func classTable(cl byte) *[256]bool {
	switch cl {
	case 'a', 'c', 'd', 'l', 'p', 's', 'u', 'w', 'x', 'z':
		return &classes[cl-'a']
	case 'A', 'C', 'D', 'L', 'P', 'S', 'U', 'W', 'X', 'Z':
		return &complements[cl-'A']
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
