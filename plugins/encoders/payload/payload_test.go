package payload

import (
	"strings"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func TestEncode(t *testing.T) {
	p := pipelinetest.Pack(t, `{"Timestamp":"2026-11-28T10:00:00.5Z","Payload":"GET /"}`)
	tests := []struct {
		options string
		want    string
	}{
		{``, "GET /\n"},
		{`append_newlines = false`, "GET /"},
		{`prefix_ts = true`, "[2026/Nov/28:10:00:00 +0000] GET /\n"},
		{"prefix_ts = true\nts_format = \"2006-01-02T15:04:05.000Z07:00 \"", "2026-11-28T10:00:00.500Z GET /\n"},
	}
	for _, tt := range tests {
		e, err := pipelinetest.Build(pipelinetest.Env(t, "pl", "PayloadEncoder"), "PayloadEncoder", tt.options)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.(pipeline.Encoder).Encode([]byte(">"), p)
		if err != nil || string(got) != ">"+tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.options, got, err, ">"+tt.want)
		}
	}
}

func TestTimeOfWriting(t *testing.T) {
	e, err := pipelinetest.Build(pipelinetest.Env(t, "pl", "PayloadEncoder"), "PayloadEncoder", "prefix_ts = true\nts_from_message = false\nts_format = \"2006 \"")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.(pipeline.Encoder).Encode(nil, pipelinetest.Pack(t, `{"Timestamp":"1999-01-01T00:00:00Z","Payload":"x"}`))
	if strings.HasPrefix(string(got), "1999") {
		t.Errorf("got %q: the message's time, not the time of writing", got)
	}
}

func TestOptions(t *testing.T) {
	_, err := pipelinetest.Build(pipelinetest.Env(t, "pl", "PayloadEncoder"), "PayloadEncoder", "prefix_ts = true\nts_format = \"at \"")
	if err == nil || !strings.HasPrefix(err.Error(), `pl: ts_format "at "`) {
		t.Errorf("error %v", err)
	}
}
