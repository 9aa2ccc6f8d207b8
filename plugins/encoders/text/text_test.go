package text

import (
	"strings"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func TestEncode(t *testing.T) {
	p := pipelinetest.Pack(t, `{"Timestamp":"2026-11-28T10:00:00Z","Type":"t","Payload":"two\nlines","Fields":{"n":12}}`)
	for _, typ := range []string{"TextEncoder", "RstEncoder"} {
		e, err := pipelinetest.Build(pipelinetest.Env(t, "txt", typ), typ, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.(pipeline.Encoder).Encode(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(got)
		want := string(p.Message.AppendText(nil)) + "\n"
		if s != want || !strings.Contains(s, `"two\nlines"`) || !strings.HasSuffix(s, "\n\n") {
			t.Errorf("%s: got %q, want %q", typ, s, want)
		}
	}
}
