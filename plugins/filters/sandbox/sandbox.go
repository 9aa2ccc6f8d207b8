// Package sandbox is the SandboxFilter: a Lua filter script run in one
// sandbox of package sandpiper/sandbox, configured with Heka's options.
package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"sandpiper/core/pipeline"
	"sandpiper/plugins/internal/script"
	luasandbox "sandpiper/sandbox"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "SandboxFilter",
		Kind:    pipeline.KindFilter,
		Summary: "runs a Lua filter script (process_message, timer_event) in a memory- and instruction-limited sandbox",
		Config: func() any {
			return &config{
				Options:          script.Defaults(),
				MaxProcessInject: 1,
				MaxTimerInject:   10,
			}
		},
		New: newSandboxFilter,
	})
}

type config struct {
	script.Options
	PreserveData     bool `toml:"preserve_data" doc:"Save the script's globals when the daemon stops and restore them when it starts, in base_dir/sandbox_preservation/NAME.data."`
	MaxProcessInject int  `toml:"max_process_inject" doc:"The most messages one process_message call may inject."`
	MaxTimerInject   int  `toml:"max_timer_inject" doc:"The most messages one timer_event call may inject."`
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
	sc, err := cfg.Config(env, luasandbox.Filter)
	if err != nil {
		return nil, err
	}
	for _, o := range []struct {
		name  string
		value int
	}{{"max_process_inject", cfg.MaxProcessInject}, {"max_timer_inject", cfg.MaxTimerInject}} {
		if o.value < 1 {
			return nil, fmt.Errorf("%s: %s %d: must be at least 1", env.Name, o.name, o.value)
		}
	}
	sc.Hostname = env.Globals.Hostname
	sc.InjectLimits = luasandbox.InjectLimits{ProcessMessage: cfg.MaxProcessInject, TimerEvent: cfg.MaxTimerInject}
	sc.Inject = env.Inject
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
	script.Report(st, add)
	add("failed_messages", f.failed.Load())
	add("max_time", st.MaxTime)
}
