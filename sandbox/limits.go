package sandbox

import (
	"context"
	"errors"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"sandpiper/sandbox/budget"
)

// errOutput is the error of a call that injected more than output_limit.
var errOutput = errors.New("output_limit exceeded")

// A long call measures its Lua heap every so many instructions, so that a
// loop that grows a table is stopped by the first measurement past the
// memory limit: the interval is the headroom left under the limit divided
// by midCallGrowth (the bytes an instruction is assumed to add), but at
// least walkCostFactor times the values the last walk visited, so that
// walking a large heap never costs more than a fraction of the call, and
// within [midCallMin, midCallMax].
const (
	midCallGrowth  = 1024
	walkCostFactor = 8
	midCallMin     = 256
	midCallMax     = 1 << 17
)

// measureInterval returns the instructions to run before the next
// mid-call measurement.
func (c *counter) measureInterval() int64 {
	m := &c.sb.mem
	n := max((c.sb.limits.Memory-m.current)/midCallGrowth, walkCostFactor*m.visited, midCallMin)
	return min(n, midCallMax)
}

// A long call also looks at the process heap every heapLookEvery
// instructions (a runtime/metrics read, about 300 ns, so about 5 % of the
// call's time) and measures its Lua heap when the process heap grew by
// more than heapLookGrowth since its last look: one instruction can
// allocate megabytes (s .. t on long strings), and the watchdog, which
// sees the same growth, may not be scheduled in time on a busy machine.
// Calls shorter than heapLookEvery instructions never pay for it.
const (
	heapLookEvery  = 256
	heapLookGrowth = 4 << 20
)

// timeSampleEvery is how often a call is timed: one in so many (Heka's
// sample_denominator did the same for its decoders and matchers). Reading
// the clock twice, one call in 16, was 1.7 % of BenchmarkFilter's profile;
// one in 64 makes it under 0.5 %.
const timeSampleEvery = 64

// counter counts the instructions of the running call. It is the
// context.Context of the sandbox's LState, where the sandbox's VM loop
// (runVM, vmloop.go) finds it and counts each instruction before running
// it, raising Err() as a Lua error once slow says the call ends. Done
// counts the same way for gopher-lua's own loop, which evaluates it
// before every instruction, in a state runVM cannot be installed in. It
// is also the budget.Budget of the Go functions offered to Lua.
//
// The fast path is an increment, a compare and an atomic load (a plain
// load on amd64 and arm64), while n is at most limit and no flag is up
// (Done then returns a nil channel, never ready). limit is the nearest
// point where something must be looked at: the instruction limit, the
// next mid-call memory measurement or the next look at the process heap,
// 0 once the call must end (fatal set). flag is the watchdog's way in: it
// sets check, slowCall or killed, then flag.
//
// Per call, begin and end cost one atomic store in all (the call number)
// and, one call in timeSampleEvery, two clock reads: the watchdog cannot
// tell a running call from an idle sandbox, so it aims its signals at a
// call number, and a signal aimed at a call that already returned is
// ignored by the next one.
type counter struct {
	sb     *Sandbox
	n      int64 // instructions (and Steps) charged to the running call
	budget int64 // the instruction limit
	limit  int64
	flag   atomic.Bool // the watchdog set check, slowCall or killed
	check  atomic.Bool // the watchdog asks for a heap measurement
	// slowCall and killed are the number of a call the watchdog ended: for
	// running longer than CallTimeLimit() (the slow path then ends it as
	// out of instructions) and for the process ceiling.
	slowCall, killed atomic.Int64
	// call is the number of the last call begun, counting the
	// initialization as 1; calls is the sandbox goroutine's own copy.
	// The watchdog tells a long call from a new one by the number, and
	// Stats counts calls from it.
	call  atomic.Int64
	calls int64
	// The watchdog's own view of the sandbox, under watchdog.mu: the call
	// number it last saw, when it first saw it, and the last call it
	// ended as slow.
	seenCall, slowSent int64
	seenSince          time.Time
	fatal              error // ErrInstructions, ErrMemory or errOutput once the call must end
	closed             chan struct{}
	start              time.Time
	untilTimed         int64 // calls to begin before the next timed one
	timed              bool  // the running call is timed
	// allocated is what Alloc granted since the last heap measurement.
	allocated int64
	// inflight is what Alloc granted since the last VM instruction: the
	// buffer of the Go function running now (a growing gsub result), which
	// no measurement can see until the function returns it to Lua.
	inflight     int64
	allocAt      int64 // the VM instruction count when inflight began
	goSteps      int64 // steps charged by Go functions in this call
	nextHeapLook int64 // the instruction count of the next look at the process heap
	heapAtLook   int64 // the process heap at the last look
	heapSample   []metrics.Sample
	nextCheck    int64
}

var _ context.Context = (*counter)(nil)
var _ budget.Budget = (*counter)(nil)

func (c *counter) init(sb *Sandbox) {
	c.sb = sb
	c.budget = sb.limits.Instructions
	c.closed = make(chan struct{})
	close(c.closed)
	c.heapSample = []metrics.Sample{{Name: heapMetric}}
	c.untilTimed = 2 // the initialization is not timed; the first call after it is
}

// begin starts a call: the only per-call work before the script runs.
func (c *counter) begin() {
	c.n, c.goSteps, c.inflight, c.allocAt = 0, 0, 0, 0
	c.fatal = nil
	if c.flag.Load() {
		c.flag.Store(false)
		c.check.Store(false)
	}
	c.nextCheck = c.measureInterval()
	c.nextHeapLook = heapLookEvery
	c.heapAtLook = watchdogHeap.Load()
	c.limit = min(c.budget, c.nextCheck, c.nextHeapLook)
	c.calls++
	c.call.Store(c.calls)
	c.untilTimed--
	if c.timed = c.untilTimed == 0; c.timed {
		c.untilTimed = timeSampleEvery
		c.start = time.Now()
	}
}

// begun returns the number of calls begun, the initialization included.
// Safe for concurrent use.
func (c *counter) begun() int64 { return c.call.Load() }

// end returns the call's duration and whether it was timed.
func (c *counter) end() (time.Duration, bool) {
	if !c.timed {
		return 0, false
	}
	return time.Since(c.start), true
}

// used returns the instructions the call used, capped at the limit (a
// call stopped by the limit used exactly the limit and one more).
func (c *counter) used() int64 { return min(c.n, c.budget) }

// Done implements context.Context for gopher-lua's VM loop, counting an
// instruction as runVM does.
func (c *counter) Done() <-chan struct{} {
	c.n++
	if c.n <= c.limit && !c.flag.Load() {
		return nil
	}
	return c.slow()
}

// slow is the count past limit or with a flag up: decide whether the
// call ends (the closed channel) or not (nil), and where the next stop
// is.
func (c *counter) slow() <-chan struct{} {
	if c.fatal != nil {
		return c.closed
	}
	c.flag.Store(false)
	if c.n > c.budget {
		return c.fail(budget.ErrInstructions)
	}
	if c.slowCall.Load() == c.calls {
		c.sb.logf("call ran for more than %v: its instructions did far more work than they count for", CallTimeLimit())
		return c.fail(budget.ErrInstructions)
	}
	if c.killed.Load() == c.calls {
		c.sb.logf("process heap above the memory ceiling of %d bytes: call ended", MemoryCeiling())
		return c.fail(budget.ErrMemory)
	}
	check := c.check.Swap(false) || c.n >= c.nextCheck
	if c.n >= c.nextHeapLook {
		c.nextHeapLook = c.n + heapLookEvery
		metrics.Read(c.heapSample)
		heap := int64(c.heapSample[0].Value.Uint64())
		check = check || heap-c.heapAtLook > heapLookGrowth
		c.heapAtLook = heap
	}
	if check {
		c.sb.measure()
		if c.sb.mem.current > c.sb.limits.Memory {
			return c.fail(budget.ErrMemory)
		}
		c.nextCheck = c.n + c.measureInterval()
	}
	c.limit = min(c.budget, c.nextCheck, c.nextHeapLook)
	return nil
}

// fail ends the running call with err: every later instruction raises it
// again, so pcall in the script cannot catch it for good.
func (c *counter) fail(err error) <-chan struct{} {
	if c.fatal == nil {
		c.fatal = err
	}
	c.limit = 0
	return c.closed
}

// requestCheck asks the running call, if any, to measure its heap before
// its next instruction. Called by the watchdog goroutine.
func (c *counter) requestCheck() {
	c.check.Store(true)
	c.flag.Store(true)
}

// Err implements context.Context: the text gopher-lua raises as the Lua
// error that unwinds the call.
func (c *counter) Err() error {
	if c.fatal != nil {
		return c.fatal
	}
	return budget.ErrInstructions
}

// Deadline implements context.Context; a call has no deadline, only a
// budget.
func (c *counter) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value implements context.Context; the counter carries no values.
func (c *counter) Value(any) any { return nil }

// Steps implements budget.Budget: n units of work done by a Go function
// count as n instructions of the running call.
func (c *counter) Steps(n int) error {
	c.n += int64(n)
	c.goSteps += int64(n)
	if c.n > c.budget {
		c.fail(budget.ErrInstructions)
		return budget.ErrInstructions
	}
	return nil
}

// Alloc implements budget.Budget: n bytes about to be kept for Lua. When
// the grants since the last measurement could take the heap past the
// limit, the heap is measured again (garbage does not count) before
// refusing.
func (c *counter) Alloc(n int) error {
	if vm := c.n - c.goSteps; vm != c.allocAt {
		c.allocAt, c.inflight = vm, 0
	}
	c.inflight += int64(n)
	c.allocated += int64(n)
	limit := c.sb.limits.Memory
	if c.sb.mem.current+c.allocated <= limit {
		return nil
	}
	c.sb.measure()
	c.allocated = c.inflight
	if c.sb.mem.current+c.inflight > limit {
		c.fail(budget.ErrMemory)
		return budget.ErrMemory
	}
	return nil
}

// endSlowCall asks call to end as out of instructions, if it is still
// running. Called by the watchdog goroutine.
func (c *counter) endSlowCall(call int64) {
	c.slowCall.Store(call)
	c.flag.Store(true)
}

// Budget returns the budget the sandbox's Go-side Lua modules charge: the
// running call's instruction and memory limits.
func (s *Sandbox) Budget() budget.Budget { return &s.ctr }
