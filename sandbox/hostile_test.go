package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sandpiper/core/message"
)

// The hostile suite runs every script of testdata/hostile/*.lua in a fresh
// sandbox with small limits, while a well-behaved filter runs in the same
// process. Each script's first line says what it attempts and, after
// "Expect: ", the text its error must contain (or, written /.../, a regular
// expression it must match); "-- Call: timer_event" or
// "-- Call: initialization" on a following comment line says where the
// attack runs (process_message by default), "-- Kind: decoder" makes it a
// decoder, and "-- Stopped by: the call time limit" says that only the
// watchdog's wall-clock limit can stop it (its instructions do work that
// no count sees); every other script must be stopped by the limits proper.
// Scripts that reveal a hole the sandbox has not closed yet live in
// testdata/hostile/open/, outside the glob, with a README saying what fails.

// hostileLimits are small so that every script meets its limit fast: a
// quarter of Heka's instruction limit keeps the suite quick under -race,
// where gopher-lua runs several times slower. (A script that ran to the
// call time limit instead would fail on its error, which names that limit.)
var hostileLimits = Limits{Memory: 2 << 20, Instructions: 250_000, Output: 64 << 10}

// The process heap bounds. The watchdog ends every running call once the
// heap stays above hostileWatchdogCeiling after a collection; the suite
// asserts that the heap never passed hostileHeapCeiling, twice that. The
// margin is what can land between two looks of the watchdog (a few ms):
// the allocation of one instruction or one Go function, which the per-call
// accounting bounds to a few times the 2 MiB limit, plus the garbage Go's
// collector lets accumulate at GOGC=100 (as much again as the live heap).
// A heap past 512 MiB means some allocation escaped both the sandbox's
// accounting and the watchdog.
const (
	hostileWatchdogCeiling = 256 << 20
	hostileHeapCeiling     = 512 << 20
)

// hostileMeasuredBound bounds the sandbox's own measure of a script's heap
// (Stats.MaxMemory): 32 times the memory limit. Between two measurements a
// script adds what its instructions allocate until the next one, which
// comes after a set number of instructions or when the watchdog sees the
// process heap grow by watchdogGrowth (a few MiB) between two looks; a
// concatenation that doubles a string just under that can take the measure
// to about 32 MiB. A sandbox
// that measured more let a script hold tens of times its limit.
const hostileMeasuredBound = 64 << 20

// hostileTimeout bounds one script's run: a call that is not stopped
// within it is a hole. 250,000 instructions are tens of milliseconds of
// work, hundreds under -race; a call whose few instructions do far more
// work than they count for is ended by the sandbox's call time limit
// (DefaultCallTimeLimit, 3 s).
const hostileTimeout = 5 * time.Second

// callTimeLimitLog is what a sandbox logs when the watchdog's call time
// limit ended its call.
const callTimeLimitLog = "its instructions did far more work than they count for"

// hostileScript is one script of the suite with what its header says.
type hostileScript struct {
	path    string
	attempt string         // what the script attempts
	expect  string         // text the error must contain
	re      *regexp.Regexp // expect as a regular expression, when written /.../
	call    string         // "process_message", "timer_event" or "initialization"
	kind    Kind
	timed   bool // stopped by the call time limit
}

// callName is the prefix the sandbox's error starts with.
func (h hostileScript) callName() string {
	if h.call == initCall {
		return initCall
	}
	return h.call + "()"
}

// readHostileScript parses the header of the script at path.
func readHostileScript(path string) (hostileScript, error) {
	h := hostileScript{path: path, call: "process_message", kind: Filter}
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, ok := strings.CutPrefix(sc.Text(), "-- ")
		if !ok {
			break
		}
		if n == 1 {
			attempt, expect, found := strings.Cut(line, " Expect: ")
			if !found || expect == "" {
				return h, fmt.Errorf("%s:1: the first line has no \"Expect: <error text>\"", path)
			}
			h.attempt, h.expect = attempt, expect
			if len(expect) > 2 && expect[0] == '/' && expect[len(expect)-1] == '/' {
				if h.re, err = regexp.Compile(expect[1 : len(expect)-1]); err != nil {
					return h, fmt.Errorf("%s:1: %v", path, err)
				}
			}
			continue
		}
		key, value, _ := strings.Cut(line, ": ")
		switch {
		case key == "Call" && (value == "process_message" || value == "timer_event" || value == initCall):
			h.call = value
		case key == "Kind" && value == "decoder":
			h.kind = Decoder
		case key == "Stopped by" && value == "the call time limit":
			h.timed = true
		default:
			return h, fmt.Errorf("%s:%d: unknown header line %q", path, n, sc.Text())
		}
	}
	if h.expect == "" {
		return h, fmt.Errorf("%s: no header comment", path)
	}
	return h, sc.Err()
}

// hostileRecorder keeps what a hostile sandbox injected and logged.
type hostileRecorder struct {
	mu       sync.Mutex
	injected []*message.Message
	log      []string
}

func (r *hostileRecorder) inject(m *message.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.injected = append(r.injected, m)
	return nil
}

func (r *hostileRecorder) logLine(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, line)
}

// readHeap returns the bytes of the process heap's objects, the figure the
// sandbox's watchdog reads (garbage included, until a collection frees
// it), and the bytes the last collection found live.
func readHeap() (objects, live uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64(), sample[1].Value.Uint64()
}

// heapSampler records the largest process heap seen over the suite, and
// the largest live heap since the start of the current script, reading
// them every millisecond from its own goroutine until finish.
type heapSampler struct {
	mu         sync.Mutex
	peak       uint64 // objects
	scriptPeak uint64 // live
	stop       chan struct{}
	done       chan struct{}
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	h.record()
	go func() {
		defer close(h.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-h.stop:
				h.record()
				return
			case <-tick.C:
				h.record()
			}
		}
	}()
	return h
}

func (h *heapSampler) record() {
	objects, live := readHeap()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.peak = max(h.peak, objects)
	h.scriptPeak = max(h.scriptPeak, live)
}

// startScript returns the live heap now, from which the script's peak
// counts.
func (h *heapSampler) startScript() uint64 {
	_, live := readHeap()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.scriptPeak = live
	return live
}

// scriptPeakNow records the heap and returns the largest live heap since
// startScript.
func (h *heapSampler) scriptPeakNow() uint64 {
	h.record()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.scriptPeak
}

// finish stops the sampler's goroutine and returns the peak heap.
func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak
}

// bystanderScript is a well-behaved filter: it counts messages and reports
// the count from timer_event.
const bystanderScript = `
count = 0
function process_message()
    if read_message("Type") ~= "bystander" then return -1, "wrong Type" end
    count = count + 1
    return 0
end
function timer_event(ns)
    inject_message({Type = "count", Fields = {count = {value = count, value_type = 2}}})
end
`

// bystander runs a well-behaved filter in its own goroutine, calling
// ProcessMessage until finish, and counts the calls that succeeded. The
// first failure stops it.
type bystander struct {
	s       *Sandbox
	rec     hostileRecorder
	ok      atomic.Int64
	failure atomic.Pointer[string]
	stop    chan struct{}
	done    chan struct{}
}

func startBystander(t *testing.T) *bystander {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bystander.lua")
	if err := os.WriteFile(path, []byte(bystanderScript), 0o644); err != nil {
		t.Fatal(err)
	}
	b := &bystander{stop: make(chan struct{}), done: make(chan struct{})}
	s, err := New(Config{Name: "bystander", Script: path, Inject: b.rec.inject, Log: b.rec.logLine})
	if err != nil {
		t.Fatal(err)
	}
	b.s = s
	go func() {
		defer close(b.done)
		m := message.New(1)
		m.Type = "bystander"
		for {
			select {
			case <-b.stop:
				return
			default:
			}
			status, msg, err := s.ProcessMessage(m)
			if err != nil || status != 0 {
				f := fmt.Sprintf("call %d: status %d %q, error %v", b.ok.Load()+1, status, msg, err)
				b.failure.Store(&f)
				return
			}
			b.ok.Add(1)
			// A short pause leaves the second core to the hostile script
			// and the watchdog on a loaded machine.
			time.Sleep(50 * time.Microsecond)
		}
	}()
	return b
}

// progressed waits until the bystander has completed more than n calls,
// for at most d; it reports whether it did.
func (b *bystander) progressed(n int64, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for b.ok.Load() <= n {
		if b.failure.Load() != nil || time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
	return true
}

// failed returns how the bystander failed, or "no failure".
func (b *bystander) failed() string {
	if f := b.failure.Load(); f != nil {
		return *f
	}
	return "no failure"
}

// finish stops the bystander's goroutine and checks that its script's own
// count matches the calls that succeeded.
func (b *bystander) finish(t *testing.T) {
	t.Helper()
	close(b.stop)
	<-b.done
	defer b.s.Stop()
	if b.failure.Load() != nil {
		t.Fatalf("bystander filter failed: %s", b.failed())
	}
	if err := b.s.TimerEvent(1, false); err != nil {
		t.Fatalf("bystander timer_event: %v", err)
	}
	if len(b.rec.injected) != 1 {
		t.Fatalf("bystander injected %d messages, want 1", len(b.rec.injected))
	}
	f := b.rec.injected[0].Field("count", 0)
	if f == nil || f.Type != message.Integer || f.Integers[0] != b.ok.Load() {
		t.Fatalf("bystander counted %+v, want INTEGER %d", f, b.ok.Load())
	}
	t.Logf("bystander: %d calls", b.ok.Load())
}

// hostileEnv is what the escape scripts try to reach, fresh for each script.
type hostileEnv struct {
	escapePath    string // a file no script may create
	victimPath    string // a file no script may delete
	outsideModule string // a Lua file outside the module directories
	moduleDir     string
	secretName    string // an environment variable no script may read
	secret        string
}

func newHostileEnv(t *testing.T, secretName, secret string) hostileEnv {
	t.Helper()
	dir := t.TempDir()
	e := hostileEnv{
		escapePath:    filepath.Join(dir, "escaped"),
		victimPath:    filepath.Join(dir, "victim"),
		outsideModule: filepath.Join(dir, "x.lua"),
		moduleDir:     filepath.Join(dir, "modules"),
		secretName:    secretName,
		secret:        secret,
	}
	// require "../x" from moduleDir would find outsideModule.
	if err := os.Mkdir(e.moduleDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string]string{
		e.victimPath:    "keep me",
		e.outsideModule: `return "escaped"`,
	} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// check fails t when a script reached anything outside its sandbox.
func (e hostileEnv) check(t *testing.T, texts []string) {
	t.Helper()
	if _, err := os.Stat(e.escapePath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the script created %s (stat: %v)", e.escapePath, err)
	}
	if _, err := os.Stat(e.victimPath); err != nil {
		t.Errorf("the script removed %s: %v", e.victimPath, err)
	}
	for _, s := range texts {
		if strings.Contains(s, e.secret) {
			t.Errorf("the environment variable %s leaked: %q", e.secretName, s)
		}
	}
}

// hostileSuite is what every run of the suite shares.
type hostileSuite struct {
	by         *bystander
	heap       *heapSampler
	secretName string // the environment variable that must not leak
	secret     string // its value
}

// hostileOutcome is what one hostile run produced.
type hostileOutcome struct {
	s      *Sandbox // nil when New failed
	err    error
	status int    // what process_message returned, when it returned
	errMsg string // the error string it returned with status
}

// runHostile runs the script h in a fresh sandbox and checks that it was
// stopped with its expected error, reached nothing outside, and did not
// stop the bystander.
func runHostile(t *testing.T, h hostileScript, suite *hostileSuite) {
	by := suite.by
	env := newHostileEnv(t, suite.secretName, suite.secret)
	rec := &hostileRecorder{}
	cfg := Config{
		Name:   "hostile",
		Kind:   h.kind,
		Script: h.path,
		Config: map[string]any{
			"escape_path":    env.escapePath,
			"victim_path":    env.victimPath,
			"outside_module": env.outsideModule,
			"secret_name":    env.secretName,
		},
		Limits:     hostileLimits,
		ModuleDirs: []string{env.moduleDir},
		Inject:     rec.inject,
		Log:        rec.logLine,
	}
	base := suite.heap.startScript()
	before := by.ok.Load()
	start := time.Now()
	// The run has its own goroutine so that a script the sandbox cannot
	// stop fails this test instead of hanging the suite; such a goroutine
	// is left running (the sandbox cannot be closed under it) until the
	// test binary exits.
	done := make(chan hostileOutcome, 1)
	go func() {
		s, err := New(cfg)
		if err != nil || h.call == initCall {
			done <- hostileOutcome{s: s, err: err}
			return
		}
		m := message.New(1)
		m.Type, m.Payload = "hostile", "key=value"
		switch h.call {
		case "timer_event":
			err = s.TimerEvent(1, false)
		default:
			status, errMsg, err := s.ProcessMessage(m)
			done <- hostileOutcome{s, err, status, errMsg}
			return
		}
		done <- hostileOutcome{s: s, err: err}
	}()
	var out hostileOutcome
	select {
	case out = <-done:
	case <-time.After(hostileTimeout):
		t.Fatalf("%s: not stopped after %v (it attempts: %s)", h.path, hostileTimeout, h.attempt)
	}
	elapsed := time.Since(start)
	growth := int64(suite.heap.scriptPeakNow()) - int64(base)
	if out.s != nil {
		defer out.s.Stop()
	}

	want := h.callName() + " "
	switch {
	case out.err == nil:
		t.Errorf("no error (status %d, %q), want %q", out.status, out.errMsg, h.expect)
	case h.re != nil && !h.re.MatchString(out.err.Error()):
		t.Errorf("error %q, want it to match %s", out.err, h.expect)
	case h.re == nil && !strings.Contains(out.err.Error(), h.expect):
		t.Errorf("error %q, want it to contain %q", out.err, h.expect)
	case h.call == initCall && out.s != nil:
		t.Errorf("New succeeded, want %q", h.expect)
	case h.call != initCall && !strings.HasPrefix(out.err.Error(), want):
		t.Errorf("error %q, want it to start with %q", out.err, want)
	}
	var st Stats
	if out.s != nil && h.call != initCall {
		if term := out.s.Terminated(); term == nil && out.err != nil {
			t.Errorf("sandbox not terminated after %v", out.err)
		}
		st = out.s.Stats()
		if st.MaxInstructions > hostileLimits.Instructions {
			t.Errorf("MaxInstructions = %d, over the limit %d", st.MaxInstructions, hostileLimits.Instructions)
		}
		if st.MaxMemory > hostileMeasuredBound {
			t.Errorf("the sandbox measured %d MiB before stopping the script, over %d MiB (limit %d MiB)",
				st.MaxMemory>>20, hostileMeasuredBound>>20, hostileLimits.Memory>>20)
		}
	}

	rec.mu.Lock()
	texts := append([]string{fmt.Sprint(out.err)}, rec.log...)
	for _, m := range rec.injected {
		texts = append(texts, string(m.AppendJSON(nil)))
	}
	injected, logged := len(rec.injected), len(rec.log)
	timed := slices.ContainsFunc(rec.log, func(line string) bool { return strings.Contains(line, callTimeLimitLog) })
	rec.mu.Unlock()
	if timed != h.timed {
		t.Errorf("stopped by the call time limit: %v, want %v (log %q)", timed, h.timed, rec.log)
	}
	env.check(t, texts)
	quota := map[string]int{"process_message": 1, "timer_event": 10, initCall: 0}[h.call]
	if h.kind == Decoder {
		quota = 0 // a decoder's call that failed delivers nothing
	}
	if injected > quota {
		t.Errorf("%d messages injected, over the quota of %d", injected, quota)
	}
	if logged > printBurst+1 {
		t.Errorf("%d log lines, over the print burst of %d", logged, printBurst)
	}
	// A run shorter than one bystander call proves nothing by itself, so
	// the bystander must also go on after it.
	if !by.progressed(before+1, hostileTimeout) {
		t.Errorf("the bystander filter made no progress during and after the run (calls: %d before, %d now): %s",
			before, by.ok.Load(), by.failed())
	}
	t.Logf("%v, live heap +%d MiB, measured %d KiB, bystander +%d calls",
		elapsed.Round(time.Millisecond), growth>>20, st.MaxMemory>>10, by.ok.Load()-before)
}

// TestHostile runs the hostile suite.
func TestHostile(t *testing.T) {
	paths, err := filepath.Glob("testdata/hostile/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 25 {
		t.Fatalf("%d hostile scripts, want at least 25", len(paths))
	}
	scripts := make([]hostileScript, len(paths))
	for i, path := range paths {
		if scripts[i], err = readHostileScript(path); err != nil {
			t.Fatal(err)
		}
	}
	SetMemoryCeiling(hostileWatchdogCeiling)
	defer SetMemoryCeiling(0)
	const secretName = "SANDPIPER_HOSTILE_SECRET"
	secret := fmt.Sprintf("secret-%x", time.Now().UnixNano())
	t.Setenv(secretName, secret)

	heap := startHeapSampler()
	by := startBystander(t)
	suite := &hostileSuite{by: by, heap: heap, secretName: secretName, secret: secret}
	start := time.Now()
	for _, h := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(h.path), ".lua"), func(t *testing.T) {
			runHostile(t, h, suite)
		})
	}
	elapsed := time.Since(start)
	by.finish(t)
	peak := heap.finish()
	t.Logf("%d scripts in %v, peak process heap %d MiB", len(scripts), elapsed.Round(time.Millisecond), peak>>20)
	if peak > hostileHeapCeiling {
		t.Errorf("the process heap reached %d MiB, over the ceiling of %d MiB", peak>>20, hostileHeapCeiling>>20)
	}
}
