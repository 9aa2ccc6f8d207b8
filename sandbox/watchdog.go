package sandbox

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// The process-wide memory ceiling backs the per-sandbox memory limit: a
// single Lua instruction (a string concatenation) can allocate far more
// than a sandbox's limit before the next measurement, and memory the
// accounting misses still lands in the Go heap. A watchdog goroutine reads
// the process's heap from runtime/metrics every watchdogPeriod and, while
// any sandbox call is running:
//
//   - when the process heap grew by more than watchdogGrowth since the
//     last look, or the heap stands above the ceiling, it asks every running
//     call to measure its Lua heap before its next instruction; a call
//     over its own limit then ends with "memory_limit exceeded";
//   - a call it sees running for longer than CallTimeLimit() is ended with
//     "instruction_limit exceeded": its instructions did far more work
//     than they count for, as when each concatenates a megabyte string
//     (s .. "x" on a long s, in a loop), work the instruction count
//     cannot see and the memory limit does not stop, all of it garbage;
//   - when the heap stays above the ceiling after a garbage collection, it
//     ends every running call with "memory_limit exceeded", and the
//     sandbox's log says the process ceiling was the cause.
//
// The ceiling is SetMemoryCeiling's value; by default the Go runtime's
// memory limit (GOMEMLIMIT or debug.SetMemoryLimit) when one is set, else
// DefaultMemoryCeiling.

// DefaultCallTimeLimit is the wall-clock time a call may run unless
// SetCallTimeLimit says otherwise: about a hundred times what a full
// instruction budget of the default size takes, so that it stops only
// calls whose instructions each do a great deal of uncounted work.
const DefaultCallTimeLimit = 3 * time.Second

var callTimeLimit atomic.Int64

// SetCallTimeLimit sets the wall-clock time a call may run before the
// watchdog ends it as out of instructions; d <= 0 restores
// DefaultCallTimeLimit. The watchdog looks every millisecond.
func SetCallTimeLimit(d time.Duration) { callTimeLimit.Store(int64(d)) }

// CallTimeLimit returns the call time limit in force.
func CallTimeLimit() time.Duration {
	if d := callTimeLimit.Load(); d > 0 {
		return time.Duration(d)
	}
	return DefaultCallTimeLimit
}

// DefaultMemoryCeiling is the process heap ceiling when neither
// SetMemoryCeiling nor a Go memory limit sets one.
const DefaultMemoryCeiling = 1 << 30

const (
	watchdogPeriod = time.Millisecond
	watchdogGrowth = 4 << 20
	gcInterval     = 100 * time.Millisecond
)

var ceiling atomic.Int64

// heapMetric is the process heap the watchdog and long calls look at:
// the bytes of live and not yet swept heap objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

// watchdogHeap is the process heap at the watchdog's last look.
var watchdogHeap atomic.Int64

// heapEpoch counts the watchdog's sightings of fast heap growth. A sandbox
// measures its heap after its next call whenever the epoch moved since its
// last measurement, so that growth from a call too short for the watchdog
// to catch running is seen one call later.
var heapEpoch atomic.Int64

// SetMemoryCeiling sets the process heap ceiling, in bytes, that the
// watchdog enforces on running sandbox calls; n <= 0 restores the default.
func SetMemoryCeiling(n int64) { ceiling.Store(n) }

// MemoryCeiling returns the ceiling in force.
func MemoryCeiling() int64 {
	if n := ceiling.Load(); n > 0 {
		return n
	}
	if l := debug.SetMemoryLimit(-1); l > 0 && l < math.MaxInt64 {
		return l
	}
	return DefaultMemoryCeiling
}

// watchdog is the registry of live sandboxes' counters. Entering a call
// costs its sandbox one atomic store (the call number) and leaving it
// nothing, so the watchdog does not know which sandboxes are in a call: it
// signals them all, aiming at the call number it read, and a sandbox that
// was idle ignores the signal at its next call. Its goroutine runs while
// any sandbox exists: watchdogAdd starts it with the first sandbox, and it
// returns by itself once the last one is removed.
var watchdog struct {
	mu       sync.Mutex
	counters map[*counter]struct{}
	running  bool // the goroutine is running
}

func watchdogAdd(c *counter) {
	watchdog.mu.Lock()
	defer watchdog.mu.Unlock()
	if watchdog.counters == nil {
		watchdog.counters = make(map[*counter]struct{})
	}
	watchdog.counters[c] = struct{}{}
	if !watchdog.running {
		watchdog.running = true
		go watchdogLoop()
	}
}

func watchdogRemove(c *counter) {
	watchdog.mu.Lock()
	delete(watchdog.counters, c)
	watchdog.mu.Unlock()
}

func watchdogLoop() {
	// The heap's growth between two looks stands for the allocation in
	// between: the runtime's cumulative allocation count is only brought up
	// to date at collections, too late to tell a tick from the next.
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() int64 {
		metrics.Read(sample)
		heap := int64(sample[0].Value.Uint64())
		watchdogHeap.Store(heap)
		return heap
	}
	last := read()
	var lastGC time.Time
	t := time.NewTicker(watchdogPeriod)
	defer t.Stop()
	for range t.C {
		heap := read()
		grew := heap - last
		last = heap
		over := heap > MemoryCeiling()
		watchdog.mu.Lock()
		if len(watchdog.counters) == 0 {
			watchdog.running = false
			watchdog.mu.Unlock()
			return
		}
		check := grew > watchdogGrowth || over
		if check {
			heapEpoch.Add(1)
		}
		now := time.Now()
		for c := range watchdog.counters {
			if check {
				c.requestCheck()
			}
			// The same call number for longer than the limit is a call
			// that long, or a sandbox idle that long; the signal ends the
			// former and the latter's next call ignores it.
			if call := c.call.Load(); call != c.seenCall {
				c.seenCall, c.seenSince = call, now
			} else if call != c.slowSent && now.Sub(c.seenSince) > CallTimeLimit() {
				c.slowSent = call
				c.endSlowCall(call)
			}
		}
		watchdog.mu.Unlock()
		if !over || time.Since(lastGC) < gcInterval {
			continue
		}
		lastGC = time.Now()
		runtime.GC()
		if heap = read(); heap <= MemoryCeiling() {
			last = heap
			continue
		}
		watchdog.mu.Lock()
		for c := range watchdog.counters {
			c.kill(c.call.Load())
		}
		watchdog.mu.Unlock()
		last = read()
	}
}

// kill ends call, if it is still running, for the process ceiling. Only
// the fields the call's goroutine reads atomically are touched here; the
// call itself sets fatal when it sees them, and a kill aimed at a call
// that has returned does not reach the next one.
func (c *counter) kill(call int64) {
	c.killed.Store(call)
	c.flag.Store(true)
}
