package message

import (
	"bytes"
	"fmt"
	"math"
	"slices"
)

// messageDiff describes the first difference between want and got that their
// protobuf or JSON encodings would show (header values and presence, each
// field's name, type, representation, their presence and values), or
// returns "" when there is none. Doubles compare by their bits, so NaN equals
// NaN and -0 differs from 0; nil and empty slices are equal.
func messageDiff(want, got *Message) string {
	if want.Uuid != got.Uuid {
		return fmt.Sprintf("Uuid %v, want %v", got.Uuid, want.Uuid)
	}
	if want.Timestamp != got.Timestamp {
		return fmt.Sprintf("Timestamp %d, want %d", got.Timestamp, want.Timestamp)
	}
	headers := []struct {
		name      string
		h         Header
		want, got any
	}{
		{"Type", HeaderType, want.Type, got.Type}, {"Logger", HeaderLogger, want.Logger, got.Logger},
		{"Severity", HeaderSeverity, want.Severity, got.Severity},
		{"Payload", HeaderPayload, want.Payload, got.Payload},
		{"EnvVersion", HeaderEnvVersion, want.EnvVersion, got.EnvVersion},
		{"Pid", HeaderPid, want.Pid, got.Pid}, {"Hostname", HeaderHostname, want.Hostname, got.Hostname},
	}
	for _, h := range headers {
		if want.Has(h.h) != got.Has(h.h) {
			return fmt.Sprintf("Has(%s) %v, want %v", h.name, got.Has(h.h), want.Has(h.h))
		}
		if h.want != h.got {
			return fmt.Sprintf("%s %#v, want %#v", h.name, h.got, h.want)
		}
	}
	if len(want.Fields) != len(got.Fields) {
		return fmt.Sprintf("%d fields, want %d", len(got.Fields), len(want.Fields))
	}
	for i := range want.Fields {
		if d := fieldDiff(&want.Fields[i], &got.Fields[i]); d != "" {
			return fmt.Sprintf("fields[%d]: %s", i, d)
		}
	}
	return ""
}

func fieldDiff(want, got *Field) string {
	switch {
	case want.Name != got.Name:
		return fmt.Sprintf("Name %q, want %q", got.Name, want.Name)
	case want.Type != got.Type || want.HasType() != got.HasType():
		return fmt.Sprintf("Type %v (present %v), want %v (present %v)", got.Type, got.HasType(), want.Type, want.HasType())
	case want.Representation != got.Representation || want.HasRepresentation() != got.HasRepresentation():
		return fmt.Sprintf("Representation %q (present %v), want %q (present %v)",
			got.Representation, got.HasRepresentation(), want.Representation, want.HasRepresentation())
	case !slices.Equal(want.Strings, got.Strings):
		return fmt.Sprintf("Strings %q, want %q", got.Strings, want.Strings)
	case !slices.EqualFunc(want.Bytes, got.Bytes, bytes.Equal):
		return fmt.Sprintf("Bytes %x, want %x", got.Bytes, want.Bytes)
	case !slices.Equal(want.Integers, got.Integers):
		return fmt.Sprintf("Integers %d, want %d", got.Integers, want.Integers)
	case !slices.EqualFunc(want.Doubles, got.Doubles, func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b)
	}):
		return fmt.Sprintf("Doubles %v, want %v", got.Doubles, want.Doubles)
	case !slices.Equal(want.Bools, got.Bools):
		return fmt.Sprintf("Bools %v, want %v", got.Bools, want.Bools)
	}
	return ""
}

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
