// Package stdin is the StdinInput: the daemon's standard input, read once to
// its end, as one stream.
package stdin

import (
	"context"
	"io"
	"os"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "StdinInput",
		Kind:    pipeline.KindInput,
		Summary: "Reads the daemon's standard input to its end, then finishes.",
		Config:  func() any { return &config{} },
		New:     newStdinInput,
	})
}

// config is empty: the input has no options of its own.
type config struct{}

// Input reads one io.Reader, the process's standard input unless a test
// gives it another, as a finite stream.
type Input struct {
	hostname string
	in       io.Reader
}

func newStdinInput(env *pipeline.Env, _ any) (any, error) {
	return &Input{hostname: env.Globals.Hostname, in: os.Stdin}, nil
}

// Run reads standard input until it ends, then returns nil: the input is
// finite. When ctx is cancelled first, Run returns nil at once; a read
// already blocked on the terminal or pipe is left to the process's exit,
// since a blocking read of standard input cannot be interrupted portably.
func (in *Input) Run(ctx context.Context, r pipeline.InputRunner) error {
	s := r.NewStream(pipeline.Source{Input: r.Name(), Logger: "stdin", Hostname: in.hostname})
	cr := newChunkReader(ctx, in.in)
	defer cr.stop()
	err := s.ReadFrom(ctx, cr, nil)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// chunkReader reads its source from a goroutine of its own, so that Read
// can give up when the stream's context is cancelled. Two buffers go back
// and forth between them: the goroutine reads into one while Read returns
// the other's bytes.
type chunkReader struct {
	ctx    context.Context
	chunks chan chunk
	free   chan []byte // buffers Read is done with; it never blocks sending one
	done   chan struct{}
	cur    []byte // the buffer rest is in, given back once rest is consumed
	rest   []byte
	err    error
}

type chunk struct {
	b   []byte
	err error
}

// newChunkReader starts the goroutine that reads src. It ends when src
// returns an error (its end included) or stop is called.
func newChunkReader(ctx context.Context, src io.Reader) *chunkReader {
	cr := &chunkReader{ctx: ctx, chunks: make(chan chunk), free: make(chan []byte, 2), done: make(chan struct{})}
	cr.free <- make([]byte, 32*1024)
	cr.free <- make([]byte, 32*1024)
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-cr.free:
			case <-cr.done:
				return
			}
			n, err := src.Read(buf)
			select {
			case cr.chunks <- chunk{buf[:n], err}:
			case <-cr.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return cr
}

// Read returns what the goroutine read, or ctx's error once it is
// cancelled.
func (cr *chunkReader) Read(p []byte) (int, error) {
	for len(cr.rest) == 0 {
		if cr.err != nil {
			return 0, cr.err
		}
		if cr.cur != nil {
			cr.free <- cr.cur[:cap(cr.cur)]
			cr.cur = nil
		}
		select {
		case c := <-cr.chunks:
			cr.cur, cr.rest, cr.err = c.b, c.b, c.err
		case <-cr.ctx.Done():
			return 0, cr.ctx.Err()
		}
	}
	n := copy(p, cr.rest)
	cr.rest = cr.rest[n:]
	return n, nil
}

func (cr *chunkReader) stop() { close(cr.done) }
