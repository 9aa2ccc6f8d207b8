package json

import (
	"strings"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func TestDecode(t *testing.T) {
	d, err := pipelinetest.Build(pipelinetest.Env(t, "js", "JsonDecoder"), "JsonDecoder", "")
	if err != nil {
		t.Fatal(err)
	}
	in := &pipelinetest.Input{Decoder: d.(pipeline.Decoder)}
	lines := strings.Join([]string{
		`{"Uuid":"0b9a2a3c-5c5f-4f4e-9c5a-1d2e3f405162","Timestamp":"2026-11-28T10:00:00.123456789Z","Type":"t","Payload":"p","Fields":{"n":12,"x":1.5,"s":"v"}}`,
		`{"Payload":`,
		`{"Payload":"second","Fields":{"n":"DOUBLE"}}`,
		`{"Severity":"high"}`,
	}, "\n")
	if err := in.NewStream(pipeline.Source{}).ReadFrom(t.Context(), strings.NewReader(lines), nil); err != nil {
		t.Fatal(err)
	}
	packs := in.Packs()
	if len(packs) != 2 {
		t.Fatalf("got %d messages, want 2", len(packs))
	}
	want := `{"Uuid":"0b9a2a3c-5c5f-4f4e-9c5a-1d2e3f405162","Timestamp":"2026-11-28T10:00:00.123456789Z","Type":"t","Payload":"p","Fields":{"n":12,"x":1.5,"s":"v"}}`
	if got := string(packs[0].Message.AppendJSON(nil)); got != want {
		t.Errorf("first message\n got %s\nwant %s", got, want)
	}
	if packs[1].Message.Payload != "second" || packs[1].Message.Timestamp == 0 || packs[1].Raw != nil {
		t.Errorf("second message %s, Raw %v", packs[1].Message.AppendJSON(nil), packs[1].Raw)
	}
	errs := in.Errors()
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), "message JSON") || !strings.Contains(errs[1].Error(), "Severity") {
		t.Errorf("errors %v, want two naming the problem", errs)
	}
}
