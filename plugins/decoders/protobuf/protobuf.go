// Package protobuf is the ProtobufDecoder: each record is one message in
// Heka's protobuf encoding, as a HekaFramingSplitter returns them.
package protobuf

import (
	"bytes"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "ProtobufDecoder",
		Kind:    pipeline.KindDecoder,
		Summary: "decodes records holding one protobuf-encoded Heka message each",
		Config:  func() any { return &struct{}{} },
		New:     func(*pipeline.Env, any) (any, error) { return Decoder{}, nil },
	})
}

// Decoder is the ProtobufDecoder. It is safe for concurrent use.
type Decoder struct{}

// Decode decodes rec.Data into a message whose Pack keeps a copy of the
// bytes as Raw, so that outputs write them again without encoding. An
// undecodable record is an error naming the field and the byte offset.
func (Decoder) Decode(rec pipeline.Record, _ *pipeline.Source, emit func(*pipeline.Pack)) error {
	// One copy of the record, since the splitter reuses rec.Data: the
	// message's strings point into it, and it is Raw.
	raw := bytes.Clone(rec.Data)
	m := pipeline.NewMessage()
	if err := m.UnmarshalOwned(raw); err != nil {
		return err
	}
	emit(&pipeline.Pack{Message: m, Raw: raw, Signer: rec.Signer})
	return nil
}
