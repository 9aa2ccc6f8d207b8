package daemon

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"sandpiper/core/pipeline"
)

// inputRunner runs one input: its Run goroutine, the streams it opens and
// the workers that decode their records.
type inputRunner struct {
	d           *Daemon
	name        string
	input       pipeline.Input
	splitter    pipeline.Splitter
	decoder     pipeline.Decoder
	decoderName string
	workers     int

	sendFailures bool
	logFailures  bool
	failureLog   rateLog

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned and the workers ended
	err    error         // what Run returned, or the decoder's fatal error

	jobs        chan *batch
	workersOnce sync.Once
	workerWG    sync.WaitGroup
	batches     sync.Pool // free *batch

	fatalErr atomic.Pointer[error]

	records     atomic.Int64 // records read
	messages    atomic.Int64 // messages routed
	failures    atomic.Int64 // records the decoder failed
	skipped     atomic.Int64 // bytes the splitter skipped
	streamsOpen atomic.Int64
}

func (ir *inputRunner) Name() string { return ir.name }

func (ir *inputRunner) Logf(format string, args ...any) { ir.d.logf(ir.name, format, args...) }

func (ir *inputRunner) NewStream(src pipeline.Source) pipeline.Stream {
	if src.Input == "" {
		src.Input = ir.name
	}
	if src.Logger == "" {
		src.Logger = ir.name
	}
	if src.Hostname == "" {
		src.Hostname = ir.d.settings.Globals.Hostname
	}
	ir.streamsOpen.Add(1)
	return &stream{ir: ir, src: src}
}

func (ir *inputRunner) fatal() error {
	if p := ir.fatalErr.Load(); p != nil {
		return *p
	}
	return nil
}

// fail stops the input after its decoder died, once: the error is logged
// and reported as a heka.sandbox-terminated message, and the input's
// context is cancelled so that its Run returns.
func (ir *inputRunner) fail(err error) {
	err = withoutName(ir.decoderName, err)
	wrapped := fmt.Errorf("decoder %s terminated, input stopped: %w", ir.decoderName, err)
	if !ir.fatalErr.CompareAndSwap(nil, &wrapped) {
		return
	}
	ir.d.logf(ir.name, "%v", wrapped)
	ir.d.reportTerminated(ir.decoderName, err)
	ir.cancel()
}

// run calls the input's Run and, once it has returned, ends the workers.
func (ir *inputRunner) run() {
	defer close(ir.done)
	err := ir.input.Run(ir.ctx, ir)
	ir.stopWorkers()
	if f := ir.fatal(); f != nil {
		err = f
	}
	if err != nil && err != context.Canceled {
		ir.err = err
		ir.d.logf(ir.name, "stopped: %v", err)
	}
}

func (ir *inputRunner) report(add func(string, any)) {
	add("records", ir.records.Load())
	add("messages", ir.messages.Load())
	add("decode_failures", ir.failures.Load())
	add("bytes_skipped", ir.skipped.Load())
	add("streams_open", ir.streamsOpen.Load())
}
