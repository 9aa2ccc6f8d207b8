package config

import (
	"fmt"
	"strings"
)

// Error is one problem of a configuration, placed as precisely as it is
// known: the file, the line (and column of a syntax error), the table and
// the key.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when not known
	Col   int    // 1-based column of a syntax error; 0 otherwise
	Table string // the table's name without brackets; "" for the file as a whole
	Key   string // the dotted key within Table ("signer.ops_0.hmac_key"); "" for the table itself
	Msg   string // what is wrong, starting with the key when there is one
}

// Error formats e as file:line: [table]: message, leaving out what is not
// known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Table != "" {
		fmt.Fprintf(&b, "[%s]: ", e.Table)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a configuration, in the order of the
// files and, within a file, of the lines. Load and Section.Decode return
// one only when it is not empty.
type Errors []error

// Error returns the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (es Errors) Unwrap() []error { return es }

// add appends err to es, flattening an Errors.
func (es *Errors) add(err error) {
	if err == nil {
		return
	}
	if more, ok := err.(Errors); ok {
		*es = append(*es, more...)
		return
	}
	*es = append(*es, err)
}

// orNil returns es as an error, nil when it is empty.
func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
