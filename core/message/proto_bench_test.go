package message

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"sandpiper/core/message/internal/refpb"
)

// nginxMessage is a typical 10-field message: an nginx access line as a
// decoder leaves it.
func nginxMessage() *Message {
	m := &Message{
		Timestamp: 1795000000123456789,
		Type:      "nginx.access",
		Logger:    "nginx",
		Hostname:  "web-03.example.net",
		Payload: `203.0.113.42 - - [28/Nov/2026:10:00:00 +0000] "GET /api/v1/items?page=2&sort=desc HTTP/1.1" 200 5123 ` +
			`"https://www.example.com/list" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36" 0.042`,
		Severity: 6,
		Pid:      4321,
	}
	copy(m.Uuid[:], "\x6b\xa7\xb8\x10\x9d\xad\x41\xd1\x80\xb4\x00\xc0\x4f\xd4\x30\xc8")
	str := func(name, v string) Field { return Field{Name: name, Type: String, Strings: []string{v}} }
	m.Fields = []Field{
		str("remote_addr", "203.0.113.42"),
		str("method", "GET"),
		str("path", "/api/v1/items?page=2&sort=desc"),
		str("protocol", "HTTP/1.1"),
		{Name: "status", Type: Integer, Integers: []int64{200}},
		{Name: "body_bytes_sent", Type: Integer, Integers: []int64{5123}},
		{Name: "request_time", Type: Double, Representation: "s", Doubles: []float64{0.042}},
		str("user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"),
		str("referer", "https://www.example.com/list"),
		{Name: "upstream_cache_hit", Type: Bool, Bools: []bool{false}},
	}
	return m
}

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
