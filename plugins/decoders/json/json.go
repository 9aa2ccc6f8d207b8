// Package json is the JsonDecoder: each record is one message in the JSON
// form of docs/message-json.md, as `sandpiper cat` and the JsonEncoder
// write them.
package json

import (
	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "JsonDecoder",
		Kind:    pipeline.KindDecoder,
		Summary: "decodes records holding one message in Sandpiper's JSON form each",
		Config:  func() any { return &struct{}{} },
		New:     func(*pipeline.Env, any) (any, error) { return Decoder{}, nil },
	})
}

// Decoder is the JsonDecoder. It is safe for concurrent use.
type Decoder struct{}

// Decode decodes rec.Data, one message in the JSON form. A missing Uuid is
// generated and a missing Timestamp is the current time; an error names
// the key that failed.
func (Decoder) Decode(rec pipeline.Record, _ *pipeline.Source, emit func(*pipeline.Pack)) error {
	m := pipeline.NewMessage()
	if err := m.UnmarshalJSON(rec.Data); err != nil {
		return err
	}
	emit(&pipeline.Pack{Message: m, Signer: rec.Signer})
	return nil
}
