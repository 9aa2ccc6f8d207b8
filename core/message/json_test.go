package message

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// TestJSONRoundTripRandom writes random messages, reads them back into one
// reused Message, and checks that nothing changed and that writing again
// gives the same bytes.
func TestJSONRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var got Message
	var out, again []byte
	for i := 0; i < 5000; i++ {
		want := randomMessage(r)
		out = want.AppendJSON(out[:0])
		if bytes.IndexByte(out, '\n') >= 0 || !json.Valid(out) {
			t.Fatalf("message %d: not one line of valid JSON: %s", i, out)
		}
		if err := got.UnmarshalJSON(out); err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, out)
		}
		if d := messageDiff(want, &got); d != "" {
			t.Fatalf("message %d: %s\n%s", i, d, out)
		}
		again = got.AppendJSON(again[:0])
		if !bytes.Equal(out, again) {
			t.Fatalf("message %d: written again differs:\n%s\n%s", i, out, again)
		}
	}
}

// TestJSONProtobufRoundTrip takes the JSON form to protobuf and back: a
// fixture's explicitly present defaults must survive the wire.
func TestJSONProtobufRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var viaJSON, viaProto Message
	for i := 0; i < 2000; i++ {
		in := randomMessage(r).AppendJSON(nil)
		if err := viaJSON.UnmarshalJSON(in); err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, in)
		}
		if err := viaProto.Unmarshal(viaJSON.Marshal()); err != nil {
			t.Fatalf("message %d: protobuf: %v\n%s", i, err, in)
		}
		if out := viaProto.AppendJSON(nil); !bytes.Equal(in, out) {
			t.Fatalf("message %d: JSON → protobuf → JSON changed it:\n%s\n%s", i, in, out)
		}
	}
}

// TestJSONDesignExample reads the example line of DESIGN.md's "JSON form".
func TestJSONDesignExample(t *testing.T) {
	in := `{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T10:00:00.123456789Z",` +
		`"Type":"nginx.access","Logger":"nginx","Severity":6,"Payload":"GET /","EnvVersion":"0.8",` +
		`"Pid":12,"Hostname":"web1","Fields":{"status":200,"ratio":0.5,"path":"/","ok":true,` +
		`"tags":["a","b"],"latency":{"value":12.5,"value_type":"DOUBLE","representation":"ms"},` +
		`"raw":{"value":"AAH/","value_type":"BYTES"}}}`
	var m Message
	if err := m.UnmarshalJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	want := &Message{
		Uuid:      UUID{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0},
		Timestamp: time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC).UnixNano(),
		Type:      "nginx.access", Logger: "nginx", Severity: 6, Payload: "GET /", EnvVersion: "0.8",
		Pid: 12, Hostname: "web1",
		Fields: []Field{
			{Name: "status", Type: Integer, Integers: []int64{200}},
			{Name: "ratio", Type: Double, Doubles: []float64{0.5}},
			{Name: "path", Type: String, Strings: []string{"/"}},
			{Name: "ok", Type: Bool, Bools: []bool{true}},
			{Name: "tags", Type: String, Strings: []string{"a", "b"}},
			{Name: "latency", Type: Double, Representation: "ms", Doubles: []float64{12.5}},
			{Name: "raw", Type: Bytes, Bytes: [][]byte{{0, 1, 0xff}}},
		},
	}
	if d := messageDiff(want, &m); d != "" {
		t.Fatal(d)
	}
	if out := m.AppendJSON(nil); string(out) != in {
		t.Errorf("written back:\n%s\nwant\n%s", out, in)
	}
}

const jsonTestUUID = `"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T10:00:00Z"`

// TestJSONInputForms reads each form a person may write and checks the
// message and the line written back, which is the canonical form.
func TestJSONInputForms(t *testing.T) {
	ts := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC).UnixNano()
	base := func(edit func(m *Message)) *Message {
		m := &Message{
			Uuid:      UUID{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0},
			Timestamp: ts, Severity: DefaultSeverity,
		}
		edit(m)
		return m
	}
	field := func(f Field) *Message { return base(func(m *Message) { m.Fields = []Field{f} }) }
	explicitType := func(f Field) Field { f.explicit |= fieldTypeExplicit; return f }
	explicitRep := func(f Field) Field { f.explicit |= fieldRepresentationExplicit; return f }
	tests := []struct {
		name, in string
		want     *Message
		out      string // "" when the input is already canonical
	}{
		{"uuid without dashes",
			`{"Uuid":"0F1E2D3C4B5A49788796A5B4C3D2E1F0","Timestamp":"2026-11-28T10:00:00Z"}`,
			base(func(*Message) {}), `{` + jsonTestUUID + `}`},
		{"timestamp with offset",
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T11:30:00.5+01:30"}`,
			base(func(m *Message) { m.Timestamp = ts + 5e8 }),
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T10:00:00.5Z"}`},
		{"timestamp integer of ns",
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":1795860000000000001}`,
			base(func(m *Message) { m.Timestamp = ts + 1 }),
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T10:00:00.000000001Z"}`},
		{"negative timestamp",
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":-1}`,
			base(func(m *Message) { m.Timestamp = -1 }),
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"1969-12-31T23:59:59.999999999Z"}`},
		{"extreme timestamps",
			`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2262-04-11T23:47:16.854775807Z"}`,
			base(func(m *Message) { m.Timestamp = math.MaxInt64 }), ""},
		{"explicitly present defaults",
			`{` + jsonTestUUID + `,"Type":"","Logger":"","Severity":7,"Payload":"","EnvVersion":"","Pid":0,"Hostname":""}`,
			base(func(m *Message) {
				for h := HeaderType; h <= HeaderHostname; h++ {
					m.MarkPresent(h)
				}
			}), ""},
		{"whitespace and key order",
			" {\n\t\"Fields\" : { } , \"Severity\" : -2 ,\r\n" + jsonTestUUID + " }\n",
			base(func(m *Message) { m.Severity = -2 }), `{` + jsonTestUUID + `,"Severity":-2}`},
		{"escapes",
			`{` + jsonTestUUID + `,"Payload":"\"\\\/\b\f\n\r\t\u00e9\ud83e\udd86\ud800x\u2028"}`,
			base(func(m *Message) { m.Payload = "\"\\/\b\f\n\r\té🦆\ufffdx\u2028" }),
			`{` + jsonTestUUID + `,"Payload":"\"\\/\u0008\u000c\n\r\té🦆` + "\ufffd" + "x\u2028" + `"}`},
		{"string", `{` + jsonTestUUID + `,"Fields":{"a":"x"}}`,
			field(Field{Name: "a", Type: String, Strings: []string{"x"}}), ""},
		{"strings", `{` + jsonTestUUID + `,"Fields":{"a":["x","y"]}}`,
			field(Field{Name: "a", Type: String, Strings: []string{"x", "y"}}), ""},
		{"empty array is STRING", `{` + jsonTestUUID + `,"Fields":{"a":[]}}`,
			field(Field{Name: "a", Type: String}), ""},
		{"integers", `{` + jsonTestUUID + `,"Fields":{"a":[-9223372036854775808,9223372036854775807,-0]}}`,
			field(Field{Name: "a", Type: Integer, Integers: []int64{math.MinInt64, math.MaxInt64, 0}}),
			`{` + jsonTestUUID + `,"Fields":{"a":[-9223372036854775808,9223372036854775807,0]}}`},
		{"doubles", `{` + jsonTestUUID + `,"Fields":{"a":[1.5,2E3,-0.0,1e-7,1e21,5e-324]}}`,
			field(Field{Name: "a", Type: Double, Doubles: []float64{1.5, 2000, math.Copysign(0, -1), 1e-7, 1e21, 5e-324}}),
			`{` + jsonTestUUID + `,"Fields":{"a":[1.5,2000.0,-0.0,1e-07,1e+21,5e-324]}}`},
		{"bools", `{` + jsonTestUUID + `,"Fields":{"a":[true,false]}}`,
			field(Field{Name: "a", Type: Bool, Bools: []bool{true, false}}), ""},
		{"explicit bytes, padding optional",
			`{` + jsonTestUUID + `,"Fields":{"a":{"value":["AAE","/w==",""],"value_type":"BYTES"}}}`,
			field(explicitType(Field{Name: "a", Type: Bytes, Bytes: [][]byte{{0, 1}, {0xff}, {}}})),
			`{` + jsonTestUUID + `,"Fields":{"a":{"value":["AAE=","/w==",""],"value_type":"BYTES"}}}`},
		{"explicit doubles from integers and specials",
			`{` + jsonTestUUID + `,"Fields":{"a":{"value_type":"DOUBLE","value":[3,"NaN","Infinity","-Infinity",-0]}}}`,
			field(explicitType(Field{Name: "a", Type: Double,
				Doubles: []float64{3, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}})),
			`{` + jsonTestUUID + `,"Fields":{"a":{"value":[3.0,"NaN","Infinity","-Infinity",-0.0],"value_type":"DOUBLE"}}}`},
		{"explicit STRING and empty representation stay",
			`{` + jsonTestUUID + `,"Fields":{"a":{"value":"x","value_type":"STRING","representation":""}}}`,
			field(explicitRep(explicitType(Field{Name: "a", Type: String, Strings: []string{"x"}}))), ""},
		{"representation alone keeps the inferred type",
			`{` + jsonTestUUID + `,"Fields":{"a":{"representation":"ms","value":12}}}`,
			field(explicitRep(Field{Name: "a", Type: Integer, Representation: "ms", Integers: []int64{12}})),
			`{` + jsonTestUUID + `,"Fields":{"a":{"value":12,"value_type":"INTEGER","representation":"ms"}}}`},
		{"empty typed array", `{` + jsonTestUUID + `,"Fields":{"a":{"value":[],"value_type":"INTEGER"}}}`,
			field(explicitType(Field{Name: "a", Type: Integer})), ""},
		{"repeated names in the object form become the array form",
			`{` + jsonTestUUID + `,"Fields":{"a":1,"a":"x"}}`,
			base(func(m *Message) {
				m.Fields = []Field{{Name: "a", Type: Integer, Integers: []int64{1}}, {Name: "a", Type: String, Strings: []string{"x"}}}
			}),
			`{` + jsonTestUUID + `,"Fields":[{"name":"a","value":1},{"name":"a","value":"x"}]}`},
		{"array form with unique names becomes the object form",
			`{` + jsonTestUUID + `,"Fields":[{"value":1,"name":"a"},{"name":"b","value":"AAE=","value_type":"BYTES","representation":"B"}]}`,
			base(func(m *Message) {
				m.Fields = []Field{{Name: "a", Type: Integer, Integers: []int64{1}},
					explicitRep(explicitType(Field{Name: "b", Type: Bytes, Representation: "B", Bytes: [][]byte{{0, 1}}}))}
			}),
			`{` + jsonTestUUID + `,"Fields":{"a":1,"b":{"value":"AAE=","value_type":"BYTES","representation":"B"}}}`},
		{"array form with the explicit form nested",
			`{` + jsonTestUUID + `,"Fields":[{"name":"a","value":{"value":2,"value_type":"DOUBLE"}},{"name":"a","value":true}]}`,
			base(func(m *Message) {
				m.Fields = []Field{explicitType(Field{Name: "a", Type: Double, Doubles: []float64{2}}),
					{Name: "a", Type: Bool, Bools: []bool{true}}}
			}),
			`{` + jsonTestUUID + `,"Fields":[{"name":"a","value":2.0},{"name":"a","value":true}]}`},
		{"empty Fields array", `{` + jsonTestUUID + `,"Fields":[]}`, base(func(*Message) {}), `{` + jsonTestUUID + `}`},
		{"a decimal among integers makes a DOUBLE array, wherever it stands",
			`{` + jsonTestUUID + `,"Fields":{"a":[1,2.5,-3],"b":[2.5,1]}}`,
			base(func(m *Message) {
				m.Fields = []Field{{Name: "a", Type: Double, Doubles: []float64{1, 2.5, -3}},
					{Name: "b", Type: Double, Doubles: []float64{2.5, 1}}}
			}),
			`{` + jsonTestUUID + `,"Fields":{"a":[1.0,2.5,-3.0],"b":[2.5,1.0]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			if err := m.UnmarshalJSON([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if d := messageDiff(tt.want, &m); d != "" {
				t.Fatal(d)
			}
			want := tt.out
			if want == "" {
				want = tt.in
			}
			if out := m.AppendJSON(nil); string(out) != want {
				t.Errorf("written back:\n%s\nwant\n%s", out, want)
			}
		})
	}
}

// TestJSONFillsUuidAndTimestamp checks that a message without them gets a
// fresh version 4 Uuid and the current time, as inject_message gives.
func TestJSONFillsUuidAndTimestamp(t *testing.T) {
	var a, b Message
	before := time.Now().UnixNano()
	if err := a.UnmarshalJSON([]byte(`{"Type":"t"}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.UnmarshalJSON([]byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	after := time.Now().UnixNano()
	for _, m := range []*Message{&a, &b} {
		if m.Timestamp < before || m.Timestamp > after {
			t.Errorf("Timestamp %d, want the time of decoding, in [%d, %d]", m.Timestamp, before, after)
		}
		if m.Uuid[6]>>4 != 4 || m.Uuid[8]&0xc0 != 0x80 {
			t.Errorf("Uuid %v is not a version 4 UUID", m.Uuid)
		}
	}
	if a.Uuid == b.Uuid {
		t.Errorf("two messages got the same Uuid %v", a.Uuid)
	}
	if a.Severity != DefaultSeverity || a.Has(HeaderSeverity) {
		t.Errorf("Severity %d (present %v), want the absent default 7", a.Severity, a.Has(HeaderSeverity))
	}
}

// TestJSONErrors checks that each mistake is refused with an error that
// names the key and what was wrong.
func TestJSONErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `message JSON: unexpected end of input, want '{' to open the message`},
		{`[]`, `message JSON: offset 0: want '{' to open the message, found an array`},
		{`{"Paylod":"x"}`, `message JSON: unknown key "Paylod" (want Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname or Fields)`},
		{`{"Type":"a","Type":"b"}`, `message JSON: duplicate key "Type"`},
		{`{"Fields":{},"Fields":{}}`, `message JSON: duplicate key "Fields"`},
		{`{"Type":1}`, `message JSON: Type: want a string, found a number`},
		{`{"Hostname":null}`, `message JSON: Hostname: want a string, found null`},
		{`{"Severity":"6"}`, `message JSON: Severity: want an integer, found a string`},
		{`{"Severity":6.0}`, `message JSON: Severity: 6.0 is not an integer`},
		{`{"Pid":2147483648}`, `message JSON: Pid: 2147483648 is out of int32 range`},
		{`{"Severity":-2147483649}`, `message JSON: Severity: -2147483649 is out of int32 range`},
		{`{"Uuid":"xyz"}`, `message JSON: Uuid: uuid "xyz": want 32 hexadecimal digits, in the 8-4-4-4-12 form or without dashes`},
		{`{"Uuid":7}`, `message JSON: Uuid: want a string, found a number`},
		{`{"Timestamp":"2026-11-28 10:00:00Z"}`, `message JSON: Timestamp: "2026-11-28 10:00:00Z" is not an RFC 3339 time like "2026-11-28T10:00:00.123456789Z"`},
		{`{"Timestamp":"2026-11-28T10:00:00.1234567891Z"}`, `message JSON: Timestamp: "2026-11-28T10:00:00.1234567891Z" has more than 9 fraction digits; nanoseconds are the finest unit`},
		{`{"Timestamp":"2026-11-28T10:00:00,0000000001Z"}`, `message JSON: Timestamp: "2026-11-28T10:00:00,0000000001Z" has more than 9 fraction digits; nanoseconds are the finest unit`},
		{`{"Timestamp":"2262-04-11T23:47:16.854775808Z"}`, `message JSON: Timestamp: "2262-04-11T23:47:16.854775808Z" is out of the range of int64 nanoseconds (1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z)`},
		{`{"Timestamp":1.7e18}`, `message JSON: Timestamp: 1.7e18 is not an integer of nanoseconds`},
		{`{"Timestamp":9223372036854775808}`, `message JSON: Timestamp: integer 9223372036854775808 is out of int64 range`},
		{`{"Timestamp":true}`, `message JSON: Timestamp: want an RFC 3339 string or an integer of nanoseconds, found a boolean`},
		{`{"Fields":"a"}`, `message JSON: Fields: want an object or an array, found a string`},
		{`{"Fields":{"n":9223372036854775808}}`, `message JSON: Fields.n: integer 9223372036854775808 is out of int64 range`},
		{`{"Fields":{"n":[1,-9223372036854775809]}}`, `message JSON: Fields.n: value [1]: integer -9223372036854775809 is out of int64 range`},
		{`{"Fields":{"n":1e999}}`, `message JSON: Fields.n: 1e999 is out of the range of a double`},
		{`{"Fields":{"n":[1,2.5,"x"]}}`, `message JSON: Fields.n: value [2]: "x" is not a DOUBLE (want a number, "NaN", "Infinity" or "-Infinity")`},
		{`{"Fields":{"n":{"value":[1,2.5],"value_type":"INTEGER"}}}`, `message JSON: Fields.n: value [1]: 2.5 is not an INTEGER (value_type is INTEGER; write doubles with value_type DOUBLE)`},
		{`{"Fields":{"n":["a",1]}}`, `message JSON: Fields.n: value [1]: a number where the values are STRING`},
		{`{"Fields":{"n":[true,"a"]}}`, `message JSON: Fields.n: value [1]: a string where the values are BOOL`},
		{`{"Fields":{"n":null}}`, `message JSON: Fields.n: null is not a value (leave the field out, or give an empty array)`},
		{`{"Fields":{"n":[[1]]}}`, `message JSON: Fields.n: arrays of arrays are not values (a field is one flat array)`},
		{`{"Fields":{"n":[{"value":1}]}}`, `message JSON: Fields.n: an object is not a value here (the explicit form {"value": …} holds a scalar or an array)`},
		{`{"Fields":{"status":{"value":200,"value_type":"INT"}}}`, `message JSON: Fields.status: value_type "INT" unknown (want STRING, BYTES, INTEGER, DOUBLE or BOOL)`},
		{`{"Fields":{"n":{"value":1,"valeu_type":"DOUBLE"}}}`, `message JSON: Fields.n: unknown key "valeu_type" (want value, value_type or representation)`},
		{`{"Fields":{"n":{"value_type":"DOUBLE"}}}`, `message JSON: Fields.n: no "value"`},
		{`{"Fields":{"n":{"value":1,"value":2}}}`, `message JSON: Fields.n: duplicate key "value"`},
		{`{"Fields":{"n":{"value":{"value":1}}}}`, `message JSON: Fields.n: value: an object is not a value here (the explicit form {"value": …} holds a scalar or an array)`},
		{`{"Fields":{"n":{"value":1,"representation":5}}}`, `message JSON: Fields.n: representation: want a string, found a number`},
		{`{"Fields":{"n":{"value":"AA=A","value_type":"BYTES"}}}`, `message JSON: Fields.n: "AA=A" is not standard base64`},
		{`{"Fields":{"n":{"value":"nan","value_type":"DOUBLE"}}}`, `message JSON: Fields.n: "nan" is not a DOUBLE (want a number, "NaN", "Infinity" or "-Infinity")`},
		{`{"Fields":{"n":{"value":1.5,"value_type":"INTEGER"}}}`, `message JSON: Fields.n: 1.5 is not an INTEGER (value_type is INTEGER; write doubles with value_type DOUBLE)`},
		{`{"Fields":{"n":{"value":1,"value_type":"BOOL"}}}`, `message JSON: Fields.n: a number where the values are BOOL`},
		{`{"Fields":{"n":{"value":"x","value_type":"INTEGER"}}}`, `message JSON: Fields.n: a string where the values are INTEGER`},
		{`{"Fields":[1]}`, `message JSON: Fields[0]: want an object {"name": …, "value": …}, found a number`},
		{`{"Fields":[{"name":"a","value":1},{"value":2}]}`, `message JSON: Fields[1]: no "name"`},
		{`{"Fields":[{"name":"a"}]}`, `message JSON: Fields[0] (a): no "value"`},
		{`{"Fields":[{"name":"a","value":1,"nmae":"b"}]}`, `message JSON: Fields[0] (a): unknown key "nmae" (want name, value, value_type or representation)`},
		{`{"Fields":[{"name":"a","value":{"value":1,"value_type":"DOUBLE"},"value_type":"DOUBLE"}]}`, `message JSON: Fields[0] (a): value_type given twice`},
		{`{"Fields":[{"name":"a","value_type":"DOUBLE","value":{"value":1,"value_type":"DOUBLE"}}]}`, `message JSON: Fields[0] (a): value_type or representation both inside and beside value`},
		{`{"Fields":[{"name":"a","value":1,"value_type":"BOOL"}]}`, `message JSON: Fields[0] (a): a number where the values are BOOL`},
		{`{"Fields":[{"name":"a","value":1}}`, `message JSON: Fields: offset 33: want ',' or ']', found '}'`},
		{`{"Type":"a",}`, `message JSON: offset 12: want a string key in the message, found '}'`},
		{`{"Type" "a"}`, `message JSON: offset 8: want ':' after a key in the message, found a string`},
		{`{"Type":"a"} x`, `message JSON: offset 13: 'x' after the message`},
		{`{"Type":"a"}{}`, `message JSON: offset 12: an object after the message`},
		{`{"Type":"a`, `message JSON: Type: unexpected end of input, want '"' to close a string`},
		{"{\"Type\":\"a\tb\"}", `message JSON: Type: offset 10: control character 0x09 in a string (write it as \u0009)`},
		{"{\"Type\":\"a\xffb\"}", `message JSON: Type: offset 10: a string is not valid UTF-8`},
		{`{"Type":"a\qb"}`, `message JSON: Type: offset 10: unknown escape \q in a string`},
		{`{"Type":"a\u12"}`, `message JSON: Type: offset 10: \u wants 4 hexadecimal digits`},
		{`{"Pid":01}`, `message JSON: offset 8: want ',' or '}' in the message, found a number`},
		{`{"Pid":-}`, `message JSON: Pid: offset 8: want a digit, found '}'`},
		{`{"Fields":{"n":1.}}`, `message JSON: Fields.n: offset 17: want a digit after '.', found '}'`},
		{`{"Fields":{"n":1e+}}`, `message JSON: Fields.n: offset 18: want a digit in the exponent, found '}'`},
		{`{"Fields":{"n":tru}}`, `message JSON: Fields.n: offset 15: want true, found a boolean`},
	}
	for _, tt := range tests {
		var m Message
		err := m.UnmarshalJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: no error, want %s", tt.in, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, err, tt.want)
		}
	}
}

// TestJSONOutputForms checks the choice between the short and the
// explicit form for messages that only protobuf input or code can build.
func TestJSONOutputForms(t *testing.T) {
	base := func(f Field) *Message {
		return &Message{Timestamp: 0, Severity: DefaultSeverity, Fields: []Field{f}}
	}
	prefix := `{"Uuid":"00000000-0000-0000-0000-000000000000","Timestamp":"1970-01-01T00:00:00Z","Fields":`
	tests := []struct {
		name string
		m    *Message
		want string
	}{
		{"one value is a scalar", base(Field{Name: "a", Type: Integer, Integers: []int64{1}}), `{"a":1}`},
		{"integral double keeps a point", base(Field{Name: "a", Type: Double, Doubles: []float64{1e20}}), `{"a":100000000000000000000.0}`},
		{"large double takes an exponent", base(Field{Name: "a", Type: Double, Doubles: []float64{1.5e300}}), `{"a":1.5e+300}`},
		{"NaN needs the explicit form", base(Field{Name: "a", Type: Double, Doubles: []float64{math.NaN()}}),
			`{"a":{"value":"NaN","value_type":"DOUBLE"}}`},
		{"no values of a non-STRING type", base(Field{Name: "a", Type: Bool}), `{"a":{"value":[],"value_type":"BOOL"}}`},
		{"no values of STRING", base(Field{Name: "a"}), `{"a":[]}`},
		{"values outside the Type's slice are not written",
			base(Field{Name: "a", Type: Integer, Integers: []int64{1}, Strings: []string{"lost"}}), `{"a":1}`},
		{"a type outside the enum", base(Field{Name: "a", Type: 9, Integers: []int64{1}}),
			`{"a":{"value":[],"value_type":9}}`},
		{"invalid UTF-8 becomes U+FFFD", base(Field{Name: "a\xff", Strings: []string{"\xc3"}}), `{"a\ufffd":"\ufffd"}`},
		{"names with escapes", base(Field{Name: "\"\\\x7f", Strings: []string{"\x00"}}), `{"\"\\` + "\x7f" + `":"\u0000"}`},
	}
	for _, tt := range tests {
		if got := string(tt.m.AppendJSON(nil)); got != prefix+tt.want+"}" {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, prefix+tt.want+"}")
		}
	}
}

// TestJSONMarshalerInterfaces checks that encoding/json uses the message's
// own form, in both directions.
func TestJSONMarshalerInterfaces(t *testing.T) {
	in := nginxMessage()
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false) // the message has an "&", which encoding/json escapes by default
	if err := e.Encode(struct{ M *Message }{in}); err != nil {
		t.Fatal(err)
	}
	out := bytes.TrimSuffix(enc.Bytes(), []byte("\n"))
	if want := `{"M":` + string(in.AppendJSON(nil)) + `}`; string(out) != want {
		t.Fatalf("json.Marshal:\n%s\nwant\n%s", out, want)
	}
	var back struct{ M *Message }
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if d := messageDiff(in, back.M); d != "" {
		t.Fatal(d)
	}
}

// TestJSONUnmarshalReusesFields checks that decoding into a used message
// leaves nothing of the previous one and reuses its Fields storage.
func TestJSONUnmarshalReusesFields(t *testing.T) {
	var m Message
	first := `{"Type":"x","Pid":3,"Fields":{"a":{"value":[1,2],"value_type":"INTEGER","representation":"ms"},"b":"s","c":true}}`
	if err := m.UnmarshalJSON([]byte(first)); err != nil {
		t.Fatal(err)
	}
	storage := &m.Fields[0]
	if err := m.UnmarshalJSON([]byte(`{"Uuid":"0f1e2d3c4b5a49788796a5b4c3d2e1f0","Timestamp":0,"Fields":{"z":"v"}}`)); err != nil {
		t.Fatal(err)
	}
	want := &Message{Uuid: UUID{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0},
		Severity: DefaultSeverity, Fields: []Field{{Name: "z", Strings: []string{"v"}}}}
	if d := messageDiff(want, &m); d != "" {
		t.Fatal(d)
	}
	if &m.Fields[0] != storage {
		t.Error("Fields storage was not reused")
	}
}

// TestJSONAllocations bounds what decoding and encoding the nginx message
// cost: no allocation to write into a buffer with room, and on reading one
// per string value and field name.
func TestJSONAllocations(t *testing.T) {
	m := nginxMessage()
	buf := m.AppendJSON(nil)
	if n := testing.AllocsPerRun(100, func() { buf = m.AppendJSON(buf[:0]) }); n != 0 {
		t.Errorf("AppendJSON: %v allocations, want 0", n)
	}
	var into Message
	if err := into.UnmarshalJSON(buf); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() { _ = into.UnmarshalJSON(buf) })
	// The Uuid and Timestamp texts handed to ParseUUID and time.Parse, 4
	// string headers (the Payload, with escapes, costs 3), 10 names, 6 string
	// values, 1 representation.
	if n > 25 {
		t.Errorf("UnmarshalJSON: %v allocations, want at most 25", n)
	}
}

// jsonNginxPlain is the nginx message as a plain Go struct, the shape a
// program would hand encoding/json: the baseline of the benchmarks.
type jsonNginxPlain struct {
	Uuid      string
	Timestamp string
	Type      string
	Logger    string
	Severity  int32
	Payload   string
	Pid       int32
	Hostname  string
	Fields    jsonNginxPlainFields
}

type jsonNginxPlainFields struct {
	RemoteAddr       string            `json:"remote_addr"`
	Method           string            `json:"method"`
	Path             string            `json:"path"`
	Protocol         string            `json:"protocol"`
	Status           int64             `json:"status"`
	BodyBytesSent    int64             `json:"body_bytes_sent"`
	RequestTime      jsonPlainExplicit `json:"request_time"`
	UserAgent        string            `json:"user_agent"`
	Referer          string            `json:"referer"`
	UpstreamCacheHit bool              `json:"upstream_cache_hit"`
}

type jsonPlainExplicit struct {
	Value          any    `json:"value"`
	ValueType      string `json:"value_type"`
	Representation string `json:"representation"`
}

// BenchmarkJSON writes and reads the nginx message, each beside
// encoding/json doing the same for a plain struct of the same shape (and, on
// reading, a map), which must write the same number of bytes.
func BenchmarkJSON(b *testing.B) {
	m := nginxMessage()
	line := m.AppendJSON(nil)
	var plain jsonNginxPlain
	if err := json.Unmarshal(line, &plain); err != nil {
		b.Fatal(err)
	}
	// encoding/json writes "&" as "\u0026"; otherwise the two are the same.
	if out, _ := json.Marshal(&plain); string(out) != strings.ReplaceAll(string(line), "&", `\u0026`) {
		b.Fatalf("the baseline writes another message:\n%s\n%s", out, line)
	}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = m.AppendJSON(buf[:0])
		}
	})
	b.Run("encoding-json-Marshal-struct", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			if _, err := json.Marshal(&plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UnmarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		var into Message
		for b.Loop() {
			if err := into.UnmarshalJSON(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-Unmarshal-struct", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var into jsonNginxPlain
			if err := json.Unmarshal(line, &into); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-Unmarshal-map", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var into map[string]any
			if err := json.Unmarshal(line, &into); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzJSONUnmarshal checks that any input is decoded or refused without a
// panic, that only valid JSON is accepted, and that what is accepted writes
// a line that reads back to itself.
func FuzzJSONUnmarshal(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 8; i++ {
		f.Add(randomMessage(r).AppendJSON(nil))
	}
	for _, s := range []string{
		`{}`, `{"Fields":[{"name":"a","value":{"value":"AAE","value_type":"BYTES"}}]}`,
		`{"Timestamp":-9223372036854775808,"Fields":{"a":[1e-7,-0.0],"b":{"value":"NaN","value_type":"DOUBLE"}}}`,
		`{"Payload":"\ud800\udc00\ud800\u00e9\\"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var m Message
		if err := m.UnmarshalJSON(in); err != nil {
			if !strings.HasPrefix(err.Error(), "message JSON: ") {
				t.Fatalf("error without the prefix: %v", err)
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("accepted invalid JSON %q", in)
		}
		out := m.AppendJSON(nil)
		var back Message
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("own output refused: %v\n%s", err, out)
		}
		if d := messageDiff(&m, &back); d != "" {
			t.Fatalf("%s\n%s", d, out)
		}
		if again := back.AppendJSON(nil); !bytes.Equal(out, again) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, again)
		}
	})
}

// TestJSONDocExamples reads every example in the json blocks of
// docs/message-json.md, so that the documentation cannot drift from the
// reader. A block line is a whole message, a "Fields" member, or a field.
func TestJSONDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/message-json.md")
	if err != nil {
		t.Fatal(err)
	}
	inBlock, n := false, 0
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case line == "```json":
			inBlock = true
			continue
		case line == "```":
			inBlock = false
			continue
		case !inBlock:
			continue
		case strings.HasPrefix(line, `"Fields":`):
			line = "{" + line + "}"
		case strings.HasPrefix(line, `"`):
			line = `{"Fields":{` + line + "}}"
		}
		n++
		var m Message
		if err := m.UnmarshalJSON([]byte(line)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
	if n < 8 {
		t.Errorf("found %d examples in the doc, want at least 8", n)
	}
}
