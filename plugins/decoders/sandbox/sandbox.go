// Package sandbox is the SandboxDecoder: a Lua script, run in a pool of
// sandboxes, turns each record into the messages it injects.
package sandbox

import (
	"fmt"
	"runtime"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/plugins/internal/script"
	luasandbox "sandpiper/sandbox"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "SandboxDecoder",
		Kind:    pipeline.KindDecoder,
		Summary: "decodes records with a Lua script run in a pool of sandboxes",
		Config:  func() any { return &config{Options: script.Defaults()} },
		New:     newSandboxDecoder,
	})
}

type config struct {
	script.Options
	PoolSize int `toml:"pool_size" doc:"Sandboxes running the script, each decoding one record at a time; 0 for the default, one per core."`
}

// Decoder is the SandboxDecoder. It is safe for concurrent use: each call
// runs on a free sandbox of its pool.
type Decoder struct {
	pool *luasandbox.Pool
}

func newSandboxDecoder(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	sc, err := cfg.Config(env, luasandbox.Decoder)
	if err != nil {
		return nil, err
	}
	if cfg.PoolSize < 0 {
		return nil, fmt.Errorf("%s: pool_size %d: must not be negative (0 takes one per core)", env.Name, cfg.PoolSize)
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
	script.Report(d.pool.Stats(), add)
	if err := d.pool.Err(); err != nil {
		add("terminated", err.Error())
	}
}

// Close stops the sandboxes once the calls running return.
func (d *Decoder) Close() error { return d.pool.Stop() }
