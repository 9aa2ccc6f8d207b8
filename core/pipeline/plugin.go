// Package pipeline is the plugin contract of the daemon: the Pack that
// carries a message from the decoder that made it to the outputs that write
// it, the six kinds of plugin with their small interfaces, the Env a plugin
// is built with, and the registry of plugin types by name.
//
// A message goes
//
//	Input → Splitter → Decoder → router ─→ Filter ─→ (injected) router
//	                                      └→ Output (with an Encoder)
//
// The runtime that drives these interfaces (queues, router, runners, start
// and stop) is package daemon; a plugin imports this package only.
//
// Lifecycle: a plugin is built from its decoded configuration by its
// Registration's New, which validates everything it can without touching the
// outside world (no file opened for writing, no socket), so that `sandpiper
// check` can build every plugin and discard it. Inputs and outputs touch the
// world only in Run; filters and decoders are ready once built.
package pipeline

import (
	"context"
	"errors"
	"io"
)

// Record is one record a Splitter found in a stream: a line, a framed Heka
// message, a datagram.
type Record struct {
	// Data holds the record's bytes, without the delimiter or framing. It
	// is valid until the next call to Next of the RecordReader that
	// returned it: a Decoder that keeps bytes copies them.
	Data []byte
	// Signer is the verified signer of a signed framed record, "" otherwise.
	Signer string
	// End is the offset in the stream just past the record (delimiter and
	// framing included): where reading resumes after it.
	End int64
}

// Source says where records come from, for the headers of the messages a
// Decoder makes around them.
type Source struct {
	Input    string // the input plugin's name
	Logger   string // Logger of messages made around a record: the file or stream name, else the input's name
	Hostname string // Hostname of those messages: the peer's address for network inputs, else the daemon's host name
	Type     string // Type of those messages, "" for none
}

// Splitter cuts a byte stream into records. One Splitter serves every
// stream of an input: each stream gets its own RecordReader.
type Splitter interface {
	NewReader(r io.Reader) RecordReader
}

// RecordReader reads the records of one stream. It is used from one
// goroutine.
type RecordReader interface {
	// Next returns the next record. It returns io.EOF once the stream has
	// ended and every complete record was returned (the bytes of an
	// incomplete last record count as skipped), and any other error of the
	// underlying reader.
	Next() (Record, error)
	// Buffered returns how many bytes are read and not yet returned: 0
	// means the next call to Next will block on the underlying reader, so
	// records gathered so far are sent on first.
	Buffered() int
	// Skipped returns how many bytes were not part of any record:
	// garbage between framed records, records over the size limit, bad
	// signatures, an incomplete last record.
	Skipped() int64
}

// Decoder turns one record into the messages that are routed. It is called
// from several goroutines at once (a stream decodes in parallel and puts the
// results back in order), so it must be safe for concurrent use.
type Decoder interface {
	// Decode decodes rec, from src, and passes each message it makes to
	// emit, in order. An error fails this record only: the daemon counts
	// it and, with the input's send_decode_failures, routes the record as
	// the Payload of a message with decode_failure fields. An error made by
	// Fatal stops the input.
	Decode(rec Record, src *Source, emit func(*Pack)) error
}

// Workers is implemented by a Decoder that limits how many records it can
// decode at once (a pool of N sandboxes); other decoders get one worker per
// core.
type Workers interface {
	Workers() int
}

// Filter is a plugin that reads the messages its matcher selects and injects
// new ones. Its methods are called from one goroutine, never at once.
type Filter interface {
	// Process handles one message. An error terminates the filter: the
	// daemon reports it in a heka.sandbox-terminated message and stops
	// sending it messages, and the rest of the pipeline goes on.
	Process(p *Pack) error
	// TimerEvent is called every ticker_interval with the time in ns, and
	// once more with shutdown true when the daemon stops (when
	// ticker_interval is set). An error terminates the filter as Process's.
	TimerEvent(ns int64, shutdown bool) error
	// Stop releases the filter (saving preserved state) after the last call.
	Stop() error
}

// Encoder turns a message into the bytes an output writes.
type Encoder interface {
	// Encode appends p's encoding to dst and returns the extended slice.
	// It is called from the output's goroutine only.
	Encode(dst []byte, p *Pack) ([]byte, error)
}

// Input reads messages from outside the daemon.
type Input interface {
	// Run reads until ctx is cancelled, then returns nil, or until its
	// source ends: an input that returns nil before ctx is cancelled is
	// finite (stdin, files read once) and the daemon exits by itself once
	// every input has. An error stops this input only and is reported.
	// Every stream Run opened is closed before it returns.
	Run(ctx context.Context, r InputRunner) error
}

// InputRunner is what the daemon gives an input's Run.
type InputRunner interface {
	Name() string
	// NewStream returns a stream that splits what it reads with the
	// input's splitter, decodes the records with its decoder and routes the
	// messages, in the order of the records.
	NewStream(src Source) Stream
	// Logf writes a line to the daemon's log, prefixed with the input's name.
	Logf(format string, args ...any)
}

// Stream is one source of an input (a file, a connection, the datagrams of
// a socket), processed in order.
type Stream interface {
	// ReadFrom reads r until it ends (then returns nil), fails, or ctx is
	// cancelled (then returns ctx.Err() once what was read is routed).
	// When ack is not nil it is called with the End offset (relative to
	// the bytes read from r by this call) of the last record of each batch
	// once every message decoded from the batch has been routed, in order:
	// an input that journals offsets saves these. ack is called from a
	// goroutine of the stream's own, one call at a time, while r may be
	// being read (so that the journal keeps up while the reader waits for
	// more bytes), and never after ReadFrom has returned.
	ReadFrom(ctx context.Context, r io.Reader, ack func(end int64)) error
	// Close waits until everything read has been routed and releases the
	// stream.
	Close() error
}

// Output writes messages out of the daemon.
type Output interface {
	// Run opens what the output writes to and writes every batch received
	// from r.Batches() until that channel is closed, when the daemon stops
	// and the queue is drained; it then flushes, closes and returns nil.
	// ctx is cancelled when the daemon gives up waiting (shutdown_timeout):
	// Run must then return promptly, counting what it could not write.
	// An error stops this output and is reported.
	Run(ctx context.Context, r OutputRunner) error
}

// OutputRunner is what the daemon gives an output's Run.
type OutputRunner interface {
	Name() string
	// Batches delivers the messages the output's matcher selected, in
	// batches. The slices are the output's to read until the next receive;
	// the Packs must not be changed.
	Batches() <-chan []*Pack
	// Encode appends p's encoding by the output's encoder, in Heka's
	// stream framing when use_framing is set (and the output does not
	// frame itself: Registration.OwnFraming), to dst.
	Encode(dst []byte, p *Pack) ([]byte, error)
	// Dropped counts n messages the output received but could not write.
	Dropped(n int)
	// Logf writes a line to the daemon's log, prefixed with the output's name.
	Logf(format string, args ...any)
}

// Reporter is implemented by plugins with figures of their own for the
// daemon's report (SIGUSR1): a sandbox's memory, a file's offset.
type Reporter interface {
	Report(add func(key string, value any))
}

// fatalError marks a decoder error that stops the input.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

// Fatal marks err as fatal to the decoder that returns it: the daemon stops
// the input that fed the record (a terminated sandbox decoder) instead of
// counting one failed record.
func Fatal(err error) error { return fatalError{err} }

// IsFatal reports whether err was made by Fatal.
func IsFatal(err error) bool {
	var f fatalError
	return errors.As(err, &f)
}
