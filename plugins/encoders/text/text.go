// Package text is the TextEncoder: each message rendered for people to
// read, one header per line.
package text

import "sandpiper/core/pipeline"

func init() {
	for _, typ := range []string{"TextEncoder", "RstEncoder"} {
		pipeline.Register(pipeline.Registration{
			Type:    typ,
			Kind:    pipeline.KindEncoder,
			Summary: "writes each message readably, one header or field per line",
			Config:  func() any { return &struct{}{} },
			New:     func(*pipeline.Env, any) (any, error) { return Encoder{}, nil },
		})
	}
}

// Encoder is the TextEncoder.
type Encoder struct{}

// Encode appends p.Message's readable rendering (message.AppendText) and
// a blank line that separates it from the next.
func (Encoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	return append(p.Message.AppendText(dst), '\n'), nil
}
