package lstring

import (
	"strings"

	"sandpiper/sandbox/budget"
)

// stepBatch is how many units of work the matcher does between two charges
// to its Budget, so that charging costs little per character.
const stepBatch = 64

// Capture length markers, as in C Lua.
const (
	capUnfinished = -1
	capPosition   = -2
)

type capture struct {
	start int
	len   int // or capUnfinished, capPosition
}

// A choice is a point the matcher may come back to, one per pending
// quantifier: C Lua keeps them on the C stack, the matcher on its own.
type choice struct {
	op  uint8
	pc  int // the item that made the choice
	lo  int // opStar, opPlus: the fewest characters left to try
	pos int // subject position the choice resumes at
}

// A Matcher matches compiled patterns against subjects. It holds the scratch
// state of one match and the results of the last one, so that matching
// allocates nothing. A Matcher is not safe for concurrent use; its zero value
// charges nothing (it runs as if its Budget were budget.Unlimited).
type Matcher struct {
	// Budget is charged for the work of each match; nil means unlimited.
	Budget budget.Budget

	s      string
	p      *Pattern
	start  int
	end    int
	caps   [MaxCaptures]capture
	stack  []choice
	steps  int // work done since the last charge
	charge error
}

// NewMatcher returns a Matcher that charges b for its work.
func NewMatcher(b budget.Budget) *Matcher {
	return &Matcher{Budget: b}
}

// Find searches s for the first match of p that starts at byte offset init
// or later (only at init when p is anchored). It reports whether it found
// one. The error is "pattern too complex" (more than 200 nested choices) or
// the Budget's when it refused to pay for more work.
func (m *Matcher) Find(p *Pattern, s string, init int) (bool, error) {
	if init < 0 || init > len(s) {
		return false, nil
	}
	m.begin(p, s)
	for i := init; i <= len(s); i++ {
		if p.first != nil && !p.anchored {
			j := skipTo(p.first, s, i)
			if p.first.set == nil && !p.first.any {
				m.steps += (j - i) / plainStepBytes
			} else {
				m.steps += j - i
			}
			if i = j; i > len(s) {
				break
			}
		}
		m.steps++
		if !m.tick() {
			return false, m.charge
		}
		if e, err := m.run(i); err != nil {
			return false, err
		} else if e >= 0 {
			m.start, m.end = i, e
			return true, m.flush()
		}
		if p.anchored {
			break
		}
	}
	return false, m.flush()
}

// Match returns the byte offsets of the whole last match: s[start:end].
func (m *Matcher) Match() (start, end int) { return m.start, m.end }

// Capture returns the byte offsets of capture i of the last match, for
// 0 <= i < NumCaptures. A position capture returns its offset as both start
// and end. ok is false when the capture was still unfinished when the
// pattern ended (only the Lua functions match such patterns; C Lua reports
// "unfinished capture" when the capture is used).
func (m *Matcher) Capture(i int) (start, end int, ok bool) {
	c := m.caps[i]
	switch {
	case m.p.unfinished&(1<<i) != 0:
		return 0, 0, false
	case c.len == capPosition:
		return c.start, c.start, true
	}
	return c.start, c.start + c.len, true
}

// IsPosition reports whether capture i is a position capture "()".
func (m *Matcher) IsPosition(i int) bool { return m.caps[i].len == capPosition }

func (m *Matcher) begin(p *Pattern, s string) {
	m.s, m.p = s, p
	m.steps = 0
	m.charge = nil
}

// flush charges the work not yet charged.
func (m *Matcher) flush() error {
	if m.steps > 0 && m.Budget != nil {
		n := m.steps
		m.steps = 0
		return m.Budget.Steps(n)
	}
	m.steps = 0
	return nil
}

// tick charges a batch of work once enough of it has been done. It returns
// false when the Budget refused; the refusal is kept in m.charge.
func (m *Matcher) tick() bool {
	if m.steps < stepBatch {
		return true
	}
	if err := m.flush(); err != nil {
		m.charge = err
		return false
	}
	return true
}

// skipTo returns the first position at or after i whose byte is in cl, or
// len(s)+1 when there is none.
func skipTo(cl *class, s string, i int) int {
	if cl.set == nil && !cl.any {
		if j := strings.IndexByte(s[i:], cl.lit); j >= 0 {
			return i + j
		}
		return len(s) + 1
	}
	if cl.any {
		if i < len(s) {
			return i
		}
		return len(s) + 1
	}
	for ; i < len(s); i++ {
		if cl.set[s[i]] {
			return i
		}
	}
	return len(s) + 1
}

// run matches the program against the subject from position i. It returns
// the end of the match, or -1 when the program does not match there. It
// explores the same alternatives in the same order as C Lua's recursive
// matcher, with an explicit stack of choices in place of recursion.
func (m *Matcher) run(i int) (int, error) {
	s := m.s
	prog := m.p.prog
	stack := m.stack[:0]
	pc := 0
	defer func() { m.stack = stack[:0] }()
	for {
		in := &prog[pc]
		switch in.op {
		case opEnd:
			return i, nil
		case opOne:
			if i < len(s) && in.cl.matches(s[i]) {
				i++
				pc++
				continue
			}
		case opStar, opPlus:
			j := i
			cl := &in.cl
			switch {
			case cl.set != nil:
				for j < len(s) && cl.set[s[j]] {
					j++
				}
			case cl.any:
				j = len(s)
			default:
				for j < len(s) && s[j] == cl.lit {
					j++
				}
			}
			m.steps += j - i
			lo := i
			if in.op == opPlus {
				if j == i {
					break
				}
				lo = i + 1
			}
			if prog[pc+1].op == opEnd {
				return j, nil
			}
			if len(stack) == maxDepth {
				return -1, errTooComplex
			}
			stack = append(stack, choice{op: opStar, pc: pc, lo: lo, pos: j})
			i = j
			pc++
			continue
		case opMin:
			if len(stack) == maxDepth {
				return -1, errTooComplex
			}
			stack = append(stack, choice{op: opMin, pc: pc, pos: i})
			pc++
			continue
		case opOpt:
			if i < len(s) && in.cl.matches(s[i]) {
				if len(stack) == maxDepth {
					return -1, errTooComplex
				}
				stack = append(stack, choice{op: opOpt, pc: pc, pos: i})
				i++
			}
			pc++
			continue
		case opOpen:
			m.caps[in.cap] = capture{start: i, len: capUnfinished}
			pc++
			continue
		case opOpenPos:
			m.caps[in.cap] = capture{start: i, len: capPosition}
			pc++
			continue
		case opClose:
			m.caps[in.cap].len = i - m.caps[in.cap].start
			pc++
			continue
		case opEndOnly:
			if i == len(s) {
				return i, nil
			}
		case opBackref:
			c := m.caps[in.cap]
			// A position capture has no text: C Lua compares it as a huge
			// length, which never fits.
			if c.len != capPosition && len(s)-i >= c.len && s[i:i+c.len] == s[c.start:c.start+c.len] {
				m.steps += c.len
				i += c.len
				pc++
				continue
			}
		case opBalance:
			if e := m.balance(i, in.b, in.e); e >= 0 {
				i = e
				pc++
				continue
			}
		case opFrontier:
			var prev, cur byte
			if i > 0 {
				prev = s[i-1]
			}
			// C Lua reads the terminating NUL at the end of the subject.
			if i < len(s) {
				cur = s[i]
			}
			if !in.cl.set[prev] && in.cl.set[cur] {
				pc++
				continue
			}
		case opError:
			return -1, in.err
		}

		// The item at pc failed at i: go back to the latest choice.
		for {
			m.steps++
			if !m.tick() {
				return -1, m.charge
			}
			if len(stack) == 0 {
				return -1, nil
			}
			ch := &stack[len(stack)-1]
			item := &prog[ch.pc]
			if ch.op == opMin {
				if ch.pos < len(s) && item.cl.matches(s[ch.pos]) {
					ch.pos++
					i, pc = ch.pos, ch.pc+1
					break
				}
				stack = stack[:len(stack)-1]
				continue
			}
			if ch.op == opOpt {
				i, pc = ch.pos, ch.pc+1
				stack = stack[:len(stack)-1]
				break
			}
			// opStar and opPlus give back one character at a time. When the
			// next item is a plain literal, positions where it cannot match
			// are skipped: C Lua would try them and fail at once.
			if ch.pos == ch.lo {
				stack = stack[:len(stack)-1]
				continue
			}
			ch.pos--
			if next := &prog[ch.pc+1]; next.op == opOne && next.cl.set == nil && !next.cl.any {
				k := strings.LastIndexByte(s[ch.lo:ch.pos+1], next.cl.lit)
				if k < 0 {
					m.steps += ch.pos - ch.lo
					stack = stack[:len(stack)-1]
					continue
				}
				m.steps += ch.pos - (ch.lo + k)
				ch.pos = ch.lo + k
			}
			i, pc = ch.pos, ch.pc+1
			break
		}
	}
}

// balance matches %bxy at i: it returns the position after the y that closes
// the x at i, or -1.
func (m *Matcher) balance(i int, b, e byte) int {
	s := m.s
	if i >= len(s) || s[i] != b {
		return -1
	}
	depth := 1
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case e:
			depth--
			if depth == 0 {
				m.steps += j - i
				return j + 1
			}
		case b:
			depth++
		}
	}
	m.steps += len(s) - i
	return -1
}
