// Package counter is Heka's CounterFilter: it counts the messages it
// receives and reports the count and the throughput on every tick.
package counter

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "CounterFilter",
		Kind:    pipeline.KindFilter,
		Summary: "counts the messages it receives and injects heka.counter-output messages with the count and msg/sec on every tick",
		Config:  func() any { return &config{} },
		New:     newCounterFilter,
	})
}

// config is empty: the CounterFilter has only the options every filter has.
type config struct{}

// OutputType is the Type of the messages the CounterFilter injects.
const OutputType = "heka.counter-output"

// aggregateEvery is how many rates make an aggregate report, as in Heka.
const aggregateEvery = 10

// filter is a CounterFilter. Process, TimerEvent and Stop are called from
// one goroutine; Report may run at the same time, so what it reads is
// atomic.
type filter struct {
	env       *pipeline.Env
	count     atomic.Int64
	lastCount int64
	lastTime  int64 // ns of the last report, or of New before the first
	rate      atomic.Uint64
	rates     []float64
}

func newCounterFilter(env *pipeline.Env, _ any) (any, error) {
	return &filter{env: env, lastTime: time.Now().UnixNano()}, nil
}

// Process counts the message.
func (f *filter) Process(*pipeline.Pack) error {
	f.count.Add(1)
	return nil
}

// TimerEvent injects "Got N messages. R msg/sec": N the messages counted
// since the filter started, R those since the last report per second. As
// Heka's, it reports nothing when nothing came since the last report, and
// every tenth report is followed by one of the minimum, maximum and mean of
// the last ten rates.
func (f *filter) TimerEvent(ns int64, _ bool) error {
	count := f.count.Load()
	sent := count - f.lastCount
	if sent == 0 {
		return nil
	}
	var rate float64
	if elapsed := ns - f.lastTime; elapsed > 0 {
		rate = float64(sent) / (float64(elapsed) / 1e9)
	}
	f.lastCount, f.lastTime = count, ns
	f.rate.Store(math.Float64bits(rate))
	f.rates = append(f.rates, rate)
	f.inject(ns, fmt.Sprintf("Got %d messages. %0.2f msg/sec", count, rate))
	if len(f.rates) == aggregateEvery {
		var sum float64
		for _, r := range f.rates {
			sum += r
		}
		f.inject(ns, fmt.Sprintf("AGG Sum. Min: %0.2f    Max: %0.2f    Mean: %0.2f",
			slices.Min(f.rates), slices.Max(f.rates), sum/float64(len(f.rates))))
		f.rates = f.rates[:0]
	}
	return nil
}

// inject routes a report. A report that cannot be routed is logged: the
// count goes on, and the next report carries it.
func (f *filter) inject(ns int64, payload string) {
	m := message.New(ns)
	m.Type = OutputType
	m.Logger = f.env.Name
	m.Hostname = f.env.Globals.Hostname
	m.Pid = f.env.Globals.Pid
	m.Payload = payload
	if err := f.env.Inject(m); err != nil {
		f.env.Logf("report %q not routed: %v", payload, err)
	}
}

// Stop does nothing: the counts are not kept across restarts.
func (f *filter) Stop() error { return nil }

// Report adds the messages counted and the rate of the last report.
func (f *filter) Report(add func(key string, value any)) {
	add("count", f.count.Load())
	add("rate", math.Float64frombits(f.rate.Load()))
}
