package config

import (
	"math"
	"os"
	"path/filepath"
)

// Globals are the daemon's options, from the [sandpiper] table ([hekad] is
// accepted in its place, as Heka named it).
type Globals struct {
	BaseDir           string   `toml:"base_dir" doc:"Directory where plugins keep state across restarts (file offsets, preserved sandbox data); a relative path is relative to the daemon's working directory."`
	Hostname          string   `toml:"hostname" doc:"Host name stamped on the messages the daemon makes; default the system's host name."`
	MaxMessageSize    int      `toml:"max_message_size" doc:"Largest message, in bytes, the daemon reads, decodes or writes."`
	MaxMessageLoops   int      `toml:"max_message_loops" doc:"How many filters deep a chain of injected messages may go before the next injection is dropped and counted (Heka's max_msg_loops is accepted too)."`
	MaxProcs          int      `toml:"maxprocs" doc:"Cores the daemon may use at once (GOMAXPROCS); 0 uses all."`
	MemoryCeiling     int64    `toml:"memory_ceiling" doc:"Bytes of process heap above which the sandbox watchdog stops the running Lua call; 0 uses the sandbox's default."`
	QueueSize         int      `toml:"queue_size" doc:"Messages each filter's and output's queue holds, unless the plugin sets its own queue_size."`
	ShutdownTimeout   int      `toml:"shutdown_timeout" doc:"Seconds the daemon waits on stop for the queues to drain before it gives up and counts what is left as dropped."`
	ModuleDirectories []string `toml:"module_directories" doc:"Directories where Lua require looks for modules after the built-in ones; a relative path is relative to the directory of the file holding [sandpiper]."`
}

// DefaultGlobals returns the options of a configuration without a
// [sandpiper] table. Hostname is the system's host name, or "localhost"
// when the system has none to give.
func DefaultGlobals() Globals {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return Globals{
		BaseDir:         "./sandpiper-state",
		Hostname:        host,
		MaxMessageSize:  64 << 10,
		MaxMessageLoops: 4,
		QueueSize:       10000,
		ShutdownTimeout: 30,
	}
}

// hekaGlobals are the options of Heka's [hekad] that Sandpiper reads
// although it names them otherwise or has no use for them.
type hekaGlobals struct {
	MaxMsgLoops *int `toml:"max_msg_loops"`
	// ShareDir is accepted so that Heka's configurations load: Sandpiper
	// resolves relative script paths against the configuration's
	// directory, then the scripts shipped in the binary.
	ShareDir string `toml:"share_dir"`
}

// hekaOnly explains the options of Heka's [hekad] that Sandpiper does not
// have, when one is met.
var hekaOnly = map[string]string{
	"cpuprof":                 "Heka's profiling option; Sandpiper has none",
	"memprof":                 "Heka's profiling option; Sandpiper has none",
	"poolsize":                "Heka's pack pool; Sandpiper has no fixed pool of messages",
	"decoder_poolsize":        "Heka's decoder pool; Sandpiper runs a decoder's sandboxes one per core, or as the decoder's own options say",
	"plugin_chansize":         "Heka's channel size; use queue_size",
	"max_process_inject":      "Heka's limit on injections per call; Sandpiper has none",
	"max_timer_inject":        "Heka's limit on injections per call; Sandpiper has none",
	"max_process_duration":    "Heka's time limit per call; a sandbox's instruction_limit bounds its calls",
	"max_pack_idle":           "Heka's leak detector for packs; Sandpiper has no pack pool",
	"sample_denominator":      "Heka's timing sample rate; Sandpiper has none",
	"pid_file":                "Heka's pid file; leave it to the service manager",
	"full_buffer_max_retries": "Heka's retries on a full buffer; set full_action on the plugin",
	"log_flags":               "Heka's log format flags; Sandpiper has none",
}

// decodeGlobals decodes and checks the global table, s (nil for none).
func decodeGlobals(s *Section) (Globals, error) {
	g := DefaultGlobals()
	if s == nil {
		return g, nil
	}
	var heka hekaGlobals
	var errs Errors
	errs.add(s.Decode(&g, &heka))
	errs = append(errs, s.unknown(hekaOnly)...)
	if s.Has("type") {
		errs.add(s.Errorf("type", "the daemon's table is no plugin and has no type"))
	}
	if len(errs) > 0 {
		sortErrors(errs, nil)
		return g, errs
	}
	if heka.MaxMsgLoops != nil {
		if s.Has("max_message_loops") {
			errs.add(s.Errorf("max_msg_loops", "Heka's name for max_message_loops, which is set too: keep one"))
		}
		g.MaxMessageLoops = *heka.MaxMsgLoops
	}
	for i, dir := range g.ModuleDirectories {
		if dir != "" && !filepath.IsAbs(dir) {
			g.ModuleDirectories[i] = filepath.Join(s.Dir, dir)
		}
	}
	errs = append(errs, g.check(s)...)
	return g, errs.orNil()
}

// check returns an error for each option of g out of its range.
func (g *Globals) check(s *Section) Errors {
	var errs Errors
	bad := func(key, format string, args ...any) { errs.add(s.Errorf(key, format, args...)) }
	if g.BaseDir == "" {
		bad("base_dir", "empty: it is where plugins keep their state")
	}
	if g.Hostname == "" {
		bad("hostname", "empty: leave it out to use the system's host name")
	}
	if g.MaxMessageSize < 1 || g.MaxMessageSize > math.MaxUint32 {
		bad("max_message_size", "%d is out of range (1 to %d bytes)", g.MaxMessageSize, uint64(math.MaxUint32))
	}
	loops := "max_message_loops"
	if !s.Has(loops) && s.Has("max_msg_loops") {
		loops = "max_msg_loops"
	}
	if g.MaxMessageLoops < 0 {
		bad(loops, "%d is negative", g.MaxMessageLoops)
	}
	if g.MaxProcs < 0 {
		bad("maxprocs", "%d is negative; 0 uses every core", g.MaxProcs)
	}
	if g.MemoryCeiling < 0 {
		bad("memory_ceiling", "%d is negative; 0 uses the default", g.MemoryCeiling)
	}
	if g.QueueSize < 1 {
		bad("queue_size", "%d is out of range (at least 1 message)", g.QueueSize)
	}
	if g.ShutdownTimeout < 1 {
		bad("shutdown_timeout", "%d is out of range (at least 1 second)", g.ShutdownTimeout)
	}
	for i, dir := range g.ModuleDirectories {
		key := "module_directories"
		switch info, err := os.Stat(dir); {
		case dir == "":
			bad(key, "entry %d is empty", i)
		case err != nil:
			bad(key, "%s: %s", dir, reason(err))
		case !info.IsDir():
			bad(key, "%s is not a directory", dir)
		}
	}
	return errs
}
