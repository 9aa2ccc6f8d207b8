package pipeline

import (
	"time"

	"sandpiper/core/message"
)

// NewPayloadMessage returns the message an input makes around a record when
// no decoder reads the record itself: Payload the record's text, Logger,
// Hostname and Type from src, Timestamp now (ns) and a fresh Uuid, as Heka's
// inputs made them.
func NewPayloadMessage(rec Record, src *Source, now int64) *message.Message {
	m := NewMessage()
	m.Uuid = message.NewUUID()
	m.Timestamp = now
	m.Payload = string(rec.Data)
	m.Logger = src.Logger
	m.Hostname = src.Hostname
	m.Type = src.Type
	return m
}

// PayloadDecoder is the decoder of an input that names none: every record
// becomes the Payload of a message made by NewPayloadMessage.
var PayloadDecoder Decoder = payloadDecoder{}

type payloadDecoder struct{}

func (payloadDecoder) Decode(rec Record, src *Source, emit func(*Pack)) error {
	emit(&Pack{Message: NewPayloadMessage(rec, src, time.Now().UnixNano()), Signer: rec.Signer})
	return nil
}
