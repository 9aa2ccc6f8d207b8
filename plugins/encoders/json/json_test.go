package json

import (
	"testing"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func TestEncode(t *testing.T) {
	e, err := pipelinetest.Build(pipelinetest.Env(t, "js", "JsonEncoder"), "JsonEncoder", "")
	if err != nil {
		t.Fatal(err)
	}
	const form = `{"Uuid":"0b9a2a3c-5c5f-4f4e-9c5a-1d2e3f405162","Timestamp":"2026-11-28T10:00:00.123456789Z","Type":"t","Payload":"a\nb","Fields":{"n":9007199254740993,"x":1.5}}`
	got, err := e.(pipeline.Encoder).Encode([]byte("{}\n"), pipelinetest.Pack(t, form))
	if err != nil || string(got) != "{}\n"+form+"\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	// The line reads back to the same message.
	m := new(message.Message)
	if err := m.UnmarshalJSON(got[3 : len(got)-1]); err != nil || string(m.AppendJSON(nil)) != form {
		t.Errorf("read back: %s, %v", m.AppendJSON(nil), err)
	}
}
