package script

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	"sandpiper/sandbox"
)

// env returns an Env for the plugin "lua" whose configuration directory is
// testdata.
func env(t *testing.T) *pipeline.Env {
	t.Helper()
	e := pipelinetest.Env(t, "lua", "SandboxFilter")
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	e.ConfigDir = dir
	return e
}

// shipped makes fsys the scripts shipped in the binary for one test.
func shipped(t *testing.T, fsys fstest.MapFS) {
	prev := sandbox.BuiltinModules
	sandbox.BuiltinModules = fsys
	t.Cleanup(func() { sandbox.BuiltinModules = prev })
}

// decode decodes the body of a plugin's table into Options as the plugin's
// configuration does, failing on a key Options does not take.
func decode(t *testing.T, body string) *Options {
	t.Helper()
	o := Defaults()
	md, err := toml.Decode(body, &o)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("undecoded keys %v", und)
	}
	return &o
}

func TestDefaults(t *testing.T) {
	o := Defaults()
	if o.MemoryLimit != 8<<20 || o.InstructionLimit != 1000000 || o.OutputLimit != 64<<10 {
		t.Errorf("Defaults = %+v, want Heka's limits", o)
	}
}

func TestConfig(t *testing.T) {
	e := env(t)
	var logs []string
	e.Logf = func(format string, args ...any) { logs = append(logs, fmt.Sprintf(format, args...)) }
	o := decode(t, `
filename = "checked.lua"
module_directory = "modules"
memory_limit = 1000000
instruction_limit = 5000
output_limit = 0
[config]
when = 2026-11-28T10:00:00Z
[config.nested.inner]
deep = 1.5
[[config.rows]]
[[config.rows]]
k = true
`)
	for _, kind := range []sandbox.Kind{sandbox.Filter, sandbox.Decoder} {
		sc, err := o.Config(e, kind)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Name != "lua" || sc.Kind != kind || sc.Script != filepath.Join(e.ConfigDir, "checked.lua") || sc.Source != nil {
			t.Errorf("%v: Name %q Kind %v Script %q Source %d bytes", kind, sc.Name, sc.Kind, sc.Script, len(sc.Source))
		}
		if want := []string{filepath.Join(e.ConfigDir, "modules")}; !reflect.DeepEqual(sc.ModuleDirs, want) {
			t.Errorf("%v: ModuleDirs %q, want %q", kind, sc.ModuleDirs, want)
		}
		if want := (sandbox.Limits{Memory: 1000000, Instructions: 5000}); sc.Limits != want {
			t.Errorf("%v: Limits %+v, want %+v", kind, sc.Limits, want)
		}
		want := map[string]any{
			"when":   "2026-11-28T10:00:00Z",
			"nested": map[string]any{"inner": map[string]any{"deep": 1.5}},
			"rows":   []any{map[string]any{}, map[string]any{"k": true}},
		}
		if !reflect.DeepEqual(sc.Config, want) {
			t.Errorf("%v: Config %#v, want %#v", kind, sc.Config, want)
		}
	}
	sc, _ := o.Config(e, sandbox.Filter)
	sc.Log("from the script")
	if len(logs) != 1 || logs[0] != "from the script" {
		t.Errorf("Log wrote %q to the plugin's log, want the line", logs)
	}
}

// A filename that is no file names a shipped script, found by its cleaned
// path; a file of that name comes first.
func TestShippedScript(t *testing.T) {
	shipped(t, fstest.MapFS{
		"filters/x.lua":   {Data: []byte("-- shipped")},
		"checked.lua":     {Data: []byte("-- shipped, hidden by the file")},
		"modules/any.lua": {Data: []byte("")},
	})
	e := env(t)
	tests := []struct {
		filename, script, source string
	}{
		{"filters/x.lua", "filters/x.lua", "-- shipped"},
		{"filters/../filters/x.lua", "filters/x.lua", "-- shipped"},
		{"checked.lua", filepath.Join(e.ConfigDir, "checked.lua"), ""},
	}
	for _, tt := range tests {
		sc, err := (&Options{Filename: tt.filename}).Config(e, sandbox.Decoder)
		if err != nil {
			t.Errorf("%s: %v", tt.filename, err)
			continue
		}
		if sc.Script != tt.script || string(sc.Source) != tt.source {
			t.Errorf("%s: Script %q Source %q, want %q %q", tt.filename, sc.Script, sc.Source, tt.script, tt.source)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	shipped(t, fstest.MapFS{"filters/x.lua": {Data: []byte("")}})
	e := env(t)
	abs := filepath.Join(e.ConfigDir, "nope.lua")
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no filename", Options{}, "lua: filename: required, the Lua script to run"},
		{"neither file nor shipped", Options{Filename: "filters/y.lua"},
			`lua: filename "filters/y.lua": no such file (` + filepath.Join(e.ConfigDir, "filters/y.lua") + ") and no shipped script of that name"},
		{"absolute and missing", Options{Filename: abs}, `lua: filename "` + abs + `": stat ` + abs + ": no such file or directory"},
		{"a directory", Options{Filename: "modules"}, `lua: filename "modules": ` + filepath.Join(e.ConfigDir, "modules") + " is a directory"},
		{"missing module_directory", Options{Filename: "checked.lua", ModuleDirectory: "nodir"},
			`lua: module_directory "nodir": stat ` + filepath.Join(e.ConfigDir, "nodir") + ": no such file or directory"},
		{"module_directory a file", Options{Filename: "checked.lua", ModuleDirectory: "checked.lua"},
			`lua: module_directory "checked.lua": ` + filepath.Join(e.ConfigDir, "checked.lua") + " is not a directory"},
		{"negative memory_limit", Options{Filename: "checked.lua", MemoryLimit: -1}, "lua: memory_limit -1: must not be negative (0 takes the default)"},
		{"negative instruction_limit", Options{Filename: "checked.lua", InstructionLimit: -5}, "lua: instruction_limit -5: must not be negative (0 takes the default)"},
		{"negative output_limit", Options{Filename: "checked.lua", OutputLimit: -64}, "lua: output_limit -64: must not be negative (0 takes the default)"},
		{"config value without a Lua form", Options{Filename: "checked.lua", ScriptConfig: Table{"t": map[string]any{"n": int32(1)}}},
			"lua: config.t.n: a value of type int32 has no Lua form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.o.Config(e, sandbox.Filter)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want %s…", err, tt.want)
			}
		})
	}
}

// TestTable checks that the config table takes any keys beneath it, nested
// tables and arrays of tables included, and nothing but a table.
func TestTable(t *testing.T) {
	var o Options
	md, err := toml.Decode("[config]\na = 1\n[config.b.c]\nd = \"x\"\n[[config.e]]\nf = 2", &o)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Errorf("keys under config left undecoded: %v", und)
	}
	want := Table{"a": int64(1), "b": map[string]any{"c": map[string]any{"d": "x"}}, "e": []map[string]any{{"f": int64(2)}}}
	if !reflect.DeepEqual(o.ScriptConfig, want) {
		t.Errorf("config %#v, want %#v", o.ScriptConfig, want)
	}
	if _, err := toml.Decode("config = 3", &o); err == nil || !strings.Contains(err.Error(), "config: want a table, got int64") {
		t.Errorf("config = 3: error %v", err)
	}
}

func TestReport(t *testing.T) {
	st := sandbox.Stats{Calls: 4, Errors: 1, Injected: 3, Memory: 100, MaxMemory: 200, MaxInstructions: 50, MaxOutput: 60,
		TimedCalls: 2, TimedTotal: 10 * time.Millisecond}
	got := map[string]any{}
	Report(st, func(k string, v any) { got[k] = v })
	want := map[string]any{
		"memory": int64(100), "max_memory": int64(200), "max_instructions": int64(50), "max_output": int64(60),
		"calls": int64(4), "errors": int64(1), "injected": int64(3), "mean_time": 5 * time.Millisecond,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Report added %v, want %v", got, want)
	}
}
