package bench

import (
	"context"
	"sync"
	"sync/atomic"

	"sandpiper/core/pipeline"
)

// nullType is the test-only output that drains its batches and counts
// them: the cheapest output there can be, so that a benchmark measures
// what comes before it.
const nullType = "BenchNullOutput"

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    nullType,
		Kind:    pipeline.KindOutput,
		Summary: "counts the messages it is sent and writes nothing (tests/bench only)",
		Config:  func() any { return &nullConfig{} },
		New:     newNullOutput,
	})
}

type nullConfig struct {
	KeepPayloads bool `toml:"keep_payloads" doc:"Keep the Payload of every message, for tests that read what a filter injected."`
}

// nullOutput counts what it is sent.
type nullOutput struct {
	keep     bool
	n        atomic.Int64
	mu       sync.Mutex
	payloads []string
}

// nullOutputs holds the outputs of the daemon built last, by plugin name,
// for the benchmark to read their counts once it has run.
var nullOutputs sync.Map

func newNullOutput(env *pipeline.Env, c any) (any, error) {
	o := &nullOutput{keep: c.(*nullConfig).KeepPayloads}
	nullOutputs.Store(env.Name, o)
	return o, nil
}

func (o *nullOutput) Run(_ context.Context, r pipeline.OutputRunner) error {
	for batch := range r.Batches() {
		o.n.Add(int64(len(batch)))
		if o.keep {
			o.mu.Lock()
			for _, p := range batch {
				o.payloads = append(o.payloads, p.Message.Payload)
			}
			o.mu.Unlock()
		}
	}
	return nil
}

// nullOutputNamed returns the null output called name of the daemon built
// last.
func nullOutputNamed(name string) *nullOutput {
	v, ok := nullOutputs.Load(name)
	if !ok {
		return nil
	}
	return v.(*nullOutput)
}
