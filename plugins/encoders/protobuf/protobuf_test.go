package protobuf

import (
	"bytes"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func TestEncode(t *testing.T) {
	e, err := pipelinetest.Build(pipelinetest.Env(t, "pb", "ProtobufEncoder"), "ProtobufEncoder", "")
	if err != nil {
		t.Fatal(err)
	}
	enc := e.(pipeline.Encoder)
	p := pipelinetest.Pack(t, `{"Payload":"hi","Fields":{"n":1}}`)
	raw := []byte("raw bytes kept by the decoder")
	tests := []struct {
		name string
		pack *pipeline.Pack
		want []byte
	}{
		{"built message", p, p.Message.Marshal()},
		{"decoded message", &pipeline.Pack{Message: p.Message, Raw: raw}, raw},
	}
	for _, tt := range tests {
		got, err := enc.Encode([]byte("prefix"), tt.pack)
		if err != nil || !bytes.Equal(got, append([]byte("prefix"), tt.want...)) {
			t.Errorf("%s: got %q, %v", tt.name, got, err)
		}
	}
	// Framed by the output runner, the records read back.
	out := &pipelinetest.Output{Encoder: enc, Framing: true}
	b, err := out.Encode(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if msgs := pipelinetest.ReadFramed(t, b); len(msgs) != 1 || msgs[0].Payload != "hi" {
		t.Errorf("framed: %v", msgs)
	}
}
