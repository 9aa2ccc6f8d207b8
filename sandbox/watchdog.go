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
//   - when the heap grew by more than watchdogGrowth since the last look,
//     or stands above the ceiling, it asks every running call to measure
//     its Lua heap before its next instruction; a call over its own limit
//     then ends with "memory_limit exceeded";
//   - when the heap stays above the ceiling after a garbage collection, it
//     ends every running call with "memory_limit exceeded", and the
//     sandbox's log says the process ceiling was the cause.
//
// The ceiling is SetMemoryCeiling's value; by default the Go runtime's
// memory limit (GOMEMLIMIT or debug.SetMemoryLimit) when one is set, else
// DefaultMemoryCeiling.

// DefaultMemoryCeiling is the process heap ceiling when neither
// SetMemoryCeiling nor a Go memory limit sets one.
const DefaultMemoryCeiling = 1 << 30

const (
	watchdogPeriod = 2 * time.Millisecond
	watchdogGrowth = 8 << 20
	gcInterval     = 100 * time.Millisecond
)

var ceiling atomic.Int64

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

// watchdog is the registry of running calls. Its goroutine runs while any
// sandbox exists (live > 0): watchdogAdd starts it with the first sandbox,
// and it returns by itself once the last one is closed.
var watchdog struct {
	mu      sync.Mutex
	live    int
	running bool // the goroutine is running
	calls   map[*counter]struct{}
	kills   atomic.Int64 // calls ended by the ceiling, for tests and reports
}

func watchdogAdd() {
	watchdog.mu.Lock()
	defer watchdog.mu.Unlock()
	watchdog.live++
	if watchdog.calls == nil {
		watchdog.calls = make(map[*counter]struct{})
	}
	if !watchdog.running {
		watchdog.running = true
		go watchdogLoop()
	}
}

func watchdogRemove() {
	watchdog.mu.Lock()
	watchdog.live--
	watchdog.mu.Unlock()
}

func watchdogEnter(c *counter) {
	watchdog.mu.Lock()
	watchdog.calls[c] = struct{}{}
	watchdog.mu.Unlock()
}

func watchdogLeave(c *counter) {
	watchdog.mu.Lock()
	delete(watchdog.calls, c)
	watchdog.mu.Unlock()
}

// CeilingKills returns how many calls the process ceiling has ended.
func CeilingKills() int64 { return watchdog.kills.Load() }

func watchdogLoop() {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() int64 {
		metrics.Read(sample)
		return int64(sample[0].Value.Uint64())
	}
	last := read()
	var lastGC time.Time
	t := time.NewTicker(watchdogPeriod)
	defer t.Stop()
	for range t.C {
		heap := read()
		grew := heap-last > watchdogGrowth
		last = heap
		over := heap > MemoryCeiling()
		watchdog.mu.Lock()
		if watchdog.live <= 0 {
			watchdog.running = false
			watchdog.mu.Unlock()
			return
		}
		if grew || over {
			for c := range watchdog.calls {
				c.requestCheck()
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
		for c := range watchdog.calls {
			c.kill()
		}
		watchdog.mu.Unlock()
		last = read()
	}
}

// kill ends the running call for the process ceiling. Only the flags the
// call's goroutine reads atomically are touched here; the call itself sets
// fatal when it sees them.
func (c *counter) kill() {
	c.killed.Store(true)
	c.requestCheck()
	watchdog.kills.Add(1)
}
