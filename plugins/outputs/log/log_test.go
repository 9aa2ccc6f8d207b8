package log

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

// payloadEncoder encodes a message as its Payload, failing on "bad".
type payloadEncoder struct{}

func (payloadEncoder) Encode(dst []byte, p *pipeline.Pack) ([]byte, error) {
	if p.Message.Payload == "bad" {
		return dst, errors.New("cannot encode bad")
	}
	return append(dst, p.Message.Payload...), nil
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func pack(t *testing.T, payload string) *pipeline.Pack {
	q, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return pipelinetest.Pack(t, `{"Payload":`+string(q)+`}`)
}

func TestLines(t *testing.T) {
	for _, c := range []struct {
		name     string
		batches  [][]string
		want     string
		dropped  int
		messages int64
	}{
		{"newline added", [][]string{{"a", "b"}}, "a\nb\n", 0, 2},
		{"newline kept", [][]string{{"a\n", "b\n"}, {"c"}}, "a\nb\nc\n", 0, 3},
		{"empty payload", [][]string{{"", "x"}}, "\nx\n", 0, 2},
		{"inner newline", [][]string{{"one\ntwo"}}, "one\ntwo\n", 0, 1},
		{"encoding error", [][]string{{"a", "bad", "c"}, {"bad"}}, "a\nc\n", 2, 2},
		{"empty batch", [][]string{{}, {"a"}}, "a\n", 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := pipelinetest.Build(pipelinetest.Env(t, "out", "LogOutput"), "LogOutput", "")
			if err != nil {
				t.Fatal(err)
			}
			o := p.(*logOutput)
			var buf bytes.Buffer
			o.w = &buf
			r := &pipelinetest.Output{Encoder: payloadEncoder{}}
			done := make(chan error, 1)
			go func() { done <- o.Run(context.Background(), r) }()
			for _, b := range c.batches {
				var ps []*pipeline.Pack
				for _, payload := range b {
					ps = append(ps, pack(t, payload))
				}
				r.Send(ps...)
			}
			r.Close()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if buf.String() != c.want {
				t.Errorf("wrote %q, want %q", buf.String(), c.want)
			}
			if r.DroppedCount() != c.dropped {
				t.Errorf("dropped %d, want %d", r.DroppedCount(), c.dropped)
			}
			figures := map[string]any{}
			o.Report(func(k string, v any) { figures[k] = v })
			if figures["messages_written"] != c.messages || figures["bytes_written"] != int64(len(c.want)) {
				t.Errorf("report %v", figures)
			}
		})
	}
}

func TestWriteErrorIsCounted(t *testing.T) {
	p, err := pipelinetest.Build(pipelinetest.Env(t, "out", "LogOutput"), "LogOutput", "")
	if err != nil {
		t.Fatal(err)
	}
	o := p.(*logOutput)
	o.w = failingWriter{}
	r := &pipelinetest.Output{Encoder: payloadEncoder{}}
	done := make(chan error, 1)
	go func() { done <- o.Run(context.Background(), r) }()
	r.Send(pack(t, "a"), pack(t, "b"))
	r.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r.DroppedCount() != 2 || !strings.Contains(strings.Join(r.Logs(), "\n"), "write: broken pipe: 2 messages dropped") {
		t.Errorf("dropped %d, logs %q", r.DroppedCount(), r.Logs())
	}
}

func TestCancel(t *testing.T) {
	p, err := pipelinetest.Build(pipelinetest.Env(t, "out", "LogOutput"), "LogOutput", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.(*logOutput).Run(ctx, &pipelinetest.Output{}); err != nil {
		t.Fatal(err)
	}
}

func TestNoOptions(t *testing.T) {
	_, err := pipelinetest.Build(pipelinetest.Env(t, "out", "LogOutput"), "LogOutput", `path = "x"`)
	if err == nil || !strings.Contains(err.Error(), `unknown option "path"`) {
		t.Errorf("error %v", err)
	}
}
