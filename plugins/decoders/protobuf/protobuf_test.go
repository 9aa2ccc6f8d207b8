package protobuf

import (
	"bytes"
	"strings"
	"testing"

	"sandpiper/core/framing"
	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	framingsplitter "sandpiper/plugins/splitters/framing"
)

func build(t testing.TB) pipeline.Decoder {
	t.Helper()
	d, err := pipelinetest.Build(pipelinetest.Env(t, "pb", "ProtobufDecoder"), "ProtobufDecoder", "")
	if err != nil {
		t.Fatal(err)
	}
	return d.(pipeline.Decoder)
}

func sample() *message.Message {
	m := message.New(1700000000123456789)
	m.Type = "t"
	m.Payload = "hello"
	m.AddField(message.Field{Name: "n", Type: message.Integer, Integers: []int64{1 << 60}})
	return m
}

func TestDecode(t *testing.T) {
	want := sample()
	enc := want.Marshal()
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"message", enc, ""},
		{"truncated", enc[:len(enc)-3], "at byte 38"},
		{"garbage", []byte{0xff, 0xff, 0xff}, "at byte 0"},
	}
	for _, tt := range tests {
		var got []*pipeline.Pack
		data := bytes.Clone(tt.data)
		err := build(t).Decode(pipeline.Record{Data: data, Signer: "ops"}, &pipeline.Source{}, func(p *pipeline.Pack) { got = append(got, p) })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || len(got) != 0 {
				t.Errorf("%s: error %v, %d packs; want an error with %q", tt.name, err, len(got), tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v, %d packs", tt.name, err, len(got))
		}
		for i := range data {
			data[i] = 0 // the splitter reuses its buffer
		}
		p := got[0]
		if !bytes.Equal(p.Raw, enc) || !bytes.Equal(p.Message.Marshal(), enc) || p.Signer != "ops" {
			t.Errorf("%s: pack %+v does not hold the record", tt.name, p)
		}
		if p.Message.Payload != "hello" || p.Message.Field("n", 0).Integers[0] != 1<<60 {
			t.Errorf("%s: message %s", tt.name, p.Message.AppendJSON(nil))
		}
	}
}

// Framed messages through the HekaFramingSplitter come out as they went in.
func TestFramedStream(t *testing.T) {
	var buf bytes.Buffer
	w := framing.NewWriter(&buf)
	for _, p := range []string{"a", "b", "c"} {
		m := sample()
		m.Payload = p
		if err := w.WriteRecord(m.Marshal()); err != nil {
			t.Fatal(err)
		}
	}
	sp, err := pipelinetest.Build(pipelinetest.Env(t, "frames", "HekaFramingSplitter"), "HekaFramingSplitter", "")
	if err != nil {
		t.Fatal(err)
	}
	in := &pipelinetest.Input{Splitter: sp.(*framingsplitter.Splitter), Decoder: build(t)}
	if err := in.NewStream(pipeline.Source{}).ReadFrom(t.Context(), &buf, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(in.Payloads(), ","); got != "a,b,c" || len(in.Errors()) != 0 {
		t.Errorf("payloads %q, errors %v", got, in.Errors())
	}
}

func BenchmarkDecode(b *testing.B) {
	m := sample()
	m.Payload = strings.Repeat("p", 200)
	rec := pipeline.Record{Data: m.Marshal()}
	d := build(b)
	src := &pipeline.Source{}
	emit := func(*pipeline.Pack) {}
	b.SetBytes(int64(len(rec.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(rec, src, emit); err != nil {
			b.Fatal(err)
		}
	}
}
