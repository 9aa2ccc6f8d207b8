// Package sandbox is the SandboxFilter: a Lua filter script run in one
// sandbox of package sandpiper/sandbox, configured with Heka's options.
package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync/atomic"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	luasandbox "sandpiper/sandbox"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "SandboxFilter",
		Kind:    pipeline.KindFilter,
		Summary: "runs a Lua filter script (process_message, timer_event) in a memory- and instruction-limited sandbox",
		Config: func() any {
			return &config{
				MemoryLimit:      luasandbox.DefaultMemoryLimit,
				InstructionLimit: luasandbox.DefaultInstructionLimit,
				OutputLimit:      luasandbox.DefaultOutputLimit,
				MaxProcessInject: 1,
				MaxTimerInject:   10,
			}
		},
		New: newSandboxFilter,
	})
}

type config struct {
	Filename         string       `toml:"filename" doc:"The Lua script, relative to the configuration file's directory; when no such file exists, a script shipped in the binary (filters/counter.lua). Required."`
	ModuleDirectory  string       `toml:"module_directory" doc:"A directory where require finds NAME.lua after the shipped modules, relative to the configuration file's directory."`
	MemoryLimit      int64        `toml:"memory_limit" doc:"The most bytes of Lua heap the script may retain; 0 for the default, 8 MiB."`
	InstructionLimit int64        `toml:"instruction_limit" doc:"The most Lua instructions per call of process_message or timer_event; 0 for the default, 1000000."`
	OutputLimit      int64        `toml:"output_limit" doc:"The most bytes of one injected message or payload; 0 for the default, 64 KiB."`
	PreserveData     bool         `toml:"preserve_data" doc:"Save the script's globals when the daemon stops and restore them when it starts, in base_dir/sandbox_preservation/NAME.data."`
	MaxProcessInject int          `toml:"max_process_inject" doc:"The most messages one process_message call may inject."`
	MaxTimerInject   int          `toml:"max_timer_inject" doc:"The most messages one timer_event call may inject."`
	Config           scriptConfig `toml:"config" doc:"The table read_config reads: strings, integers, floats, booleans, date-times (as RFC 3339 strings), and arrays and tables of them."`
}

// scriptConfig is the [name.config] table, the values read_config returns.
type scriptConfig map[string]any

// UnmarshalTOML takes the table as TOML decoded it. Being an Unmarshaler
// makes every key under it the script's, so that the daemon's check for
// unknown keys does not refuse the keys of a nested table.
func (c *scriptConfig) UnmarshalTOML(v any) error {
	t, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("config: want a table, got %T", v)
	}
	*c = t
	return nil
}

// failureLogInterval is the least time between two log lines about messages
// process_message failed: a script that fails every message of a flood must
// not flood the log too.
const failureLogInterval = 10 * time.Second

// filter is a SandboxFilter. The daemon calls Process, TimerEvent and Stop
// from one goroutine; Report may run at the same time, so what it reads is
// atomic.
type filter struct {
	name         string
	logf         func(format string, args ...any)
	sb           *luasandbox.Sandbox
	preserveDir  string // "" unless the globals are saved on Stop
	failed       atomic.Int64
	lastFailLog  time.Time
	unlogged     int64 // failures since the last line about them
	noTimerNoted bool
}

func newSandboxFilter(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	sc := luasandbox.Config{
		Name:     env.Name,
		Kind:     luasandbox.Filter,
		Hostname: env.Globals.Hostname,
		Limits:   luasandbox.Limits{Memory: cfg.MemoryLimit, Instructions: cfg.InstructionLimit, Output: cfg.OutputLimit},
		InjectLimits: luasandbox.InjectLimits{
			ProcessMessage: cfg.MaxProcessInject,
			TimerEvent:     cfg.MaxTimerInject,
		},
		// env.Inject is read at each call: the daemon may set it after
		// the filter is built.
		Inject: func(m *message.Message) error {
			if env.Inject == nil {
				return errors.New("the daemon does not route injected messages")
			}
			return env.Inject(m)
		},
		Log: func(line string) { env.Logf("%s", line) },
	}
	for _, o := range []struct {
		name  string
		value int64
		least int64
	}{
		{"memory_limit", cfg.MemoryLimit, 0},
		{"instruction_limit", cfg.InstructionLimit, 0},
		{"output_limit", cfg.OutputLimit, 0},
		{"max_process_inject", int64(cfg.MaxProcessInject), 1},
		{"max_timer_inject", int64(cfg.MaxTimerInject), 1},
	} {
		if o.value < o.least {
			return nil, fmt.Errorf("%s: %s %d: must be at least %d", env.Name, o.name, o.value, o.least)
		}
	}
	var err error
	if sc.Script, sc.Source, err = script(env, cfg.Filename); err != nil {
		return nil, err
	}
	if cfg.ModuleDirectory != "" {
		dir := resolve(env, cfg.ModuleDirectory)
		if fi, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%s: module_directory %q: %w", env.Name, cfg.ModuleDirectory, err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("%s: module_directory %q: %s is not a directory", env.Name, cfg.ModuleDirectory, dir)
		}
		sc.ModuleDirs = []string{dir}
	}
	if sc.Config, err = configTable(cfg.Config); err != nil {
		return nil, fmt.Errorf("%s: config: %w", env.Name, err)
	}
	f := &filter{name: env.Name, logf: env.Logf}
	if cfg.PreserveData && !env.Check {
		if env.Globals.BaseDir == "" {
			return nil, fmt.Errorf("%s: preserve_data needs the daemon's base_dir, which is not set", env.Name)
		}
		f.preserveDir = filepath.Join(env.Globals.BaseDir, "sandbox_preservation")
		sc.PreserveData = true
		sc.PreservePath = filepath.Join(f.preserveDir, env.Name+".data")
	}
	if f.sb, err = luasandbox.New(sc); err != nil {
		return nil, err
	}
	return f, nil
}

// resolve returns p relative to the directory of the plugin's
// configuration file.
func resolve(env *pipeline.Env, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.ConfigDir, p)
}

// script returns the path of the filter's script, and its text when it is
// a script shipped in the binary rather than a file.
func script(env *pipeline.Env, filename string) (string, []byte, error) {
	if filename == "" {
		return "", nil, fmt.Errorf("%s: filename: required, the Lua script to run", env.Name)
	}
	p := resolve(env, filename)
	_, err := os.Stat(p)
	if err == nil {
		return p, nil, nil
	}
	if errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(filename) && luasandbox.BuiltinModules != nil {
		name := path.Clean(filepath.ToSlash(filename))
		if src, ferr := fs.ReadFile(luasandbox.BuiltinModules, name); ferr == nil {
			return filename, src, nil
		}
		return "", nil, fmt.Errorf("%s: filename %q: no such file (%s) and no shipped script of that name", env.Name, filename, p)
	}
	return "", nil, fmt.Errorf("%s: filename %q: %w", env.Name, filename, err)
}

// configTable converts the [name.config] table to the values read_config
// returns, in the sandbox test harness's way, so that a script reads the
// same values under `sandpiper test` as in the daemon.
func configTable(t map[string]any) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	out := make(map[string]any, len(t))
	for k, v := range t {
		cv, err := configValue(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = cv
	}
	return out, nil
}

func configValue(v any) (any, error) {
	switch x := v.(type) {
	case string, int64, float64, bool:
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			cv, err := configValue(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = cv
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			cv, err := configTable(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = cv
		}
		return out, nil
	case map[string]any:
		return configTable(x)
	}
	return nil, fmt.Errorf("a value of type %T cannot be read by read_config", v)
}

// Process runs process_message on p's message. A status below 0 fails
// this message only: it is counted and logged, at most one line per
// failureLogInterval.
func (f *filter) Process(p *pipeline.Pack) error {
	status, errMsg, err := f.sb.ProcessMessage(p.Message)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	if status < 0 {
		f.failed.Add(1)
		f.unlogged++
		if now := time.Now(); now.Sub(f.lastFailLog) >= failureLogInterval {
			if f.unlogged > 1 {
				f.logf("process_message() returned %d: %q (and %d more failed messages since the last line)", status, errMsg, f.unlogged-1)
			} else {
				f.logf("process_message() returned %d: %q", status, errMsg)
			}
			f.lastFailLog, f.unlogged = now, 0
		}
	}
	return nil
}

// TimerEvent runs timer_event. A script without timer_event is not
// terminated when a ticker_interval is configured: the first tick logs that
// it has none, and the others are ignored.
func (f *filter) TimerEvent(ns int64, shutdown bool) error {
	err := f.sb.TimerEvent(ns, shutdown)
	if err == nil {
		return nil
	}
	if f.sb.Terminated() != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	if !f.noTimerNoted {
		f.noTimerNoted = true
		f.logf("%v: ticker_interval is set but ticks are ignored", err)
	}
	return nil
}

// Stop saves the script's globals when preserve_data is set, and releases
// the sandbox.
func (f *filter) Stop() error {
	if f.preserveDir != "" {
		if err := os.MkdirAll(f.preserveDir, 0o755); err != nil {
			return errors.Join(fmt.Errorf("%s: preserve_data: %w", f.name, err), f.sb.Stop())
		}
	}
	return f.sb.Stop()
}

// Report adds the sandbox's statistics, named after Heka's report fields.
func (f *filter) Report(add func(key string, value any)) {
	st := f.sb.Stats()
	add("memory", st.Memory)
	add("max_memory", st.MaxMemory)
	add("max_instructions", st.MaxInstructions)
	add("max_output", st.MaxOutput)
	add("calls", st.Calls)
	add("errors", st.Errors)
	add("failed_messages", f.failed.Load())
	add("injected", st.Injected)
	add("mean_time", st.MeanTime())
	add("max_time", st.MaxTime)
}
