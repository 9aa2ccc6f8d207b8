// Package log is the LogOutput plugin: it writes each encoded message to
// the daemon's standard output, one per line, for `make run` and for
// watching a pipeline at work.
package log

import (
	"context"
	"io"
	"os"
	"sync/atomic"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "LogOutput",
		Kind:    pipeline.KindOutput,
		Summary: "Writes each encoded message to standard output, one per line.",
		Config:  func() any { return &config{} },
		New:     newLogOutput,
		// The Payload of each message, as Heka's LogOutput printed it.
		DefaultEncoder: "PayloadEncoder",
		DefaultFraming: false,
	})
}

// config is empty: LogOutput has only the options every output has.
type config struct{}

// logOutput is the LogOutput plugin.
type logOutput struct {
	name string
	// w is where the lines go: standard output, or a buffer in tests.
	w io.Writer

	messagesWritten atomic.Int64
	bytesWritten    atomic.Int64
}

func newLogOutput(env *pipeline.Env, _ any) (any, error) {
	return &logOutput{name: env.Name, w: os.Stdout}, nil
}

// Report gives the messages and bytes written.
func (o *logOutput) Report(add func(key string, value any)) {
	add("messages_written", o.messagesWritten.Load())
	add("bytes_written", o.bytesWritten.Load())
}

// Run writes each batch with one write, each message followed by a newline
// unless its encoding ends with one, until the batches end or ctx is
// cancelled.
func (o *logOutput) Run(ctx context.Context, r pipeline.OutputRunner) error {
	var buf []byte
	batches := r.Batches()
	for {
		select {
		case batch, ok := <-batches:
			if !ok {
				return nil
			}
			buf = o.write(r, buf[:0], batch)
		case <-ctx.Done():
			return nil
		}
	}
}

// write encodes batch into buf, writes it and returns buf for reuse.
func (o *logOutput) write(r pipeline.OutputRunner, buf []byte, batch []*pipeline.Pack) []byte {
	var n, failed int
	var encErr error
	for _, p := range batch {
		b, err := r.Encode(buf, p)
		if err != nil {
			failed++
			encErr = err
			continue
		}
		if len(b) == len(buf) || b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		buf = b
		n++
	}
	if failed > 0 {
		r.Dropped(failed)
		r.Logf("%d of %d messages dropped; last encoding error: %v", failed, len(batch), encErr)
	}
	if n == 0 {
		return buf
	}
	w, err := o.w.Write(buf)
	o.bytesWritten.Add(int64(w))
	if err != nil {
		r.Dropped(n)
		r.Logf("write: %v: %d messages dropped", err, n)
		return buf
	}
	o.messagesWritten.Add(int64(n))
	return buf
}
