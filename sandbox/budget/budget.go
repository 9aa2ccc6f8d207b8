// Package budget defines what the Go functions a sandbox offers to Lua
// (string patterns, cjson, table.concat, ...) charge for their work.
//
// gopher-lua counts only the instructions of the Lua VM: a Go function called
// from Lua runs outside that count and allocates outside any Lua-side
// accounting. So every such function that can loop or allocate in proportion
// to its input charges a Budget first, and stops with an error when the
// Budget says no. The sandbox implements Budget over its instruction counter
// and its memory accounting, so that a pattern catastrophe is stopped like an
// infinite loop and a gsub that grows without end like a table that does.
package budget

import "errors"

// Budget is the remaining work and memory of the call that is running.
// Implementations need not be safe for concurrent use: a sandbox runs one
// call at a time.
type Budget interface {
	// Steps charges n units of work, each about one Lua VM instruction
	// (a pattern matcher charges one per character it tries). It returns
	// ErrInstructions once the call's instruction limit is passed.
	Steps(n int) error
	// Alloc charges n bytes that the caller is about to allocate and keep
	// for Lua (a result string, a decoded table). It returns ErrMemory when
	// they would take the sandbox past its memory limit.
	Alloc(n int) error
}

// The errors a Budget returns. A sandbox recognises them and reports
// "<function>() instruction_limit exceeded" or "... memory_limit exceeded".
var (
	ErrInstructions = errors.New("instruction_limit exceeded")
	ErrMemory       = errors.New("memory_limit exceeded")
)

// Fixed is a Budget with set totals, for tests and for work done outside a
// sandbox. Its zero value refuses everything.
type Fixed struct {
	StepsLeft int64
	BytesLeft int64
}

// Steps implements Budget.
func (f *Fixed) Steps(n int) error {
	f.StepsLeft -= int64(n)
	if f.StepsLeft < 0 {
		return ErrInstructions
	}
	return nil
}

// Alloc implements Budget.
func (f *Fixed) Alloc(n int) error {
	if int64(n) > f.BytesLeft {
		return ErrMemory
	}
	f.BytesLeft -= int64(n)
	return nil
}

// Unlimited is a Budget that never refuses, for trusted callers.
var Unlimited Budget = unlimited{}

type unlimited struct{}

func (unlimited) Steps(int) error { return nil }
func (unlimited) Alloc(int) error { return nil }
