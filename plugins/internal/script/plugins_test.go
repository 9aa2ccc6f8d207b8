package script_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sandpiper/core/config"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	_ "sandpiper/plugins/decoders/sandbox"
	_ "sandpiper/plugins/filters/sandbox"
)

// everyOption sets each script option, with the nested tables and arrays of
// tables a [name.config] may hold; testdata/checked.lua fails to load
// unless the module directory and every config value reach it.
const everyOption = `filename = "checked.lua"
module_directory = "modules"
memory_limit = 4000000
instruction_limit = 20000
output_limit = 1000
`

const everyConfig = `list = ["a", "b"]
when = 2026-11-28T10:00:00Z
[CONFIG.nested.inner]
deep = 1.5
[[CONFIG.rows]]
k = false
[[CONFIG.rows]]
k = true
`

// plugins are the two plugins embedding Options, each with its own options
// and, for the filter, the daemon's that its table holds beside them.
var plugins = []struct {
	typ, own, daemons string
}{
	{"SandboxDecoder", "pool_size = 2\n", ""},
	{"SandboxFilter", "preserve_data = true\nmax_process_inject = 2\nmax_timer_inject = 3\n", "message_matcher = \"TRUE\"\nticker_interval = 5\n"},
}

// release stops the plugin p, a decoder's pool or a filter's sandbox.
func release(t *testing.T, p any) {
	t.Helper()
	var err error
	switch v := p.(type) {
	case interface{ Close() error }:
		err = v.Close()
	case pipeline.Filter:
		err = v.Stop()
	}
	if err != nil {
		t.Error(err)
	}
}

// TestCheckEveryOption builds each plugin with every option, as
// `sandpiper check` does, from its options decoded by pipelinetest.Build
// and from a configuration file through config.Load and Section.Decode.
func TestCheckEveryOption(t *testing.T) {
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		t.Run(p.typ+"/pipelinetest", func(t *testing.T) {
			env := pipelinetest.Env(t, "lua", p.typ)
			env.ConfigDir, env.Check = testdata, true
			v, err := pipelinetest.Build(env, p.typ, everyOption+p.own+strings.ReplaceAll("[config]\n"+everyConfig, "CONFIG", "config"))
			if err != nil {
				t.Fatal(err)
			}
			release(t, v)
		})
		t.Run(p.typ+"/config.Load", func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "sandpiper.toml")
			table := "[lua]\ntype = \"" + p.typ + "\"\n" + p.daemons + everyOption + p.own + "[lua.config]\n" + strings.ReplaceAll(everyConfig, "CONFIG", "lua.config")
			if err := os.WriteFile(file, []byte(table), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			s := cfg.Plugins[0]
			reg, _ := pipeline.Lookup(p.typ)
			opts := reg.Config()
			var daemons struct {
				MessageMatcher string `toml:"message_matcher"`
				TickerInterval int    `toml:"ticker_interval"`
			}
			if err := s.Decode(&daemons, opts); err != nil {
				t.Fatal(err)
			}
			if errs := cfg.Unknown(); len(errs) > 0 {
				t.Fatalf("unknown keys: %v", errs)
			}
			env := pipelinetest.Env(t, s.Name, s.Type)
			env.ConfigDir, env.Check = testdata, true
			v, err := reg.New(env, opts)
			if err != nil {
				t.Fatal(err)
			}
			release(t, v)
		})
	}
}

// TestMisspeltOption checks that a misspelt shared option is an unknown key
// of either plugin's table, with the right spelling suggested: the daemon
// sees the embedded options as the plugin's own.
func TestMisspeltOption(t *testing.T) {
	for _, p := range plugins {
		file := filepath.Join(t.TempDir(), "sandpiper.toml")
		if err := os.WriteFile(file, []byte("[lua]\ntype = \""+p.typ+"\"\nfilename = \"x.lua\"\nmemory_limt = 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		reg, _ := pipeline.Lookup(p.typ)
		if err := cfg.Plugins[0].Decode(reg.Config()); err != nil {
			t.Fatal(err)
		}
		errs := cfg.Unknown()
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown key "memory_limt" (did you mean "memory_limit"?)`) {
			t.Errorf("%s: unknown keys %v, want memory_limt with memory_limit suggested", p.typ, errs)
		}
	}
}
