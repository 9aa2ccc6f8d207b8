package matcher

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sandpiper/core/message"
)

// The parser turns the source into an AST whose tests are already checked:
// every comparison it returns is one the compiler and the evaluators can
// carry out, and a Timestamp compared with an RFC 3339 string already holds
// the nanoseconds. Columns are only computed when an error is reported.

type exprKind uint8

const (
	exprOr exprKind = iota
	exprAnd
	exprTrue
	exprFalse
	exprTest
)

// expr is a node of the AST: a binary && or ||, a constant, or a test.
type expr struct {
	kind        exprKind
	left, right *expr
	test        test
}

type varKind uint8

const (
	varUuid varKind = iota
	varType
	varLogger
	varPayload
	varEnvVersion
	varHostname
	varTimestamp
	varSeverity
	varPid
	varFields
)

var varNames = [...]string{"Uuid", "Type", "Logger", "Payload", "EnvVersion", "Hostname", "Timestamp", "Severity", "Pid", "Fields"}

func (k varKind) isString() bool { return k <= varHostname }

func (k varKind) isNumeric() bool { return k >= varTimestamp && k <= varPid }

// header returns the message header behind an optional header variable, and
// false for Uuid, Timestamp and Fields.
func (k varKind) header() (message.Header, bool) {
	switch k {
	case varType:
		return message.HeaderType, true
	case varLogger:
		return message.HeaderLogger, true
	case varPayload:
		return message.HeaderPayload, true
	case varEnvVersion:
		return message.HeaderEnvVersion, true
	case varHostname:
		return message.HeaderHostname, true
	case varSeverity:
		return message.HeaderSeverity, true
	case varPid:
		return message.HeaderPid, true
	}
	return 0, false
}

// variable is the left-hand side of a test.
type variable struct {
	kind   varKind
	name   string // the field name, for Fields
	fi, ai int
}

type op uint8

const (
	opEQ op = iota
	opNE
	opLT
	opLE
	opGT
	opGE
	opRE
	opNRE
)

var opNames = [...]string{"==", "!=", "<", "<=", ">", ">=", "=~", "!~"}

func (o op) String() string { return opNames[o] }

type litKind uint8

const (
	litString litKind = iota
	litInt
	litFloat
	litBool
	litNil
	litRegex
)

// literal is the right-hand side of a test. A regex holds its pattern, with
// "\/" already turned into "/", in str.
type literal struct {
	kind litKind
	str  string
	i    int64
	f    float64
	b    bool
	re   *regexp.Regexp // the compiled regex, kept from checking it
}

// test is one comparison: variable op literal.
type test struct {
	v   variable
	op  op
	lit literal
}

// maxDepth bounds the nesting of parentheses, so that neither the parser
// nor Match can be driven into a stack overflow.
const maxDepth = 200

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokOp
	tokString
	tokRegex
	tokNumber
)

// token is one lexical token; pos is its byte offset in the source.
type token struct {
	kind tokKind
	pos  int
	text string // the source of the token
	op   op     // for tokOp
	str  string // the unescaped value of tokString, the pattern of tokRegex
}

func (t token) describe() string {
	if t.kind == tokEOF {
		return "the end of the expression"
	}
	return strconv.Quote(t.text)
}

type parser struct {
	src   string
	pos   int // byte offset of the next unread character
	tok   token
	depth int
}

// parse parses and checks src.
func parse(src string) (*expr, error) {
	p := &parser{src: src}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, p.errAt(p.tok.pos, "empty expression")
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errAt(p.tok.pos, "expected \"&&\", \"||\" or the end of the expression, found %s", p.tok.describe())
	}
	return e, nil
}

func (p *parser) errAt(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{
		Expr:   p.src,
		Column: utf8.RuneCountInString(p.src[:pos]) + 1,
		Msg:    fmt.Sprintf(format, args...),
	}
}

func (p *parser) or() (*expr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokOr {
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &expr{kind: exprOr, left: left, right: right}
	}
	return left, nil
}

func (p *parser) and() (*expr, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokAnd {
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		left = &expr{kind: exprAnd, left: left, right: right}
	}
	return left, nil
}

func (p *parser) primary() (*expr, error) {
	t := p.tok
	switch t.kind {
	case tokLParen:
		if p.depth == maxDepth {
			return nil, p.errAt(t.pos, "parentheses nested deeper than %d", maxDepth)
		}
		p.depth++
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.errAt(p.tok.pos, "expected \")\" to close the \"(\" at column %d, found %s",
				utf8.RuneCountInString(p.src[:t.pos])+1, p.tok.describe())
		}
		p.depth--
		return e, p.next()
	case tokIdent:
		switch t.text {
		case "TRUE", "FALSE":
			kind := exprTrue
			if t.text == "FALSE" {
				kind = exprFalse
			}
			return &expr{kind: kind}, p.next()
		}
		for k, name := range varNames {
			if t.text == name {
				return p.test(varKind(k))
			}
		}
		return nil, p.errAt(t.pos, "unknown variable %q; want Uuid, Type, Logger, Payload, EnvVersion, Hostname, Timestamp, Severity, Pid or Fields[name]", t.text)
	}
	return nil, p.errAt(t.pos, "expected a variable, TRUE, FALSE or \"(\", found %s", t.describe())
}

// test parses the rest of a test whose variable, of kind k, is the current
// token.
func (p *parser) test(k varKind) (*expr, error) {
	v := variable{kind: k}
	vtok := p.tok
	if k == varFields {
		if err := p.fieldSuffix(&v); err != nil {
			return nil, err
		}
		vtok.text = p.src[vtok.pos:p.pos]
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tokOp {
		return nil, p.errAt(p.tok.pos, "expected an operator (== != < <= > >= =~ !~) after %q, found %s", vtok.text, p.tok.describe())
	}
	optok := p.tok
	if err := p.next(); err != nil {
		return nil, err
	}
	lit, err := p.literal(optok)
	if err != nil {
		return nil, err
	}
	littok := p.tok
	if err := p.check(v, vtok, optok, &lit, littok); err != nil {
		return nil, err
	}
	return &expr{kind: exprTest, test: test{v: v, op: optok.op, lit: lit}}, p.next()
}

// literal converts the current token, the value after the operator optok.
func (p *parser) literal(optok token) (literal, error) {
	t := p.tok
	switch t.kind {
	case tokString:
		return literal{kind: litString, str: t.str}, nil
	case tokRegex:
		return literal{kind: litRegex, str: t.str}, nil
	case tokNumber:
		return p.number(t)
	case tokIdent:
		switch t.text {
		case "TRUE":
			return literal{kind: litBool, b: true}, nil
		case "FALSE":
			return literal{kind: litBool}, nil
		case "NIL":
			return literal{kind: litNil}, nil
		}
	}
	msg := fmt.Sprintf("expected a quoted string, a number, TRUE, FALSE, NIL or a regex after %q", optok.text)
	if t.kind != tokEOF {
		msg += ", found " + t.describe()
	}
	return literal{}, p.errAt(t.pos, "%s", msg)
}

func (p *parser) number(t token) (literal, error) {
	if !strings.ContainsAny(t.text, ".eE") {
		i, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return literal{}, p.errAt(t.pos, "integer %s out of the int64 range", t.text)
		}
		return literal{kind: litInt, i: i}, nil
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		if math.IsInf(f, 0) {
			return literal{}, p.errAt(t.pos, "number %s out of the float64 range", t.text)
		}
		return literal{}, p.errAt(t.pos, "malformed number %s", t.text)
	}
	return literal{kind: litFloat, f: f}, nil
}

// check reports whether variable v may be compared by the operator in optok
// with lit, and turns a Timestamp's RFC 3339 string into nanoseconds.
func (p *parser) check(v variable, vtok, optok token, lit *literal, littok token) error {
	o := optok.op
	switch lit.kind {
	case litRegex:
		if o != opRE && o != opNRE {
			return p.errAt(optok.pos, "a regex needs =~ or !~, not %q", optok.text)
		}
		if v.kind.isNumeric() {
			return p.errAt(littok.pos, "%s is a number: compare it with a number, not a regex", vtok.text)
		}
		re, err := regexp.Compile(lit.str)
		if err != nil {
			return p.errAt(littok.pos, "invalid regex %s: %v", littok.text, err)
		}
		lit.re = re
		return nil
	}
	if o == opRE || o == opNRE {
		return p.errAt(littok.pos, "%q needs a regex (/…/), found %s", optok.text, littok.describe())
	}
	switch lit.kind {
	case litNil:
		if o != opEQ && o != opNE {
			return p.errAt(optok.pos, "NIL can only be tested with == or !=, not %q", optok.text)
		}
		if v.kind == varUuid || v.kind == varTimestamp {
			return p.errAt(littok.pos, "%s is always present: it cannot be compared with NIL", vtok.text)
		}
	case litBool:
		if v.kind != varFields {
			return p.errAt(littok.pos, "%s is not a boolean: it cannot be compared with %s", vtok.text, littok.text)
		}
		if o != opEQ && o != opNE {
			return p.errAt(optok.pos, "TRUE and FALSE can only be tested with == or !=, not %q", optok.text)
		}
	case litString:
		if v.kind == varTimestamp {
			ts, err := time.Parse(time.RFC3339Nano, lit.str)
			if err != nil {
				return p.errAt(littok.pos, "Timestamp compares with a number of nanoseconds or an RFC 3339 time; %s is neither", littok.text)
			}
			if ts.Before(minTime) || ts.After(maxTime) {
				return p.errAt(littok.pos, "time %s is outside the range of int64 nanoseconds (years 1678 to 2262)", littok.text)
			}
			*lit = literal{kind: litInt, i: ts.UnixNano()}
			return nil
		}
		if v.kind.isNumeric() {
			return p.errAt(littok.pos, "%s is a number: compare it with a number, not a string", vtok.text)
		}
	case litInt, litFloat:
		if v.kind.isString() {
			return p.errAt(littok.pos, "%s is a string: compare it with a quoted string, not a number", vtok.text)
		}
	}
	return nil
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// fieldSuffix reads "[name]", "[name][fi]" or "[name][fi][ai]" right after
// the word Fields.
func (p *parser) fieldSuffix(v *variable) error {
	if p.pos >= len(p.src) || p.src[p.pos] != '[' {
		return p.errAt(p.pos, "expected \"[\" and a field name after Fields")
	}
	p.pos++
	start := p.pos
	if p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
		s, err := p.quoted()
		if err != nil {
			return err
		}
		v.name = s
	} else {
		end := strings.IndexByte(p.src[p.pos:], ']')
		if end < 0 {
			return p.errAt(start-1, "unterminated field name: no \"]\"")
		}
		v.name = p.src[p.pos : p.pos+end]
		p.pos += end
	}
	if p.pos >= len(p.src) || p.src[p.pos] != ']' {
		return p.errAt(p.pos, "expected \"]\" after the field name")
	}
	if v.name == "" {
		return p.errAt(start, "empty field name")
	}
	p.pos++
	for _, idx := range []*int{&v.fi, &v.ai} {
		if p.pos >= len(p.src) || p.src[p.pos] != '[' {
			return nil
		}
		p.pos++
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		if p.pos == start {
			return p.errAt(start, "expected a decimal index after \"[\"")
		}
		n, err := strconv.ParseInt(p.src[start:p.pos], 10, 32)
		if err != nil {
			return p.errAt(start, "index %s is too large", p.src[start:p.pos])
		}
		if p.pos >= len(p.src) || p.src[p.pos] != ']' {
			return p.errAt(p.pos, "expected \"]\" after the index")
		}
		p.pos++
		*idx = int(n)
	}
	return nil
}

// next reads the next token into p.tok.
func (p *parser) next() error {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
			continue
		}
		break
	}
	start := p.pos
	p.tok = token{pos: start}
	if start == len(p.src) {
		p.tok.kind = tokEOF
		return nil
	}
	c := p.src[start]
	two := ""
	if start+1 < len(p.src) {
		two = p.src[start : start+2]
	}
	switch {
	case isLetter(c):
		p.pos++
		for p.pos < len(p.src) && (isLetter(p.src[p.pos]) || isDigit(p.src[p.pos])) {
			p.pos++
		}
		p.tok.kind = tokIdent
	case c == '(':
		p.pos++
		p.tok.kind = tokLParen
	case c == ')':
		p.pos++
		p.tok.kind = tokRParen
	case two == "&&":
		p.pos += 2
		p.tok.kind = tokAnd
	case two == "||":
		p.pos += 2
		p.tok.kind = tokOr
	case c == '"' || c == '\'':
		s, err := p.quoted()
		if err != nil {
			return err
		}
		p.tok.kind, p.tok.str = tokString, s
	case c == '/':
		s, err := p.regex()
		if err != nil {
			return err
		}
		p.tok.kind, p.tok.str = tokRegex, s
	case isDigit(c) || c == '.' || c == '-' || c == '+':
		if err := p.numberToken(); err != nil {
			return err
		}
		p.tok.kind = tokNumber
	default:
		for i, name := range opNames {
			if strings.HasPrefix(p.src[start:], name) && (len(name) == 2 || two != name+"=") {
				p.pos += len(name)
				p.tok.kind, p.tok.op = tokOp, op(i)
				p.tok.text = name
				return nil
			}
		}
		r, _ := utf8.DecodeRuneInString(p.src[start:])
		if c == '=' {
			return p.errAt(start, "unexpected \"=\"; did you mean \"==\"?")
		}
		return p.errAt(start, "unexpected character %q", r)
	}
	p.tok.text = p.src[start:p.pos]
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numberToken reads [+-] digits [. digits] [e [+-] digits], where either
// side of the point may be empty but not both.
func (p *parser) numberToken() error {
	start := p.pos
	if c := p.src[p.pos]; c == '-' || c == '+' {
		p.pos++
	}
	digits := p.digits()
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		digits += p.digits()
	}
	if digits == 0 {
		return p.errAt(start, "malformed number %q", p.src[start:p.pos])
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '-' || p.src[p.pos] == '+') {
			p.pos++
		}
		if p.digits() == 0 {
			return p.errAt(start, "malformed number %q: no digits in the exponent", p.src[start:p.pos])
		}
	}
	if p.pos < len(p.src) && (isLetter(p.src[p.pos]) || isDigit(p.src[p.pos]) || p.src[p.pos] == '.') {
		return p.errAt(start, "malformed number %q", p.src[start:p.pos+1])
	}
	return nil
}

func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
		p.pos++
	}
	return p.pos - start
}

// quoted reads a string in double or single quotes, with the escapes
// \\ \" \' \n \r \t and \xHH.
func (p *parser) quoted() (string, error) {
	start := p.pos
	q := p.src[start]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.src) {
			break
		}
		switch e := p.src[p.pos+1]; e {
		case '\\', '"', '\'':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			if p.pos+4 > len(p.src) {
				return "", p.errAt(p.pos, "\\x needs two hexadecimal digits")
			}
			n, err := strconv.ParseUint(p.src[p.pos+2:p.pos+4], 16, 8)
			if err != nil {
				return "", p.errAt(p.pos, "\\x needs two hexadecimal digits, found %q", p.src[p.pos:p.pos+4])
			}
			b.WriteByte(byte(n))
			p.pos += 2
		default:
			r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
			return "", p.errAt(p.pos, "unknown escape \"\\%c\" in a string; use \\\\ \\\" \\' \\n \\r \\t or \\xHH", r)
		}
		p.pos += 2
	}
	return "", p.errAt(start, "unterminated string: no closing %c", q)
}

// regex reads /pattern/, where "\/" stands for "/" and every other escape
// is left for RE2.
func (p *parser) regex() (string, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '/':
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			if p.src[p.pos+1] != '/' {
				b.WriteByte('\\')
			}
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errAt(start, "unterminated regex: no closing /")
}
