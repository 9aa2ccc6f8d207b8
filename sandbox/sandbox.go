// Package sandbox runs Lua filters and decoders in gopher-lua with Heka's
// sandbox API and Heka's limits.
//
// One Sandbox is one Lua state running one script, single-threaded: its
// methods must not be called from several goroutines at once (Stats and
// Terminated excepted). A Pool runs N identical sandboxes of one script for
// callers on N goroutines.
//
// A script gets Heka's environment (no io, os limited to time, date and
// clock, no load*, dofile, collectgarbage, coroutine or debug) and Heka's
// functions: read_config, read_message, read_next_field, write_message,
// inject_message, inject_payload, add_to_payload, decode_message and
// encode_message; docs/lua-api.md is the user's reference.
//
// Limits are enforced per call: the instruction limit exactly (every VM
// instruction is counted, and the Go functions offered to Lua charge their
// work through budget.Budget), the memory limit by measuring the retained
// Lua heap (see memory.go) backed by a process-wide ceiling (see
// watchdog.go), and the output limit on every injected message and payload.
// A sandbox that exceeds a limit, returns a status > 0 or raises a Lua error
// is terminated, as in Heka: every later call returns the same error.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/message"
	"sandpiper/sandbox/budget"
)

// Kind says whether a script is a filter or a decoder; the two differ in
// what inject_message does to headers and in whether write_message exists.
type Kind int

// The kinds of sandbox.
const (
	Filter Kind = iota
	Decoder
)

// String returns "filter" or "decoder".
func (k Kind) String() string {
	switch k {
	case Filter:
		return "filter"
	case Decoder:
		return "decoder"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Limits are a sandbox's limits, named as Heka's options memory_limit,
// instruction_limit and output_limit. A zero field takes Heka's default.
type Limits struct {
	Memory       int64 // bytes of retained Lua heap; default 8 MiB
	Instructions int64 // Lua VM instructions per call; default 1,000,000
	Output       int64 // bytes per injected message or payload; default 64 KiB
}

// Heka's default limits.
const (
	DefaultMemoryLimit      = 8 << 20
	DefaultInstructionLimit = 1000000
	DefaultOutputLimit      = 64 << 10
)

func (l Limits) withDefaults() Limits {
	if l.Memory <= 0 {
		l.Memory = DefaultMemoryLimit
	}
	if l.Instructions <= 0 {
		l.Instructions = DefaultInstructionLimit
	}
	if l.Output <= 0 {
		l.Output = DefaultOutputLimit
	}
	return l
}

// InjectLimits are the numbers of messages a script may inject per call.
// Zero takes Heka's defaults (filters: 1 per process_message and 10 per
// timer_event; decoders: unlimited); a negative value means unlimited.
type InjectLimits struct {
	ProcessMessage int
	TimerEvent     int
}

// Config describes one sandbox.
type Config struct {
	Name         string         // the plugin's name: Logger of a filter's injections, prefix of errors
	Kind         Kind           // Filter or Decoder
	Script       string         // path of the .lua file
	Config       map[string]any // what read_config(name) returns: string, int64, float64, bool, []any of those
	Limits       Limits         // zero fields take Heka's defaults
	ModuleDirs   []string       // where require finds NAME.lua (NAME of [A-Za-z0-9_.], dots become /)
	PreserveData bool           // save the globals on Stop and restore them in New
	PreservePath string         // the file the globals are saved to and restored from
	InjectLimits InjectLimits   // per-call inject quotas
	// Source, when not nil, is the script's text, and Script only names it
	// in errors (a script shipped inside the binary).
	Source []byte
	// Hostname, when set, is the Hostname of every message a filter
	// injects (Heka stamped the daemon's host name; scripts cannot set it).
	Hostname string
	// Inject receives each injected message, a fresh message it may keep.
	// A decoder's messages are delivered after process_message returned 0
	// (none after a failure). Inject is called from the goroutine running
	// the call; in a Pool, from several goroutines at once. An error it
	// returns fails the Lua call to inject_message, which terminates the
	// sandbox unless the script catches it with pcall.
	Inject func(m *message.Message) error
	// Log receives what print writes and the sandbox's own notices
	// (restore problems, dropped print lines). Print lines are rate
	// limited: a burst of printBurst, then printRate per second.
	Log func(line string)
	// Now returns the time in ns since the epoch for the Timestamp of
	// injected messages that set none; nil means time.Now.
	Now func() int64
}

// initCall names the run of the script's top level in errors.
const initCall = "initialization"

// Sandbox is one Lua state running one script.
type Sandbox struct {
	cfg    Config
	limits Limits
	state  *lua.LState
	ctr    counter

	processFn *lua.LFunction
	timerFn   *lua.LFunction

	// The running call's state.
	current    *message.Message // the message process_message reads; nil in timer_event
	fieldIter  int              // read_next_field's position in current.Fields
	injectLeft int              // inject quota left, <0 unlimited
	pending    []*message.Message
	// heldBytes is the memory the call holds outside the Lua heap: the
	// messages in pending and what write_message put into the message
	// being decoded. It counts in the heap's measure while the call runs.
	heldBytes  int64
	payload    []byte                       // add_to_payload's buffer
	emit       func(*message.Message) error // this call's Inject, when set
	callName   string                       // "process_message()" or "timer_event()"
	callOutput int64                        // largest output of this call

	mem     memState
	sorting int // table.sort calls running (see tidy)
	printer printLimiter
	modules moduleState

	builtinGlobals map[string]lua.LValue // the environment's own globals, never preserved

	stats      liveStats
	terminated atomic.Pointer[error]
}

// Stats are a sandbox's statistics since New, named after Heka's report
// fields.
type Stats struct {
	Calls           int64 // process_message and timer_event calls
	Errors          int64 // calls that returned a status < 0 or terminated the sandbox
	Injected        int64 // messages delivered to Inject
	Memory          int64 // retained Lua heap at the last measurement, bytes
	MaxMemory       int64 // largest measured Lua heap, bytes
	MaxInstructions int64 // most instructions used by one call
	MaxOutput       int64 // largest injected message or payload, bytes
	// Call durations are sampled, as Heka sampled them, because reading
	// the clock twice costs a tenth of a short call: the first call and
	// then one call in timeSampleEvery are timed.
	TimedCalls int64         // calls timed
	TimedTotal time.Duration // their total duration
	MaxTime    time.Duration // the longest timed call
}

// liveStats are the statistics as the sandbox's goroutine updates them:
// atomics, because Stats may be called from any goroutine. Calls are
// counted by the counter's call number; the maxima change rarely, and only
// the sandbox's goroutine writes them, so that a call that sets no record
// stores nothing here.
type liveStats struct {
	errors, injected                atomic.Int64
	memory, maxMemory               atomic.Int64
	maxInstructions, maxOutput      atomic.Int64
	timedCalls, timedTotal, maxTime atomic.Int64
}

// raise stores v in m when it is larger; m has one writer.
func raise(m *atomic.Int64, v int64) {
	if v > m.Load() {
		m.Store(v)
	}
}

// MeanTime returns the mean duration of the timed calls, 0 before the
// first.
func (st Stats) MeanTime() time.Duration {
	if st.TimedCalls == 0 {
		return 0
	}
	return st.TimedTotal / time.Duration(st.TimedCalls)
}

func (st *Stats) add(o Stats) {
	st.Calls += o.Calls
	st.Errors += o.Errors
	st.Injected += o.Injected
	st.Memory += o.Memory
	st.MaxMemory += o.MaxMemory
	st.MaxInstructions = max(st.MaxInstructions, o.MaxInstructions)
	st.MaxOutput = max(st.MaxOutput, o.MaxOutput)
	st.TimedCalls += o.TimedCalls
	st.TimedTotal += o.TimedTotal
	st.MaxTime = max(st.MaxTime, o.MaxTime)
}

// The Lua call stack and data stack bounds: deep recursion fails with
// "stack overflow" well before either costs much memory.
const (
	callStackSize    = 200
	registrySize     = 1024
	registryMaxSize  = 64 * 1024
	registryGrowStep = 1024
)

// New loads cfg.Script, runs its top level within the limits, checks that
// it defines process_message, and restores preserved globals when
// cfg.PreserveData is set. The error names the script and what failed.
//
// Preserved data that cannot be restored (corrupt, saved under another
// _PRESERVATION_VERSION, or over the memory limit once restored) is
// logged through cfg.Log and the sandbox starts clean.
func New(cfg Config) (*Sandbox, error) {
	return build(cfg, cfg.PreserveData && cfg.PreservePath != "")
}

func build(cfg Config, restore bool) (*Sandbox, error) {
	src := cfg.Source
	if src == nil {
		var err error
		if src, err = os.ReadFile(cfg.Script); err != nil {
			return nil, fmt.Errorf("sandbox %s: %w", cfg.Name, err)
		}
	}
	s := &Sandbox{cfg: cfg, limits: cfg.Limits.withDefaults()}
	s.state = lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       callStackSize,
		RegistrySize:        registrySize,
		RegistryMaxSize:     registryMaxSize,
		RegistryGrowStep:    registryGrowStep,
		MinimizeStackMemory: true,
	})
	s.ctr.init(s)
	s.state.SetContext(&s.ctr)
	useVM(s.state)
	s.printer.init(time.Now())
	s.openEnvironment()
	s.openAPI()

	fn, err := s.state.Load(strings.NewReader(string(src)), cfg.Script)
	if err != nil {
		s.state.Close()
		// gopher-lua's syntax errors end with a newline; errors here are
		// one line each.
		return nil, fmt.Errorf("sandbox %s: load %s: %s", cfg.Name, cfg.Script, strings.TrimSpace(err.Error()))
	}
	watchdogAdd(&s.ctr)
	s.callName = initCall
	s.beginCall(-1)
	s.state.Push(fn)
	err = s.state.PCall(0, 0, nil)
	if err == nil && s.ctr.fatal == nil {
		s.measure()
	}
	if err = s.endCall(err); err != nil {
		s.close()
		return nil, fmt.Errorf("sandbox %s: %s: %w", cfg.Name, cfg.Script, err)
	}
	var ok bool
	if s.processFn, ok = s.state.GetGlobal("process_message").(*lua.LFunction); !ok {
		s.close()
		return nil, fmt.Errorf("sandbox %s: %s does not define the function process_message", cfg.Name, cfg.Script)
	}
	s.timerFn, _ = s.state.GetGlobal("timer_event").(*lua.LFunction)
	if restore {
		s.restore()
		s.measure()
		if s.mem.current > s.limits.Memory {
			s.close()
			s.logf("preserve data %s: the restored globals take %d bytes, more than the memory limit of %d; starting clean",
				cfg.PreservePath, s.mem.current, s.limits.Memory)
			return build(cfg, false)
		}
	}
	return s, nil
}

// Name returns the plugin name the sandbox was configured with.
func (s *Sandbox) Name() string { return s.cfg.Name }

// ProcessMessage calls the script's process_message() with m as the
// message read_message reads (and, for decoders, write_message changes).
// status and errMsg are what the script returned (status 0 success, < 0
// failure of this message). err is non-nil when the sandbox is terminated:
// a limit was exceeded ("process_message() instruction_limit exceeded"),
// the script raised an error, returned a status > 0, or was terminated
// before; every later call returns the same err.
//
// A decoder's injected messages are delivered to Config.Inject after a
// status of 0 only, in the order injected; a decoder that injects nothing
// emits nothing (Heka's SandboxDecoder), so a decoder that only rewrites m
// with write_message passes it on with inject_message(read_message("raw")).
func (s *Sandbox) ProcessMessage(m *message.Message) (status int, errMsg string, err error) {
	return s.ProcessMessageTo(m, nil)
}

// ProcessMessageTo is ProcessMessage with this call's injected messages
// going to emit instead of Config.Inject (when emit is not nil): a caller
// running a Pool from several goroutines gets each input's outputs apart,
// in order, to keep the order of a stream.
func (s *Sandbox) ProcessMessageTo(m *message.Message, emit func(*message.Message) error) (status int, errMsg string, err error) {
	if err := s.Terminated(); err != nil {
		return 0, "", err
	}
	s.emit = emit
	s.callName = "process_message()"
	s.current, s.fieldIter = m, 0
	s.beginCall(s.injectQuota(s.cfg.InjectLimits.ProcessMessage, 1))
	L := s.state
	L.Push(s.processFn)
	perr := L.PCall(0, 2, nil)
	if perr == nil {
		status, errMsg, perr = s.results()
	}
	err = s.endCall(perr)
	s.current = nil
	if err == nil && status > 0 {
		err = fmt.Errorf("process_message() returned %d: %s", status, errMsg)
		if errMsg == "" {
			err = fmt.Errorf("process_message() returned %d", status)
		}
		s.terminate(err)
	}
	if err == nil && status == 0 && len(s.pending) > 0 {
		if ferr := s.flushPending(); ferr != nil {
			err = fmt.Errorf("process_message() inject_message() %w", ferr)
			s.terminate(err)
		}
	}
	s.emit = nil
	clear(s.pending)
	s.pending = s.pending[:0]
	s.heldBytes = 0
	if err != nil || status < 0 {
		s.countError()
	}
	return status, errMsg, err
}

// results pops process_message's status and optional error string.
func (s *Sandbox) results() (int, string, error) {
	L := s.state
	top := L.GetTop()
	rs, re := L.Get(top-1), L.Get(top)
	L.SetTop(top - 2)
	n, ok := rs.(lua.LNumber)
	if !ok {
		return 0, "", fmt.Errorf("must return a numeric status, not %s", rs.Type())
	}
	var msg string
	switch e := re.(type) {
	case *lua.LNilType:
	case lua.LString:
		msg = string(e)
	default:
		return 0, "", fmt.Errorf("must return a string or nil as the error message, not %s", re.Type())
	}
	return int(n), msg, nil
}

// flushPending hands a decoder's injected messages to Inject.
func (s *Sandbox) flushPending() error {
	for i, m := range s.pending {
		if err := s.deliver(m); err != nil {
			clear(s.pending[i:])
			return err
		}
		s.pending[i] = nil
	}
	return nil
}

func (s *Sandbox) deliver(m *message.Message) error {
	inject := s.cfg.Inject
	if s.emit != nil {
		inject = s.emit
	}
	if inject != nil {
		if err := inject(m); err != nil {
			return err
		}
	}
	s.stats.injected.Add(1)
	return nil
}

// TimerEvent calls the script's timer_event(ns, shutdown). Filters only;
// a script without timer_event gets an error that does not terminate it.
// err is non-nil as for ProcessMessage when the sandbox is terminated.
func (s *Sandbox) TimerEvent(ns int64, shutdown bool) error {
	if err := s.Terminated(); err != nil {
		return err
	}
	if s.cfg.Kind != Filter {
		return fmt.Errorf("sandbox %s: timer_event() is for filters, not %ss", s.cfg.Name, s.cfg.Kind)
	}
	if s.timerFn == nil {
		return fmt.Errorf("sandbox %s: %s does not define timer_event", s.cfg.Name, s.cfg.Script)
	}
	s.callName = "timer_event()"
	s.beginCall(s.injectQuota(s.cfg.InjectLimits.TimerEvent, 10))
	s.state.Push(s.timerFn)
	s.state.Push(lua.LNumber(ns))
	s.state.Push(lua.LBool(shutdown))
	err := s.endCall(s.state.PCall(2, 0, nil))
	if err != nil {
		s.countError()
	}
	return err
}

func (s *Sandbox) injectQuota(configured, filterDefault int) int {
	switch {
	case configured < 0:
		return -1
	case configured > 0:
		return configured
	case s.cfg.Kind == Filter:
		return filterDefault
	}
	return -1
}

// beginCall resets the per-call state before a Lua call.
func (s *Sandbox) beginCall(injectQuota int) {
	s.injectLeft = injectQuota
	s.printer.refill()
	s.payload = s.payload[:0]
	s.callOutput = 0
	s.ctr.begin()
}

// endCall turns the outcome of a Lua call into the sandbox's error,
// terminating it when the call failed, and updates the statistics.
func (s *Sandbox) endCall(perr error) error {
	elapsed, timed := s.ctr.end()
	used := s.ctr.used()
	var err error
	switch {
	case s.ctr.fatal != nil:
		err = fmt.Errorf("%s %w", s.callName, s.ctr.fatal)
	case perr != nil:
		err = fmt.Errorf("%s %s", s.callName, luaErrorText(perr))
	}
	if err == nil {
		s.mem.afterCall(s, used)
		if s.mem.current > s.limits.Memory {
			err = fmt.Errorf("%s %w", s.callName, budget.ErrMemory)
		}
	}
	st := &s.stats
	if timed { // never the initialization
		st.timedCalls.Add(1)
		st.timedTotal.Add(int64(elapsed))
		raise(&st.maxTime, int64(elapsed))
	}
	raise(&st.maxInstructions, used)
	raise(&st.maxOutput, s.callOutput)
	if st.memory.Load() != s.mem.current {
		st.memory.Store(s.mem.current)
		raise(&st.maxMemory, s.mem.current)
	}
	if err != nil {
		s.terminate(err)
	}
	return err
}

// luaErrorText returns the message of a Lua error without gopher-lua's
// stack traceback.
func luaErrorText(err error) string {
	var ae *lua.ApiError
	if errors.As(err, &ae) && ae.Object != nil {
		return ae.Object.String()
	}
	return err.Error()
}

func (s *Sandbox) countError() {
	s.stats.errors.Add(1)
}

func (s *Sandbox) terminate(err error) {
	s.terminated.CompareAndSwap(nil, &err)
}

// Terminated returns the error that terminated the sandbox, nil while it is
// alive. Safe for concurrent use.
func (s *Sandbox) Terminated() error {
	if p := s.terminated.Load(); p != nil {
		return *p
	}
	return nil
}

// Stats returns the sandbox's statistics. Safe for concurrent use.
func (s *Sandbox) Stats() Stats {
	st := &s.stats
	return Stats{
		Calls:           s.ctr.begun() - 1, // not the initialization
		Errors:          st.errors.Load(),
		Injected:        st.injected.Load(),
		Memory:          st.memory.Load(),
		MaxMemory:       st.maxMemory.Load(),
		MaxInstructions: st.maxInstructions.Load(),
		MaxOutput:       st.maxOutput.Load(),
		TimedCalls:      st.timedCalls.Load(),
		TimedTotal:      time.Duration(st.timedTotal.Load()),
		MaxTime:         time.Duration(st.maxTime.Load()),
	}
}

// Stop saves the globals when Config.PreserveData is set and the sandbox
// was not terminated (a terminated script's state may be half-updated), and
// releases the Lua state. The save is atomic: a temporary file in the same
// directory, renamed over PreservePath. The sandbox is unusable afterwards.
func (s *Sandbox) Stop() error {
	if s.state == nil {
		return nil
	}
	var err error
	if s.cfg.PreserveData && s.cfg.PreservePath != "" && s.Terminated() == nil {
		err = s.preserve()
	}
	s.close()
	s.terminate(fmt.Errorf("sandbox %s: stopped", s.cfg.Name))
	return err
}

func (s *Sandbox) close() {
	if s.state != nil {
		s.state.Close()
		s.state = nil
		watchdogRemove(&s.ctr)
	}
}

func (s *Sandbox) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log(fmt.Sprintf(format, args...))
	}
}

func (s *Sandbox) now() int64 {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now().UnixNano()
}
