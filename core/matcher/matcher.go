// Package matcher implements Heka's message matcher language: boolean
// expressions over a message's headers and fields, such as
//
//	Type == "nginx.access" && (Fields[status] >= 500 || Fields[request_time] > 1.5)
//
// An expression is compiled once into a tree of typed nodes; Match then
// evaluates it against a message without allocating. docs/matcher.md
// describes the language for users.
package matcher

import (
	"fmt"

	"sandpiper/core/message"
)

// Matcher is a compiled matcher expression. It is safe for concurrent use.
type Matcher struct {
	src  string
	root node
}

// SyntaxError reports an expression that does not compile: Column is the
// 1-based position, counted in characters, of the offending token in Expr.
type SyntaxError struct {
	Expr   string
	Column int
	Msg    string
}

// Error returns the message with its column and the expression, as in
// `matcher: column 9: expected a quoted string, ... after "==" in "Type == "`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("matcher: column %d: %s in %q", e.Column, e.Msg, e.Expr)
}

// Compile parses expr and compiles it into a Matcher. Errors are
// *SyntaxError.
func Compile(expr string) (*Matcher, error) {
	e, err := parse(expr)
	if err != nil {
		return nil, err
	}
	return &Matcher{src: expr, root: compile(e)}, nil
}

// MustCompile is Compile for expressions known to be valid, such as those in
// tests; it panics on an error.
func MustCompile(expr string) *Matcher {
	m, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return m
}

// String returns the expression m was compiled from.
func (m *Matcher) String() string { return m.src }

// Match reports whether msg satisfies m's expression.
func (m *Matcher) Match(msg *message.Message) bool { return m.root.eval(msg) }
