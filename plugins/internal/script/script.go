// Package script holds what the SandboxDecoder and the SandboxFilter share:
// the options naming a Lua script, where it finds modules, its limits and
// its [name.config] table, and their checking into a sandbox.Config, so
// that both plugins take and refuse the same values with the same words;
// and the figures both report.
package script

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"sandpiper/core/pipeline"
	"sandpiper/sandbox"
)

// Options are a sandbox plugin's script options, embedded in its
// configuration struct so that they are keys of its table.
type Options struct {
	Filename         string `toml:"filename" doc:"The Lua script, relative to the configuration file's directory; when no such file exists, a script shipped in the binary of that path, such as \"decoders/kv.lua\" or \"filters/counter.lua\". Required."`
	ModuleDirectory  string `toml:"module_directory" doc:"A directory where require \"a.b\" finds a/b.lua after the shipped modules, relative to the configuration file's directory."`
	MemoryLimit      int64  `toml:"memory_limit" doc:"The most bytes of Lua heap a sandbox may retain; 0 for the default, 8 MiB."`
	InstructionLimit int64  `toml:"instruction_limit" doc:"The most Lua instructions one call of the script (process_message, or a filter's timer_event) may run; 0 for the default, 1000000."`
	OutputLimit      int64  `toml:"output_limit" doc:"The most bytes of one injected message or payload; 0 for the default, 64 KiB."`
	ScriptConfig     Table  `toml:"config" doc:"The table read_config reads: strings, integers, floats, booleans, date-times (as RFC 3339 strings), and arrays and tables of them."`
}

// Defaults returns the Options a plugin's Config starts from: Heka's limits.
func Defaults() Options {
	return Options{
		MemoryLimit:      sandbox.DefaultMemoryLimit,
		InstructionLimit: sandbox.DefaultInstructionLimit,
		OutputLimit:      sandbox.DefaultOutputLimit,
	}
}

// Table is the [name.config] table as TOML decoded it.
type Table map[string]any

// UnmarshalTOML takes the table as TOML decoded it. Being an Unmarshaler
// makes every key under it the script's, so that the daemon's check for
// unknown keys does not refuse the keys of a nested table.
func (t *Table) UnmarshalTOML(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("config: want a table, got %T", v)
	}
	*t = m
	return nil
}

// Config checks the options and returns the sandbox.Config they describe
// for the plugin env builds: Name, Kind, Script (and Source for a shipped
// script), ModuleDirs, Limits, Config and Log. Each error names env.Name,
// the option and its value. The plugin sets the rest (Hostname, Inject,
// PreserveData, ...).
func (o *Options) Config(env *pipeline.Env, kind sandbox.Kind) (sandbox.Config, error) {
	sc := sandbox.Config{
		Name:   env.Name,
		Kind:   kind,
		Limits: sandbox.Limits{Memory: o.MemoryLimit, Instructions: o.InstructionLimit, Output: o.OutputLimit},
		Log:    func(line string) { env.Logf("%s", line) },
	}
	for _, l := range []struct {
		name  string
		value int64
	}{{"memory_limit", o.MemoryLimit}, {"instruction_limit", o.InstructionLimit}, {"output_limit", o.OutputLimit}} {
		if l.value < 0 {
			return sandbox.Config{}, fmt.Errorf("%s: %s %d: must not be negative (0 takes the default)", env.Name, l.name, l.value)
		}
	}
	var err error
	if sc.Script, sc.Source, err = o.script(env.ConfigDir); err != nil {
		return sandbox.Config{}, fmt.Errorf("%s: %w", env.Name, err)
	}
	if o.ModuleDirectory != "" {
		dir := relative(env.ConfigDir, o.ModuleDirectory)
		if fi, err := os.Stat(dir); err != nil {
			return sandbox.Config{}, fmt.Errorf("%s: module_directory %q: %w", env.Name, o.ModuleDirectory, err)
		} else if !fi.IsDir() {
			return sandbox.Config{}, fmt.Errorf("%s: module_directory %q: %s is not a directory", env.Name, o.ModuleDirectory, dir)
		}
		sc.ModuleDirs = []string{dir}
	}
	if sc.Config, err = sandbox.ConfigValues(o.ScriptConfig); err != nil {
		return sandbox.Config{}, fmt.Errorf("%s: %w", env.Name, err)
	}
	return sc, nil
}

// script returns the path of the script filename names, and its text when
// it is a script shipped in the binary rather than a file.
func (o *Options) script(configDir string) (string, []byte, error) {
	if o.Filename == "" {
		return "", nil, errors.New("filename: required, the Lua script to run")
	}
	p := relative(configDir, o.Filename)
	fi, err := os.Stat(p)
	switch {
	case err == nil && fi.IsDir():
		return "", nil, fmt.Errorf("filename %q: %s is a directory", o.Filename, p)
	case err == nil:
		return p, nil, nil
	case errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(o.Filename) && sandbox.BuiltinModules != nil:
		name := path.Clean(filepath.ToSlash(o.Filename))
		if src, ferr := fs.ReadFile(sandbox.BuiltinModules, name); ferr == nil {
			return name, src, nil
		}
		return "", nil, fmt.Errorf("filename %q: no such file (%s) and no shipped script of that name", o.Filename, p)
	}
	return "", nil, fmt.Errorf("filename %q: %w", o.Filename, err)
}

// Report adds st, the statistics of a sandbox or the sum of a pool's, under
// the names of Heka's sandbox reports.
func Report(st sandbox.Stats, add func(key string, value any)) {
	add("memory", st.Memory)
	add("max_memory", st.MaxMemory)
	add("max_instructions", st.MaxInstructions)
	add("max_output", st.MaxOutput)
	add("calls", st.Calls)
	add("errors", st.Errors)
	add("injected", st.Injected)
	add("mean_time", st.MeanTime())
}

// relative returns p relative to dir, the directory of the plugin's
// configuration file, unless it is absolute.
func relative(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
