package message

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"sandpiper/core/message/internal/refpb"
)

// BenchmarkUnmarshal decodes the nginx message into a reused Message, and
// into a reused generated message as the baseline.
func BenchmarkUnmarshal(b *testing.B) {
	in := nginxMessage().Marshal()
	b.Run("sandpiper", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		var m Message
		for b.Loop() {
			if err := m.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A fresh message per decode, as a pipeline's decoder makes one for
	// each message it routes.
	b.Run("sandpiper-fresh", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			m := new(Message)
			if err := m.Unmarshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in)))
		var x refpb.Message
		for b.Loop() {
			if err := proto.Unmarshal(in, &x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMarshal encodes the nginx message into a reused buffer, and the
// same message through the generated code as the baseline.
func BenchmarkMarshal(b *testing.B) {
	m := nginxMessage()
	b.Run("sandpiper", func(b *testing.B) {
		b.ReportAllocs()
		buf := m.Marshal()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			buf = m.MarshalAppend(buf[:0])
		}
	})
	b.Run("generated", func(b *testing.B) {
		var x refpb.Message
		if err := proto.Unmarshal(m.Marshal(), &x); err != nil {
			b.Fatal(err)
		}
		opts := proto.MarshalOptions{Deterministic: true}
		buf, err := opts.Marshal(&x)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			buf, err = opts.MarshalAppend(buf[:0], &x)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
