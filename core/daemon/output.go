package daemon

import (
	"context"
	"sync/atomic"

	"sandpiper/core/framing"
	"sandpiper/core/pipeline"
)

// outputRunner runs one output: a pump goroutine moves batches from the
// output's queue to the channel its Run reads, and Run writes them.
type outputRunner struct {
	d       *Daemon
	name    string
	output  pipeline.Output
	route   *route
	encoder pipeline.Encoder
	framing bool
	scratch []byte // the unframed encoding, when framing

	batches chan []*pipeline.Pack
	// last is the batch the pump sent last, released once Run has
	// returned (each earlier batch is released when the next is received).
	last []*pipeline.Pack
	done chan struct{} // closed when Run has returned and the pump ended
	err  error

	sent    atomic.Int64 // messages handed to Run
	dropped atomic.Int64 // messages Run counted as not written
}

func (or *outputRunner) Name() string                     { return or.name }
func (or *outputRunner) Batches() <-chan []*pipeline.Pack { return or.batches }
func (or *outputRunner) Dropped(n int)                    { or.dropped.Add(int64(n)) }
func (or *outputRunner) Logf(format string, args ...any)  { or.d.logf(or.name, format, args...) }

func (or *outputRunner) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	if !or.framing {
		return or.encoder.Encode(dst, p)
	}
	var err error
	if or.scratch, err = or.encoder.Encode(or.scratch[:0], p); err != nil {
		return dst, err
	}
	return framing.AppendRecord(dst, or.scratch), nil
}

// run starts the pump and calls the output's Run. The pump ends when the
// queue is closed and empty (it then closes batches) or ctx is done. If Run
// returns early (a failed output), what reaches it afterwards is dropped and
// counted, so that producers are never blocked by an output that is gone.
func (or *outputRunner) run(ctx context.Context) {
	defer close(or.done)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		or.pump(ctx)
	}()
	err := or.output.Run(ctx, or)
	if err != nil {
		or.err = err
		or.route.dead.Store(true)
		or.d.logf(or.name, "stopped: %v", err)
		or.route.queue.Discard()
	}
	for b := range or.batches {
		or.dropped.Add(int64(len(b)))
	}
	<-pumped
	release(or.last)
}

func release(packs []*pipeline.Pack) {
	for _, p := range packs {
		p.Release()
	}
}

func (or *outputRunner) pump(ctx context.Context) {
	defer close(or.batches)
	q := or.route.queue
	var bufs [2][]*pipeline.Pack
	for i := range bufs {
		bufs[i] = make([]*pipeline.Pack, 0, maxBatchRecords)
	}
	i := 0
	for {
		b, closed := q.Take(bufs[i][:0])
		if len(b) > 0 {
			select {
			case or.batches <- b:
				// Run has received b, so it is done with the batch before.
				or.sent.Add(int64(len(b)))
				release(or.last)
				clear(or.last)
				or.last = b
			case <-ctx.Done():
				release(b)
				or.dropped.Add(int64(len(b)))
				q.Discard()
				return
			}
			i ^= 1
			continue
		}
		if closed {
			return
		}
		select {
		case <-q.Ready():
		case <-ctx.Done():
			q.Discard()
			return
		}
	}
}

func (or *outputRunner) report(add func(string, any)) {
	add("matched", or.route.matched.Load())
	add("sent", or.sent.Load())
	add("queue", or.route.queue.Len())
	add("dropped", or.route.queue.dropped.Load()+or.dropped.Load())
	if n := or.route.queue.overflowed.Load(); n > 0 {
		add("over_capacity", n)
	}
}
