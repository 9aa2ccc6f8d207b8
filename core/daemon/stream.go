package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// A batch gathers records read from one stream, to be decoded by one worker
// and routed in one call. Batches keep the order of a stream: the stream's
// sequencer routes them in the order they were read, whichever worker
// finishes first.
const (
	maxBatchRecords = 256
	maxBatchBytes   = 1 << 20
)

type recordRef struct {
	off, n int
	signer string
	end    int64
}

type batch struct {
	src   *pipeline.Source
	arena []byte // the records' bytes, copied out of the splitter's buffer
	recs  []recordRef
	out   []*pipeline.Pack
	fatal error         // a decoder error made by pipeline.Fatal
	done  chan struct{} // closed when decoded
}

func (b *batch) reset() {
	b.arena = b.arena[:0]
	b.recs = b.recs[:0]
	clear(b.out)
	b.out = b.out[:0]
	b.fatal = nil
	b.done = make(chan struct{})
}

// stream is one source of an input. ReadFrom's goroutine reads and splits;
// the input's workers decode; the stream's sequencer goroutine, which lives
// as long as one ReadFrom call, routes the decoded batches in order.
type stream struct {
	ir  *inputRunner
	src pipeline.Source
}

func (s *stream) ReadFrom(ctx context.Context, r io.Reader, ack func(end int64)) error {
	ir := s.ir
	// Once ctx is done the splitter reads no more, but still returns the
	// complete records it holds: what was read is routed.
	rr := ir.splitter.NewReader(stopReader{ctx, r})
	ir.startWorkers()

	// The sequencer: one goroutine per ReadFrom call, ended by closing seq;
	// ReadFrom waits for it before returning.
	// It acknowledges each batch once routed, so that an input's journal
	// keeps up even while the reader is blocked waiting for more bytes.
	seq := make(chan *batch, ir.workers+1)
	seqDone := make(chan struct{})
	go func() {
		defer close(seqDone)
		for b := range seq {
			<-b.done
			// After a batch whose decoder died, the batches other workers
			// decoded meanwhile are neither routed nor acknowledged: the
			// records between stay unrouted, so no ack may pass them.
			if ir.fatal() == nil {
				ir.finish(b)
				if ack != nil && len(b.recs) > 0 {
					ack(b.recs[len(b.recs)-1].end)
				}
			}
			ir.batches.Put(b)
		}
	}()

	var skipped int64
	b := ir.newBatch(&s.src)
	var err error
	for {
		if f := ir.fatal(); f != nil {
			err = f
			break
		}
		var rec pipeline.Record
		rec, err = rr.Next()
		if err != nil {
			switch {
			case err == io.EOF:
				err = nil
			case ctx.Err() != nil:
				err = ctx.Err()
			}
			break
		}
		ir.records.Add(1)
		off := len(b.arena)
		b.arena = append(b.arena, rec.Data...)
		b.recs = append(b.recs, recordRef{off: off, n: len(rec.Data), signer: rec.Signer, end: rec.End})
		if len(b.recs) >= maxBatchRecords || len(b.arena) >= maxBatchBytes || rr.Buffered() == 0 {
			seq <- b
			ir.jobs <- b
			b = ir.newBatch(&s.src)
			skipped = ir.countSkipped(rr, skipped)
		}
	}
	ir.countSkipped(rr, skipped)
	if len(b.recs) > 0 {
		seq <- b
		ir.jobs <- b
	} else {
		ir.batches.Put(b)
	}
	close(seq)
	<-seqDone
	if err == nil {
		err = ir.fatal()
	}
	return err
}

// stopReader reads from r until ctx is done, then fails with errStopped
// instead of reading more. It is not io.EOF, so that a splitter counts an
// incomplete last record as skipped rather than return it as a record: a
// line half-written when the daemon stops is read whole by the next run.
type stopReader struct {
	ctx context.Context
	r   io.Reader
}

var errStopped = errors.New("stopped")

func (s stopReader) Read(p []byte) (int, error) {
	if s.ctx.Err() != nil {
		return 0, errStopped
	}
	return s.r.Read(p)
}

func (s *stream) Close() error {
	s.ir.streamsOpen.Add(-1)
	return nil
}

// newBatch returns an empty batch from the input's free list.
func (ir *inputRunner) newBatch(src *pipeline.Source) *batch {
	b, _ := ir.batches.Get().(*batch)
	if b == nil {
		b = new(batch)
	}
	b.reset()
	b.src = src
	return b
}

// startWorkers starts the input's decoding goroutines on first use; they
// end when the input's Run has returned and jobs is closed (stopWorkers).
func (ir *inputRunner) startWorkers() {
	ir.workersOnce.Do(func() {
		for i := 0; i < ir.workers; i++ {
			ir.workerWG.Add(1)
			go func() {
				defer ir.workerWG.Done()
				for b := range ir.jobs {
					ir.decode(b)
					close(b.done)
				}
			}()
		}
	})
}

func (ir *inputRunner) stopWorkers() {
	close(ir.jobs)
	ir.workerWG.Wait()
}

// decode runs the decoder over every record of b, collecting its messages,
// and a failure message for each failed record when send_decode_failures
// is set. After a fatal error the batch's remaining records are not decoded.
func (ir *inputRunner) decode(b *batch) {
	if b.fatal = ir.fatal(); b.fatal != nil {
		b.recs = b.recs[:0]
		return
	}
	emit := func(p *pipeline.Pack) { b.out = append(b.out, p) }
	for i, ref := range b.recs {
		rec := pipeline.Record{Data: b.arena[ref.off : ref.off+ref.n : ref.off+ref.n], Signer: ref.signer, End: ref.end}
		err := ir.decoder.Decode(rec, b.src, emit)
		if err == nil {
			continue
		}
		if pipeline.IsFatal(err) {
			b.fatal = err
			b.recs = b.recs[:i]
			return
		}
		ir.failures.Add(1)
		if ir.logFailures {
			ir.failureLog.logf(ir.d, ir.name, "decoder %s: %v (record %q)", ir.decoderName, err, clip(rec.Data, 200))
		}
		if ir.sendFailures {
			m := pipeline.NewPayloadMessage(rec, b.src, time.Now().UnixNano())
			m.Pid = ir.d.settings.Globals.Pid
			m.NewField("decode_failure", message.Bool).Bools = []bool{true}
			m.NewField("decode_error", message.String).Strings = []string{err.Error()}
			emit(&pipeline.Pack{Message: m, Signer: rec.Signer})
		}
	}
}

// countSkipped adds to the input's count the bytes rr skipped since it had
// skipped counted, once per batch rather than per record, and returns rr's
// total.
func (ir *inputRunner) countSkipped(rr pipeline.RecordReader, counted int64) int64 {
	sk := rr.Skipped()
	if sk != counted {
		ir.skipped.Add(sk - counted)
	}
	return sk
}

// finish routes a decoded batch, in the sequencer's goroutine, and handles a
// decoder that died: the input stops with the error and the daemon reports it.
func (ir *inputRunner) finish(b *batch) {
	if len(b.out) > 0 {
		ir.messages.Add(int64(len(b.out)))
		ir.d.router.Route(b.out)
	}
	if b.fatal != nil {
		ir.fail(b.fatal)
	}
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// rateLog lets the first few lines of a kind through and then one in every
// thousand, counting what it held back, so that a flood of bad input cannot
// flood the log.
type rateLog struct {
	mu   sync.Mutex
	seen int64
}

func (l *rateLog) logf(d *Daemon, name, format string, args ...any) {
	l.mu.Lock()
	l.seen++
	n := l.seen
	l.mu.Unlock()
	switch {
	case n <= 10:
		d.logf(name, format, args...)
	case n%1000 == 0:
		d.logf(name, "%s (%d so far; logging one in 1000)", fmt.Sprintf(format, args...), n)
	}
}
