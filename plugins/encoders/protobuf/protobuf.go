// Package protobuf is the ProtobufEncoder: messages in Heka's protobuf
// encoding, the default encoder of outputs.
package protobuf

import "sandpiper/core/pipeline"

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "ProtobufEncoder",
		Kind:    pipeline.KindEncoder,
		Summary: "writes messages in Heka's protobuf encoding",
		Config:  func() any { return &struct{}{} },
		New:     func(*pipeline.Env, any) (any, error) { return Encoder{}, nil },
	})
}

// Encoder is the ProtobufEncoder.
type Encoder struct{}

// Encode appends the bytes p.Message was decoded from when the Pack kept
// them, and the message's encoding otherwise.
func (Encoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	if p.Raw != nil {
		return append(dst, p.Raw...), nil
	}
	return p.Message.MarshalAppend(dst), nil
}
