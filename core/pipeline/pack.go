package pipeline

import (
	"sync"
	"sync/atomic"

	"sandpiper/core/message"
)

// Pack is one message on its way through the daemon. Once routed it is
// shared by every plugin whose matcher selected it and must not be changed:
// a filter that wants a changed message injects a new one.
//
// A routed Pack is counted: the daemon holds it once for each queue it is
// in, and releases it when the filter has processed it or the output has
// received its next batch. The last release returns the Message to a pool
// that NewMessage draws from, so that its Fields' storage serves the next
// message decoded instead of being garbage. A plugin therefore keeps
// nothing of a Pack beyond the call that received it (or, for an output,
// beyond its next batch): not the Pack, not the Message, not a Field's value
// slices. Strings and Bytes values may be kept: decoding never writes over
// the bytes they point to.
type Pack struct {
	Message *message.Message
	// Raw is the protobuf encoding Message was decoded from, nil when
	// Message was built or changed after decoding: encoders write Raw as
	// it is instead of encoding Message again.
	Raw []byte
	// Signer is the verified signer of the framed record Message came in,
	// "" when unsigned.
	Signer string
	// Injector is the name of the filter that injected Message, "" for a
	// message from an input: the router never sends a filter its own
	// messages.
	Injector string
	// Depth is how many filters injected Message in a chain (0 for a
	// message from an input); the router drops a message deeper than
	// max_message_loops.
	Depth int

	holders atomic.Int32
}

// messages holds the released messages NewMessage hands out again.
var messages = sync.Pool{New: func() any { return new(message.Message) }}

// NewMessage returns an empty message for a decoder to fill: one whose last
// Pack was released, keeping its Fields' storage, or a new one. Decoding
// into a used message costs a third of decoding into a new one.
func NewMessage() *message.Message {
	m := messages.Get().(*message.Message)
	m.Reset()
	return m
}

// Hold counts n more holders of p. The daemon's router holds a pack while
// it routes it and once for each queue it puts it in.
func (p *Pack) Hold(n int32) { p.holders.Add(n) }

// Release drops one holder of p. The last one returns p's Message to the
// pool of NewMessage; p must not be used afterwards.
func (p *Pack) Release() {
	switch n := p.holders.Add(-1); {
	case n == 0:
		m := p.Message
		p.Message, p.Raw = nil, nil
		messages.Put(m)
	case n < 0:
		panic("pipeline: Pack released more often than held")
	}
}
