// Package sandbox is the SandboxDecoder: a Lua script, run in a pool of
// sandboxes, turns each record into the messages it injects.
package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	luasandbox "sandpiper/sandbox"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "SandboxDecoder",
		Kind:    pipeline.KindDecoder,
		Summary: "decodes records with a Lua script run in a pool of sandboxes",
		Config:  func() any { return &config{PoolSize: runtime.GOMAXPROCS(0)} },
		New:     newSandboxDecoder,
	})
}

type config struct {
	Filename         string         `toml:"filename" doc:"The Lua script, relative to the configuration file's directory, or a script shipped in the binary such as \"decoders/kv.lua\"."`
	MemoryLimit      int64          `toml:"memory_limit" doc:"Bytes of Lua heap each sandbox may retain; 0 means 8 MiB."`
	InstructionLimit int64          `toml:"instruction_limit" doc:"Lua instructions per record; 0 means 1,000,000."`
	OutputLimit      int64          `toml:"output_limit" doc:"Bytes of each injected message; 0 means 64 KiB."`
	ModuleDirectory  string         `toml:"module_directory" doc:"A directory where require finds modules, relative to the configuration file's directory."`
	PoolSize         int            `toml:"pool_size" doc:"Sandboxes running the script, each decoding one record at a time; default one per core."`
	Config           map[string]any `toml:"config" doc:"The values read_config returns: strings, numbers, booleans, arrays and tables of those."`
}

// Decoder is the SandboxDecoder. It is safe for concurrent use: each call
// runs on a free sandbox of its pool.
type Decoder struct {
	pool *luasandbox.Pool
}

func newSandboxDecoder(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	sc := luasandbox.Config{
		Name: env.Name,
		Kind: luasandbox.Decoder,
		Limits: luasandbox.Limits{
			Memory:       cfg.MemoryLimit,
			Instructions: cfg.InstructionLimit,
			Output:       cfg.OutputLimit,
		},
		Log: func(line string) { env.Logf("%s", line) },
	}
	for _, l := range []struct {
		name  string
		value int64
	}{{"memory_limit", cfg.MemoryLimit}, {"instruction_limit", cfg.InstructionLimit}, {"output_limit", cfg.OutputLimit}, {"pool_size", int64(cfg.PoolSize)}} {
		if l.value < 0 {
			return nil, fmt.Errorf("%s: %s %d: must not be negative", env.Name, l.name, l.value)
		}
	}
	var err error
	if sc.Script, sc.Source, err = script(env.ConfigDir, cfg.Filename); err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	if cfg.ModuleDirectory != "" {
		dir := relative(env.ConfigDir, cfg.ModuleDirectory)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s: module_directory %q: not a directory", env.Name, cfg.ModuleDirectory)
		}
		sc.ModuleDirs = []string{dir}
	}
	if sc.Config, err = scriptConfig(cfg.Config); err != nil {
		return nil, fmt.Errorf("%s: config: %w", env.Name, err)
	}
	n := cfg.PoolSize
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if env.Check {
		// One sandbox proves the script loads and runs its top level.
		n = 1
	}
	pool, err := luasandbox.NewPool(sc, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	d := &Decoder{pool: pool}
	if env.Check {
		if err := d.Close(); err != nil {
			return nil, fmt.Errorf("%s: %w", env.Name, err)
		}
	}
	return d, nil
}

func relative(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// script returns the path of the script named by filename, and its text when
// it is not a file but a script shipped in the binary.
func script(configDir, filename string) (string, []byte, error) {
	if filename == "" {
		return "", nil, errors.New("filename: required")
	}
	p := relative(configDir, filename)
	_, err := os.Stat(p)
	if err == nil {
		return p, nil, nil
	}
	if errors.Is(err, fs.ErrNotExist) && luasandbox.BuiltinModules != nil && !filepath.IsAbs(filename) {
		name := path.Clean(filepath.ToSlash(filename))
		if src, ferr := fs.ReadFile(luasandbox.BuiltinModules, name); ferr == nil {
			return name, src, nil
		}
	}
	return "", nil, fmt.Errorf("filename %q: %w", filename, err)
}

// scriptConfig checks the [name.config] table, keeping the values the
// sandbox gives scripts: TOML's dates and times have no Lua form.
func scriptConfig(c map[string]any) (map[string]any, error) {
	for k, v := range c {
		if err := configValue(v); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return c, nil
}

func configValue(v any) error {
	switch x := v.(type) {
	case string, int64, float64, bool:
		return nil
	case []any:
		for i, e := range x {
			if err := configValue(e); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case []map[string]any:
		return errors.New("an array of tables has no Lua form here; use a table of tables")
	case map[string]any:
		for k, e := range x {
			if err := configValue(e); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	}
	return fmt.Errorf("a %T (%v) has no Lua form; quote it to pass a string", v, v)
}

// Workers returns the number of sandboxes: the records decoded at once.
func (d *Decoder) Workers() int { return d.pool.Size() }

// Decode runs the script's process_message on the message an input makes
// around rec (pipeline.NewPayloadMessage) and emits the messages it
// injected, in order. A status < 0 fails this record; a sandbox terminated
// by a limit, a Lua error or a status > 0 stops the input (pipeline.Fatal).
func (d *Decoder) Decode(rec pipeline.Record, src *pipeline.Source, emit func(*pipeline.Pack)) error {
	m := pipeline.NewPayloadMessage(rec, src, time.Now().UnixNano())
	status, errMsg, err := d.pool.ProcessMessageTo(m, func(out *message.Message) error {
		emit(&pipeline.Pack{Message: out, Signer: rec.Signer})
		return nil
	})
	switch {
	case err != nil:
		return pipeline.Fatal(err)
	case status < 0 && errMsg != "":
		return fmt.Errorf("decode: %s", errMsg)
	case status < 0:
		return fmt.Errorf("decode: process_message() returned %d", status)
	}
	return nil
}

// Report adds the sandboxes' figures, named as Heka's sandbox reports.
func (d *Decoder) Report(add func(key string, value any)) {
	st := d.pool.Stats()
	add("memory", st.Memory)
	add("max_memory", st.MaxMemory)
	add("max_instructions", st.MaxInstructions)
	add("max_output", st.MaxOutput)
	add("calls", st.Calls)
	add("errors", st.Errors)
	add("injected", st.Injected)
	add("mean_time", st.MeanTime())
	if err := d.pool.Err(); err != nil {
		add("terminated", err.Error())
	}
}

// Close stops the sandboxes once the calls running return.
func (d *Decoder) Close() error { return d.pool.Stop() }
