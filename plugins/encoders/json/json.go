// Package json is the JsonEncoder: each message in the JSON form of
// docs/message-json.md, one per line.
package json

import "sandpiper/core/pipeline"

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "JsonEncoder",
		Kind:    pipeline.KindEncoder,
		Summary: "writes each message in Sandpiper's JSON form, one per line",
		Config:  func() any { return &struct{}{} },
		New:     func(*pipeline.Env, any) (any, error) { return Encoder{}, nil },
	})
}

// Encoder is the JsonEncoder.
type Encoder struct{}

// Encode appends p.Message's JSON form and a newline.
func (Encoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	return append(p.Message.AppendJSON(dst), '\n'), nil
}
