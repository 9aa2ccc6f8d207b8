package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	"sandpiper/lua_modules"
	luasandbox "sandpiper/sandbox"
)

// collector gathers what a filter injects and logs.
type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
	logs []string
}

func (c *collector) inject(m *message.Message) error {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	return nil
}

func (c *collector) logf(format string, args ...any) {
	c.mu.Lock()
	c.logs = append(c.logs, strings.TrimSpace(fmt.Sprintf(format, args...)))
	c.mu.Unlock()
}

// testEnv returns an Env whose ConfigDir is testdata/ and whose Inject and
// Logf go to c.
func testEnv(t *testing.T, name string, c *collector) *pipeline.Env {
	t.Helper()
	env := pipelinetest.Env(t, name, "SandboxFilter")
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	env.ConfigDir = dir
	env.Inject = c.inject
	env.Logf = c.logf
	return env
}

func build(t *testing.T, env *pipeline.Env, options string) *filter {
	t.Helper()
	p, err := pipelinetest.Build(env, "SandboxFilter", options)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p.(*filter)
}

func pack(typ string) *pipeline.Pack {
	m := message.New(1)
	m.Type = typ
	return &pipeline.Pack{Message: m}
}

func TestCountsAndInjectsOnTimer(t *testing.T) {
	c := new(collector)
	env := testEnv(t, "counting", c)
	f := build(t, env, `filename = "counting.lua"`)
	for _, typ := range []string{"a", "bad", "b", "bad", "c"} {
		if err := f.Process(pack(typ)); err != nil {
			t.Fatalf("Process(%s): %v", typ, err)
		}
	}
	if err := f.TimerEvent(60e9, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Process(pack("d")); err != nil {
		t.Fatal(err)
	}
	if err := f.TimerEvent(120e9, true); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 2 {
		t.Fatalf("injected %d messages, want 2", len(c.msgs))
	}
	for i, want := range []struct {
		payload  string
		count    int64
		shutdown bool
	}{{"3", 3, false}, {"1", 1, true}} {
		m := c.msgs[i]
		if m.Type != "heka.sandbox.count" || m.Logger != "counting" || m.Hostname != env.Globals.Hostname {
			t.Errorf("message %d: Type %q Logger %q Hostname %q", i, m.Type, m.Logger, m.Hostname)
		}
		if m.Payload != want.payload {
			t.Errorf("message %d: Payload %q, want %q", i, m.Payload, want.payload)
		}
		if f := m.Field("count", 0); f == nil || f.Type != message.Integer || len(f.Integers) != 1 || f.Integers[0] != want.count {
			t.Errorf("message %d: count field %+v, want INTEGER %d", i, f, want.count)
		}
		if f := m.Field("shutdown", 0); f == nil || len(f.Bools) != 1 || f.Bools[0] != want.shutdown {
			t.Errorf("message %d: shutdown field %+v, want %v", i, f, want.shutdown)
		}
	}
	// Two failed messages, one line logged: the second falls within
	// failureLogInterval of the first.
	if len(c.logs) != 1 || !strings.Contains(c.logs[0], `returned -1: "bad message"`) {
		t.Errorf("logs %q, want one line about the failed message", c.logs)
	}
	got := map[string]any{}
	f.Report(func(k string, v any) { got[k] = v })
	if got["failed_messages"] != int64(2) || got["calls"] != int64(8) || got["injected"] != int64(2) || got["errors"] != int64(2) {
		t.Errorf("report %v: want failed_messages 2, calls 8, injected 2, errors 2", got)
	}
	for _, k := range []string{"memory", "max_memory", "max_instructions", "max_output", "mean_time", "max_time"} {
		if _, ok := got[k]; !ok {
			t.Errorf("report has no %s: %v", k, got)
		}
	}
}

func TestFailuresLoggedAfterInterval(t *testing.T) {
	c := new(collector)
	f := build(t, testEnv(t, "counting", c), `filename = "counting.lua"`)
	defer f.Stop()
	for range 3 {
		if err := f.Process(pack("bad")); err != nil {
			t.Fatal(err)
		}
	}
	f.lastFailLog = time.Now().Add(-failureLogInterval)
	if err := f.Process(pack("bad")); err != nil {
		t.Fatal(err)
	}
	if len(c.logs) != 2 || !strings.Contains(c.logs[1], "and 2 more failed messages since the last line") {
		t.Errorf("logs %q: want the second line to count the 2 unlogged failures", c.logs)
	}
}

func TestPreserveDataAcrossRestart(t *testing.T) {
	c := new(collector)
	env := testEnv(t, "totals", c)
	options := "filename = \"preserved.lua\"\npreserve_data = true"
	f := build(t, env, options)
	for range 3 {
		if err := f.Process(pack("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(env.Globals.BaseDir, "sandbox_preservation", "totals.data")
	if _, err := os.Stat(saved); err != nil {
		t.Fatalf("preservation file: %v", err)
	}

	f = build(t, env, options)
	if err := f.Process(pack("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.TimerEvent(1e9, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 1 || c.msgs[0].Payload != "4" {
		t.Fatalf("after a restart the total is %v, want one payload \"4\"", payloads(c.msgs))
	}
}

func TestCheckModeNeitherRestoresNorSaves(t *testing.T) {
	c := new(collector)
	env := testEnv(t, "totals", c)
	options := "filename = \"preserved.lua\"\npreserve_data = true"
	dir := filepath.Join(env.Globals.BaseDir, "sandbox_preservation")

	env.Check = true
	f := build(t, env, options)
	if err := f.Process(pack("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("check mode made %s (stat: %v)", dir, err)
	}

	env.Check = false
	f = build(t, env, options)
	if err := f.Process(pack("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "totals.data")
	before, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}

	env.Check = true
	f = build(t, env, options)
	if err := f.TimerEvent(1e9, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Process(pack("x")); err != nil {
		t.Fatal(err)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 1 || c.msgs[0].Payload != "0" {
		t.Errorf("check mode restored the saved total: %v, want \"0\"", payloads(c.msgs))
	}
	if after, err := os.ReadFile(saved); err != nil || string(after) != string(before) {
		t.Errorf("check mode changed %s (read: %v)", saved, err)
	}
}

func TestRunawayScriptIsTerminated(t *testing.T) {
	c := new(collector)
	f := build(t, testEnv(t, "runaway", c), "filename = \"runaway.lua\"\ninstruction_limit = 1000")
	defer f.Stop()
	for i := range 2 {
		err := f.Process(pack("x"))
		if err == nil || !strings.Contains(err.Error(), "instruction_limit exceeded") || !strings.HasPrefix(err.Error(), "runaway: ") {
			t.Fatalf("call %d: Process error %v, want runaway: ... instruction_limit exceeded", i, err)
		}
	}
	if err := f.TimerEvent(1e9, false); err == nil || !strings.Contains(err.Error(), "instruction_limit exceeded") {
		t.Errorf("TimerEvent after termination: %v", err)
	}
}

func TestScriptWithoutTimerEvent(t *testing.T) {
	c := new(collector)
	f := build(t, testEnv(t, "no_timer", c), `filename = "no_timer.lua"`)
	defer f.Stop()
	for i := range 3 {
		if err := f.TimerEvent(int64(i+1)*1e9, false); err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
	}
	if err := f.Process(pack("x")); err != nil {
		t.Fatalf("Process after ticks: %v", err)
	}
	if len(c.logs) != 1 || !strings.Contains(c.logs[0], "does not define timer_event") {
		t.Errorf("logs %q, want one line saying the script has no timer_event", c.logs)
	}
}

func TestShippedScript(t *testing.T) {
	prev := luasandbox.BuiltinModules
	luasandbox.BuiltinModules = lua_modules.FS
	t.Cleanup(func() { luasandbox.BuiltinModules = prev })

	c := new(collector)
	f := build(t, testEnv(t, "status_counter", c), `
filename = "filters/counter.lua"
[config]
count_by = "Fields[status]"
`)
	defer f.Stop()
	if _, err := pipelinetest.Build(testEnv(t, "none", c), "SandboxFilter", `filename = "filters/none.lua"`); err == nil ||
		!strings.Contains(err.Error(), `none: filename "filters/none.lua": no such file (`) || !strings.Contains(err.Error(), "and no shipped script of that name") {
		t.Errorf("a name neither a file nor shipped: %v", err)
	}
	for _, status := range []int64{200, 404, 200} {
		p := pack("nginx.access")
		p.Message.NewField("status", message.Integer).Integers = []int64{status}
		if err := f.Process(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.TimerEvent(60e9, false); err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 1 {
		t.Fatalf("injected %d messages, want 1", len(c.msgs))
	}
	m := c.msgs[0]
	f200, f404 := m.Field("200", 0), m.Field("404", 0)
	if m.Type != "heka.sandbox.counter" || f200 == nil || f200.Integers[0] != 2 || f404 == nil || f404.Integers[0] != 1 {
		t.Errorf("report %s, want heka.sandbox.counter with 200 = 2 and 404 = 1", m.AppendJSON(nil))
	}
}

// TestShippedStatusSummaryTop runs lua_modules' status_summary.lua with the
// values of its top option that its spec, with one config, cannot.
func TestShippedStatusSummaryTop(t *testing.T) {
	prev := luasandbox.BuiltinModules
	luasandbox.BuiltinModules = lua_modules.FS
	t.Cleanup(func() { luasandbox.BuiltinModules = prev })

	for _, c := range []struct {
		name, config, want, wantErr string
	}{
		{"default five", "", " | top: 205=2 200=1 201=1 202=1 203=1", ""},
		{"none", "top = 0", " | 5xx 0 +0", ""},
		{"two", "top = 2", " | top: 205=2 200=1", ""},
		{"negative", "top = -1", "", "config top: want a whole number of 0 or more, got number -1"},
		{"fraction", "top = 1.5", "", "config top: want a whole number of 0 or more, got number 1.5"},
		{"string", `top = "5"`, "", "config top: want a whole number of 0 or more, got string 5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			col := new(collector)
			p, err := pipelinetest.Build(testEnv(t, "summary", col), "SandboxFilter",
				"filename = \"filters/status_summary.lua\"\n[config]\n"+c.config)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Build error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := p.(*filter)
			defer f.Stop()
			for _, status := range []int64{200, 201, 202, 203, 204, 205, 205} {
				pk := pack("nginx.access")
				pk.Message.NewField("status", message.Integer).Integers = []int64{status}
				if err := f.Process(pk); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.TimerEvent(10e9, false); err != nil {
				t.Fatal(err)
			}
			if len(col.msgs) != 1 || !strings.HasSuffix(col.msgs[0].Payload, c.want) {
				t.Fatalf("summary %q, want it to end with %q", payloads(col.msgs), c.want)
			}
		})
	}
}

func TestModuleDirectoryAndConfig(t *testing.T) {
	c := new(collector)
	f := build(t, testEnv(t, "greeter", c), `
filename = "uses_module.lua"
module_directory = "modules"
[config]
who = "world"
n = 42
ratio = 0.5
on = true
tags = ["a", "b"]
since = 2026-11-28T10:00:00Z
[config.nested]
key = "inner"
`)
	defer f.Stop()
	if err := f.TimerEvent(1e9, false); err != nil {
		t.Fatal(err)
	}
	if len(c.msgs) != 1 {
		t.Fatalf("injected %d messages, want 1", len(c.msgs))
	}
	got := string(c.msgs[0].AppendJSON(nil))
	for _, want := range []string{
		`"Payload":"hello world"`, `"n":42`, `"ratio":0.5`, `"on":true`, `"tags":["a","b"]`,
		`"nested":"inner"`, `"since":"2026-11-28T10:00:00Z"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("message %s lacks %s", got, want)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		name, options, want string
	}{
		{"no filename", ``, "bad: filename: required"},
		{"missing file", `filename = "nope.lua"`, `bad: filename "nope.lua": stat `},
		{"absolute missing file", `filename = "/nonexistent/x.lua"`, `bad: filename "/nonexistent/x.lua": stat /nonexistent/x.lua: no such file`},
		{"syntax error", `filename = "syntax_error.lua"`, "syntax_error.lua"},
		{"negative memory_limit", "filename = \"counting.lua\"\nmemory_limit = -1", "bad: memory_limit -1: must not be negative"},
		{"zero max_process_inject", "filename = \"counting.lua\"\nmax_process_inject = 0", "bad: max_process_inject 0: must be at least 1"},
		{"negative max_timer_inject", "filename = \"counting.lua\"\nmax_timer_inject = -2", "bad: max_timer_inject -2: must be at least 1"},
		{"missing module_directory", "filename = \"counting.lua\"\nmodule_directory = \"nodir\"", `bad: module_directory "nodir": stat `},
		{"module_directory a file", "filename = \"counting.lua\"\nmodule_directory = \"counting.lua\"", `bad: module_directory "counting.lua": `},
		{"config not a table", "filename = \"counting.lua\"\nconfig = 3", "config: want a table, got int64"},
		{"unknown option", "filename = \"counting.lua\"\nfliename = 1", `unknown option "fliename"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := testEnv(t, "bad", new(collector))
			_, err := pipelinetest.Build(env, "SandboxFilter", c.options)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Build error %v, want %q", err, c.want)
			}
		})
	}
}

func TestPreserveDataNeedsBaseDir(t *testing.T) {
	env := testEnv(t, "totals", new(collector))
	env.Globals.BaseDir = ""
	_, err := pipelinetest.Build(env, "SandboxFilter", "filename = \"preserved.lua\"\npreserve_data = true")
	if err == nil || !strings.Contains(err.Error(), "totals: preserve_data needs the daemon's base_dir") {
		t.Fatalf("Build error %v", err)
	}
}

func payloads(ms []*message.Message) []string {
	var p []string
	for _, m := range ms {
		p = append(p, m.Payload)
	}
	return p
}
