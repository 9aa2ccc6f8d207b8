package daemon

import (
	"fmt"
	"sync/atomic"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// filterRunner runs one filter in its own goroutine: it takes batches from
// the filter's queue, calls Process for each message, calls TimerEvent every
// ticker_interval, and routes what the filter injects.
type filterRunner struct {
	d      *Daemon
	name   string
	filter pipeline.Filter
	route  *route
	ticker time.Duration

	// current is the message being processed, for the depth of what the
	// filter injects meanwhile; only the runner's goroutine touches it.
	current *pipeline.Pack

	shutdown chan chan struct{} // a request for the final timer_event
	done     chan struct{}      // closed when the goroutine has ended
	err      error              // what terminated the filter

	processed atomic.Int64
	injected  atomic.Int64
	loopDrops atomic.Int64
	loopLog   rateLog
}

// inject routes a message the filter injected: to every plugin but the
// filter itself, one level deeper than the message being processed. A
// message past max_message_loops is dropped, counted and logged instead:
// two filters that inject what the other matches would otherwise loop
// forever.
func (fr *filterRunner) inject(m *message.Message) error {
	depth := 1
	if fr.current != nil {
		depth = fr.current.Depth + 1
	}
	if depth > fr.d.settings.MaxLoops {
		fr.loopDrops.Add(1)
		fr.loopLog.logf(fr.d, fr.name, "dropped an injected message of Type %q: more than max_message_loops (%d) filters injected it in a chain", m.Type, fr.d.settings.MaxLoops)
		return nil
	}
	fr.injected.Add(1)
	fr.d.router.Route([]*pipeline.Pack{{Message: m, Injector: fr.name, Depth: depth}})
	return nil
}

func (fr *filterRunner) run() {
	defer close(fr.done)
	q := fr.route.queue
	var tick <-chan time.Time
	if fr.ticker > 0 {
		t := time.NewTicker(fr.ticker)
		defer t.Stop()
		tick = t.C
	}
	buf := make([]*pipeline.Pack, 0, maxBatchRecords)
	for {
		batch, closed := q.Take(buf[:0])
		for _, p := range batch {
			if fr.err == nil {
				fr.current = p
				if err := fr.filter.Process(p); err != nil {
					fr.terminate(err)
				}
				fr.current = nil
				fr.processed.Add(1)
			}
			p.Release()
		}
		clear(batch)
		fr.route.pending.Add(-int64(len(batch)))
		if closed {
			break
		}
		if len(batch) > 0 {
			select {
			case now := <-tick:
				fr.timerEvent(now, false)
			default:
			}
			continue
		}
		select {
		case <-q.Ready():
		case now := <-tick:
			fr.timerEvent(now, false)
		case reply := <-fr.shutdown:
			if fr.ticker > 0 {
				fr.timerEvent(time.Now(), true)
			}
			tick = nil // the final timer_event was the last
			close(reply)
		}
	}
	if err := fr.filter.Stop(); err != nil {
		fr.d.logf(fr.name, "stop: %v", err)
	}
}

func (fr *filterRunner) timerEvent(now time.Time, shutdown bool) {
	if fr.err != nil {
		return
	}
	if err := fr.filter.TimerEvent(now.UnixNano(), shutdown); err != nil {
		fr.terminate(err)
	}
}

// terminate takes a filter that failed out of the pipeline: the router
// stops sending it messages, those already queued are dropped (counted),
// and a heka.sandbox-terminated message tells the rest of the pipeline.
//
// The queue is closed and emptied before the report is routed: a producer
// blocked on this queue must be let go first, since it may be a filter
// that the report is routed to.
func (fr *filterRunner) terminate(err error) {
	err = withoutName(fr.name, err)
	fr.err = err
	fr.route.dead.Store(true)
	fr.route.queue.Close()
	n := fr.route.queue.Discard()
	fr.route.pending.Add(-int64(n))
	fr.d.logf(fr.name, "terminated: %v", err)
	fr.d.reportTerminated(fr.name, err)
}

// reportTerminated routes Heka's heka.sandbox-terminated message for a
// plugin that died: Payload the error, Fields plugin the plugin's name.
func (d *Daemon) reportTerminated(plugin string, err error) {
	m := message.New(time.Now().UnixNano())
	m.Type = "heka.sandbox-terminated"
	m.Logger = "sandpiper"
	m.Hostname = d.settings.Globals.Hostname
	m.Pid = d.settings.Globals.Pid
	m.Payload = err.Error()
	m.NewField("plugin", message.String).Strings = []string{plugin}
	d.terminations.Add(1)
	d.router.Route([]*pipeline.Pack{{Message: m, Injector: plugin, Depth: 1}})
}

func (fr *filterRunner) report(add func(string, any)) {
	add("matched", fr.route.matched.Load())
	add("processed", fr.processed.Load())
	add("out", fr.injected.Load())
	add("queue", fr.route.queue.Len())
	add("dropped", fr.route.queue.dropped.Load())
	if n := fr.route.queue.overflowed.Load(); n > 0 {
		add("over_capacity", n)
	}
	if n := fr.loopDrops.Load(); n > 0 {
		add("loop_dropped", n)
	}
	if fr.route.dead.Load() {
		add("terminated", fmt.Sprint(fr.err))
	}
}
