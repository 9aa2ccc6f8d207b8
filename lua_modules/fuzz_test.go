package lua_modules_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"sandpiper/core/message"
	"sandpiper/sandbox"
)

// encodeKV writes fields as a line that decoders/kv.lua reads back into the
// same fields: strings quoted (so that "12" stays a string), integers in
// decimal, doubles with an exponent (so that 2500.0 stays a double).
func encodeKV(fields []message.Field) string {
	var b strings.Builder
	for i := range fields {
		f := &fields[i]
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		switch f.Type {
		case message.String:
			b.WriteByte('"')
			for _, c := range []byte(f.Strings[0]) {
				if c == '"' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
			b.WriteByte('"')
		case message.Integer:
			b.WriteString(strconv.FormatInt(f.Integers[0], 10))
		case message.Double:
			b.WriteString(strconv.FormatFloat(f.Doubles[0], 'e', -1, 64))
		}
	}
	return b.String()
}

// sameFields reports whether a and b hold the same fields in the same
// order, doubles compared bit for bit.
func sameFields(a, b []message.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if x.Name != y.Name || x.Type != y.Type || x.Len() != 1 || y.Len() != 1 {
			return false
		}
		switch x.Type {
		case message.String:
			if x.Strings[0] != y.Strings[0] {
				return false
			}
		case message.Integer:
			if x.Integers[0] != y.Integers[0] {
				return false
			}
		case message.Double:
			if math.Float64bits(x.Doubles[0]) != math.Float64bits(y.Doubles[0]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// FuzzKVDecoder feeds decoders/kv.lua arbitrary lines. The decoder must
// never be terminated: it decodes a line into one message of STRING,
// INTEGER and DOUBLE fields, or refuses it with -1 and an error; and what
// it decoded, written back as a line, decodes to the same fields.
func FuzzKVDecoder(f *testing.F) {
	for _, seed := range []string{
		`key=value key2="quoted value" n=12 x=1.5`,
		`a=-3 b=+7 c=2.5e3 d=-.5 e=1e-2 f=10. g=007 h=-0`,
		`long=9007199254740993 q="a \"b\" c\\d" empty="" bare=`,
		`a=1 oops`,
		`a="unterminated`,
		`a="x"y`,
		"\t tag=a  k.e-y_2=1\ttag=b ",
		``,
	} {
		f.Add(seed)
	}
	// Each input gets a fresh sandbox, so that one that terminates it
	// fails alone and minimizes to itself.
	decode := func(t *testing.T, s *sandbox.Sandbox, c *collector, line string) (int, string, []*message.Message) {
		m := message.New(1)
		m.Payload = line
		status, errMsg, err := s.ProcessMessage(m)
		if err != nil {
			t.Fatalf("line %q terminated the decoder: %v", line, err)
		}
		return status, errMsg, c.take()
	}
	f.Fuzz(func(t *testing.T, line string) {
		// A line of many pairs costs instructions in proportion: this
		// length stays far within the default limit.
		line = line[:min(len(line), 2048)]
		s, c := start(t, sandbox.Decoder, "decoders/kv.lua", nil)
		status, errMsg, out := decode(t, s, c, line)
		switch {
		case status == -1:
			if errMsg == "" || len(out) != 0 {
				t.Fatalf("line %q refused with error %q and %d messages", line, errMsg, len(out))
			}
			return
		case status != 0 || len(out) != 1 || len(out[0].Fields) == 0:
			t.Fatalf("line %q: status %d %q, %d messages", line, status, errMsg, len(out))
		}
		fields := out[0].Fields
		again := encodeKV(fields)
		status, errMsg, out = decode(t, s, c, again)
		if status != 0 || len(out) != 1 {
			t.Fatalf("line %q decoded, written back as %q: status %d %q", line, again, status, errMsg)
		}
		if !sameFields(fields, out[0].Fields) {
			t.Fatalf("line %q decoded to %s, written back as %q decoded to %s",
				line, fieldsText(&message.Message{Fields: fields}), again, fieldsText(out[0]))
		}
	})
}
