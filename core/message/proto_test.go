package message

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"sandpiper/core/message/internal/refpb"
)

// deterministic marshals as the generated code does, map order aside (the
// schema has no maps); it is the reference for byte agreement.
var deterministic = proto.MarshalOptions{Deterministic: true}

// randomRef returns a generated message drawn from r: every optional header
// sometimes nil, sometimes set to its default, sometimes random, and fields
// whose value_type and representation may be absent or explicit defaults and
// whose five value arrays are sometimes mixed.
func randomRef(r *rand.Rand) *refpb.Message {
	x := &refpb.Message{Uuid: make([]byte, 16), Timestamp: proto.Int64(randomInt(r))}
	_, _ = rChaCha(r).Read(x.Uuid)
	optString := func() *string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return proto.String("")
		}
		return proto.String(randomString(r))
	}
	optInt32 := func(def int32) *int32 {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return proto.Int32(def)
		}
		return proto.Int32(int32(randomInt(r)))
	}
	x.Type, x.Logger, x.Payload = optString(), optString(), optString()
	x.EnvVersion, x.Hostname = optString(), optString()
	x.Severity, x.Pid = optInt32(DefaultSeverity), optInt32(0)
	for n := r.IntN(8); n > 0; n-- {
		f := &refpb.Field{Name: proto.String(randomString(r)), Representation: optString()}
		t := refpb.Field_ValueType(r.IntN(5))
		if r.IntN(3) > 0 {
			f.ValueType = t.Enum()
		}
		mixed := r.IntN(3) == 0
		count := func(of refpb.Field_ValueType) int {
			if !mixed && of != t {
				return 0
			}
			return r.IntN(4)
		}
		for k := count(refpb.Field_STRING); k > 0; k-- {
			f.ValueString = append(f.ValueString, randomString(r))
		}
		for k := count(refpb.Field_BYTES); k > 0; k-- {
			b := make([]byte, r.IntN(20))
			_, _ = rChaCha(r).Read(b)
			f.ValueBytes = append(f.ValueBytes, b)
		}
		for k := count(refpb.Field_INTEGER); k > 0; k-- {
			f.ValueInteger = append(f.ValueInteger, randomInt(r))
		}
		for k := count(refpb.Field_DOUBLE); k > 0; k-- {
			f.ValueDouble = append(f.ValueDouble, randomDouble(r))
		}
		for k := count(refpb.Field_BOOL); k > 0; k-- {
			f.ValueBool = append(f.ValueBool, r.IntN(2) == 0)
		}
		x.Fields = append(x.Fields, f)
	}
	return x
}

// messageFromRef returns the Message that holds what x holds, presence
// included.
func messageFromRef(x *refpb.Message) *Message {
	m := &Message{Severity: DefaultSeverity}
	copy(m.Uuid[:], x.Uuid)
	m.Timestamp = x.GetTimestamp()
	strs := []struct {
		from *string
		to   *string
		h    Header
	}{
		{x.Type, &m.Type, HeaderType}, {x.Logger, &m.Logger, HeaderLogger},
		{x.Payload, &m.Payload, HeaderPayload}, {x.EnvVersion, &m.EnvVersion, HeaderEnvVersion},
		{x.Hostname, &m.Hostname, HeaderHostname},
	}
	for _, s := range strs {
		if s.from != nil {
			*s.to = *s.from
			m.MarkPresent(s.h)
		}
	}
	if x.Severity != nil {
		m.Severity = *x.Severity
		m.MarkPresent(HeaderSeverity)
	}
	if x.Pid != nil {
		m.Pid = *x.Pid
		m.MarkPresent(HeaderPid)
	}
	for _, xf := range x.Fields {
		f := Field{
			Name: xf.GetName(), Type: ValueType(xf.GetValueType()), Representation: xf.GetRepresentation(),
			Strings: xf.ValueString, Bytes: xf.ValueBytes, Integers: xf.ValueInteger,
			Doubles: xf.ValueDouble, Bools: xf.ValueBool,
		}
		if xf.ValueType != nil {
			f.explicit |= fieldTypeExplicit
		}
		if xf.Representation != nil {
			f.explicit |= fieldRepresentationExplicit
		}
		m.Fields = append(m.Fields, f)
	}
	return m
}

// TestUnmarshalAgreesWithGenerated decodes what the generated code encodes
// and checks the values and that Marshal gives back the same bytes.
func TestUnmarshalAgreesWithGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var m Message // reused across iterations, as the daemon reuses it
	for i := range 3000 {
		x := randomRef(r)
		b, err := deterministic.Marshal(x)
		if err != nil {
			t.Fatalf("#%d: proto.Marshal: %v", i, err)
		}
		if err := m.Unmarshal(b); err != nil {
			t.Fatalf("#%d: Unmarshal(%x): %v", i, b, err)
		}
		if d := messageDiff(messageFromRef(x), &m); d != "" {
			t.Fatalf("#%d: Unmarshal(%x): %s", i, b, d)
		}
		if got := m.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("#%d: Marshal after Unmarshal\n got %x\nwant %x", i, got, b)
		}
		if m.Size() != len(b) {
			t.Fatalf("#%d: Size %d, want %d", i, m.Size(), len(b))
		}
	}
}

// TestMarshalAgreesWithGenerated encodes random messages, decodes them with
// the generated code and checks the values and that it encodes them back to
// the same bytes.
func TestMarshalAgreesWithGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var buf []byte
	for i := range 3000 {
		m := randomMessage(r)
		buf = m.MarshalAppend(buf[:0])
		if m.Size() != len(buf) {
			t.Fatalf("#%d: Size %d, encoding has %d bytes", i, m.Size(), len(buf))
		}
		var x refpb.Message
		if err := proto.Unmarshal(buf, &x); err != nil {
			t.Fatalf("#%d: proto.Unmarshal(%x): %v", i, buf, err)
		}
		if d := messageDiff(m, messageFromRef(&x)); d != "" {
			t.Fatalf("#%d: generated code decoded %x: %s", i, buf, d)
		}
		want, err := deterministic.Marshal(&x)
		if err != nil {
			t.Fatalf("#%d: proto.Marshal: %v", i, err)
		}
		if !bytes.Equal(buf, want) {
			t.Fatalf("#%d: Marshal\n got %x\nwant %x", i, buf, want)
		}
	}
}

func TestMarshalAppendKeepsPrefix(t *testing.T) {
	m := nginxMessage()
	b := m.MarshalAppend([]byte("prefix"))
	if !bytes.HasPrefix(b, []byte("prefix")) || !bytes.Equal(b[6:], m.Marshal()) {
		t.Fatalf("MarshalAppend(prefix) = %x, want prefix then %x", b, m.Marshal())
	}
}

// Wire builders for hand-made inputs.

func pwVarint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func pwBytes(num protowire.Number, s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
}

func pwFixed64(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
}

func pwFixed32(num protowire.Number, v uint32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(nil, num, protowire.Fixed32Type), v)
}

func pwGroup(num protowire.Number, inner ...[]byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.StartGroupType)
	b = append(b, slices.Concat(inner...)...)
	return protowire.AppendTag(b, num, protowire.EndGroupType)
}

// pwField is a Message's fields entry holding parts.
func pwField(parts ...[]byte) []byte {
	return pwBytes(10, string(slices.Concat(parts...)))
}

// pwBase is the shortest valid message: its uuid and its timestamp, 28 bytes.
var pwBase = slices.Concat(pwBytes(1, "0123456789abcdef"), pwVarint(2, 1795000000123456789))

func pwMessage(parts ...[]byte) []byte {
	return slices.Concat(append([][]byte{pwBase}, parts...)...)
}

func baseMessage() *Message {
	m := &Message{Severity: DefaultSeverity, Timestamp: 1795000000123456789}
	copy(m.Uuid[:], "0123456789abcdef")
	return m
}

func TestUnmarshalAccepts(t *testing.T) {
	withFields := func(fs ...Field) *Message {
		m := baseMessage()
		m.Fields = fs
		return m
	}
	tests := []struct {
		name string
		in   []byte
		want *Message
	}{
		{
			"unpacked integers, doubles and bools",
			pwMessage(pwField(pwBytes(1, "n"), pwVarint(6, 5), pwVarint(6, math.MaxUint64),
				pwFixed64(7, math.Float64bits(2.5)), pwVarint(8, 1), pwVarint(8, 0), pwVarint(8, 300))),
			withFields(Field{Name: "n", Integers: []int64{5, -1}, Doubles: []float64{2.5}, Bools: []bool{true, false, true}}),
		},
		{
			"packed and unpacked mixed, in wire order",
			pwMessage(pwField(pwBytes(1, "n"), pwVarint(6, 1), pwBytes(6, "\x02\x03"), pwVarint(6, 4),
				pwBytes(7, string(protowire.AppendFixed64(nil, math.Float64bits(1)))), pwFixed64(7, math.Float64bits(-1)),
				pwVarint(8, 0), pwBytes(8, "\x01\x00"), pwBytes(6, ""))),
			withFields(Field{Name: "n", Integers: []int64{1, 2, 3, 4}, Doubles: []float64{1, -1}, Bools: []bool{false, true, false}}),
		},
		{
			"unknown fields of every wire type, in Message and in Field",
			pwMessage(pwVarint(11, 1), pwFixed32(12, 2), pwFixed64(13, 3), pwBytes(14, "x"),
				pwGroup(15, pwVarint(1, 1), pwGroup(2, pwBytes(3, "deep"))), pwVarint(19500, 1),
				pwField(pwBytes(1, "n"), pwVarint(9, 1), pwFixed32(10, 2), pwFixed64(11, 3), pwBytes(12, "x"),
					pwGroup(13, pwFixed32(1, 1)), pwVarint(1000, 7), pwBytes(4, "v"))),
			withFields(Field{Name: "n", Strings: []string{"v"}}),
		},
		{
			"a later occurrence of a non-repeated field wins",
			slices.Concat(pwBytes(1, "ffffffffffffffff"), pwVarint(2, 1), pwBytes(3, "first"), pwVarint(5, 3),
				pwBase, pwBytes(3, ""), pwVarint(5, 7),
				pwField(pwBytes(1, "a"), pwVarint(2, 2), pwBytes(3, "ms"), pwBytes(1, "b"), pwVarint(2, 0), pwBytes(3, ""))),
			func() *Message {
				m := withFields(Field{Name: "b", explicit: fieldTypeExplicit | fieldRepresentationExplicit})
				m.MarkPresent(HeaderType)
				m.MarkPresent(HeaderSeverity)
				return m
			}(),
		},
		{
			"int32 headers keep the low 32 bits, as the generated code does",
			pwMessage(pwVarint(5, 1<<32|3), pwVarint(8, math.MaxUint64)),
			func() *Message {
				m := baseMessage()
				m.Severity, m.Pid = 3, -1
				return m
			}(),
		},
		{
			"a field with no values and an empty name",
			pwMessage(pwField(pwBytes(1, ""))),
			withFields(Field{}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			if err := m.Unmarshal(tt.in); err != nil {
				t.Fatalf("Unmarshal(%x): %v", tt.in, err)
			}
			if d := messageDiff(tt.want, &m); d != "" {
				t.Fatalf("Unmarshal(%x): %s", tt.in, d)
			}
			var x refpb.Message
			if err := proto.Unmarshal(tt.in, &x); err != nil {
				t.Fatalf("proto.Unmarshal(%x): %v", tt.in, err)
			}
			if d := messageDiff(messageFromRef(&x), &m); d != "" {
				t.Fatalf("disagrees with the generated code: %s", d)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "message: missing required field uuid"},
		{"no uuid", pwVarint(2, 1), "message: missing required field uuid"},
		{"no timestamp", pwBytes(1, "0123456789abcdef"), "message: missing required field timestamp"},
		{"field without name", pwMessage(pwField(pwBytes(4, "v"))), "message: fields[0]: missing required field name"},
		{"second field without name", pwMessage(pwField(pwBytes(1, "a")), pwField()),
			"message: fields[1]: missing required field name"},
		{"short uuid", pwBytes(1, "0123456789abcde"), "message: uuid at byte 0: length 15, want 16"},
		{"long uuid", pwMessage(pwBytes(1, "0123456789abcdefg")), "message: uuid at byte 28: length 17, want 16"},
		{"truncated tag", append(slices.Clone(pwBase), 0x80), "message: tag at byte 28: unexpected EOF"},
		{"field number 0", append(slices.Clone(pwBase), 0x02, 0x00), "message: tag at byte 28: invalid field number"},
		{"field number too big", pwMessage(pwVarint(protowire.MaxValidNumber+1, 0)),
			"message: unknown field at byte 28: field number 536870912 out of range"},
		{"truncated timestamp", slices.Concat(pwBytes(1, "0123456789abcdef"), []byte{0x10, 0xff}),
			"message: timestamp at byte 18: unexpected EOF"},
		{"overlong varint", pwMessage([]byte{0x28}, bytes.Repeat([]byte{0xff}, 10), []byte{0x01}),
			"message: severity at byte 28: variable length integer overflow"},
		{"truncated length", pwMessage([]byte{0x1a}), "message: type at byte 28: unexpected EOF"},
		{"length past the end", pwMessage([]byte{0x32, 0x05, 'a'}), "message: payload at byte 28: length 5 overruns the 1 bytes left"},
		{"string header as varint", pwMessage(pwVarint(9, 1)), "message: hostname at byte 28: wire type 0, want 2"},
		{"pid as bytes", pwMessage(pwBytes(8, "1")), "message: pid at byte 28: wire type 2, want 0"},
		{"fields as fixed64", pwMessage(pwFixed64(10, 1)), "message: fields at byte 28: wire type 1, want 2"},
		{"end group alone", pwMessage([]byte{0x5c}), "message: unknown field at byte 28: mismatching end group marker"},
		{"unterminated group", pwMessage([]byte{0x5b}), "message: unknown field at byte 28: unexpected EOF"},
		{"truncated unknown fixed32", pwMessage([]byte{0x5d, 1, 2}), "message: unknown field at byte 28: unexpected EOF"},
		{"value_type out of range", pwMessage(pwField(pwBytes(1, "n"), pwVarint(2, 5))),
			"message: fields[0].value_type at byte 33: unknown value 5"},
		{"negative value_type", pwMessage(pwField(pwBytes(1, "n"), pwVarint(2, math.MaxUint64))),
			"message: fields[0].value_type at byte 33: unknown value -1"},
		{"value_type as bytes", pwMessage(pwField(pwBytes(1, "n"), pwBytes(2, ""))),
			"message: fields[0].value_type at byte 33: wire type 2, want 0"},
		{"name as varint", pwMessage(pwField(pwVarint(1, 1))), "message: fields[0].name at byte 30: wire type 0, want 2"},
		{"value_double as fixed32", pwMessage(pwField(pwBytes(1, "n"), pwFixed32(7, 1))),
			"message: fields[0].value_double at byte 33: wire type 5, want 2 or 1"},
		{"value_integer as fixed64", pwMessage(pwField(pwBytes(1, "n"), pwFixed64(6, 1))),
			"message: fields[0].value_integer at byte 33: wire type 1, want 2 or 0"},
		{"value_string as varint", pwMessage(pwField(pwBytes(1, "n"), pwVarint(4, 1))),
			"message: fields[0].value_string at byte 33: wire type 0, want 2"},
		{"truncated unpacked double", pwMessage(pwField(pwBytes(1, "n"), []byte{0x39, 1, 2, 3})),
			"message: fields[0].value_double at byte 33: unexpected EOF"},
		{"packed doubles not a multiple of 8", pwMessage(pwField(pwBytes(1, "n"), pwBytes(7, "1234567"))),
			"message: fields[0].value_double at byte 33: packed length 7 is not a multiple of 8"},
		{"truncated packed integer", pwMessage(pwField(pwBytes(1, "n"), pwBytes(6, "\x01\x80"))),
			"message: fields[0].value_integer at byte 33: unexpected EOF"},
		{"truncated packed bool", pwMessage(pwField(pwBytes(1, "n"), pwBytes(8, "\x01\xff"))),
			"message: fields[0].value_bool at byte 33: unexpected EOF"},
		{"field value past the field's end", pwMessage(pwField(pwBytes(1, "n"), []byte{0x22, 0x03, 'a'}), pwBytes(3, "t")),
			"message: fields[0].value_string at byte 33: length 3 overruns the 1 bytes left"},
		{"truncated unknown field in field", pwMessage(pwField(pwBytes(1, "n"), []byte{0x49})),
			"message: fields[0] unknown field at byte 33: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := m.Unmarshal(tt.in)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Unmarshal(%x) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestUnmarshalRejectsWhatGeneratedCodeKeeps pins down the three places where
// Unmarshal is stricter than the generated code, which accepts these inputs.
func TestUnmarshalRejectsWhatGeneratedCodeKeeps(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"uuid of 15 bytes", pwMessage(pwBytes(1, "0123456789abcde"))},
		{"known field with the wrong wire type", pwMessage(pwFixed32(3, 1))},
		{"value_type 7", pwMessage(pwField(pwBytes(1, "n"), pwVarint(2, 7)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x refpb.Message
			if err := proto.Unmarshal(tt.in, &x); err != nil {
				t.Fatalf("generated code rejects it too: %v", err)
			}
			var m Message
			if err := m.Unmarshal(tt.in); err == nil {
				t.Fatalf("Unmarshal(%x) succeeded, want an error", tt.in)
			}
		})
	}
}

// TestUnmarshalReuseLeavesNothingStale decodes into one Message in turn
// messages big and small, and compares each with a fresh decode.
func TestUnmarshalReuseLeavesNothingStale(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	big := randomRef(r)
	for len(big.Fields) < 6 {
		big = randomRef(r)
	}
	for _, f := range big.Fields {
		f.ValueType, f.Representation = refpb.Field_BYTES.Enum(), proto.String("ms")
		f.ValueString, f.ValueBytes = []string{"s1", "s2"}, [][]byte{[]byte("b")}
		f.ValueInteger, f.ValueDouble, f.ValueBool = []int64{1, 2}, []float64{3}, []bool{true}
	}
	big.Type, big.Severity, big.Pid, big.Hostname = proto.String("t"), proto.Int32(7), proto.Int32(0), proto.String("")
	small := &refpb.Message{Uuid: []byte("0123456789abcdef"), Timestamp: proto.Int64(1),
		Fields: []*refpb.Field{{Name: proto.String("x")}, {Name: proto.String("y"), ValueInteger: []int64{9}}}}
	var reused Message
	for i, x := range []*refpb.Message{big, small, big, small, small} {
		b, err := deterministic.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if err := reused.Unmarshal(b); err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		var fresh Message
		if err := fresh.Unmarshal(b); err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		if d := messageDiff(&fresh, &reused); d != "" {
			t.Fatalf("#%d: reused message differs from a fresh decode: %s", i, d)
		}
		if got := reused.Marshal(); !bytes.Equal(got, b) {
			t.Fatalf("#%d: reused message encodes to %x, want %x", i, got, b)
		}
	}
}

func TestUnmarshalDoesNotAliasInput(t *testing.T) {
	in := nginxMessage().Marshal()
	want := nginxMessage()
	var m Message
	if err := m.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 0xAA
	}
	if d := messageDiff(want, &m); d != "" {
		t.Fatalf("after the input was overwritten: %s", d)
	}
}

func TestUnmarshalBytesValuesDoNotOverlap(t *testing.T) {
	in := pwMessage(pwField(pwBytes(1, "n"), pwBytes(5, "ab"), pwBytes(5, "cd")))
	var m Message
	if err := m.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	f := &m.Fields[0]
	_ = append(f.Bytes[0], 'X')
	if got := string(f.Bytes[1]); got != "cd" {
		t.Fatalf("appending to Bytes[0] changed Bytes[1] to %q", got)
	}
}

func TestCodecAllocations(t *testing.T) {
	m := nginxMessage()
	in := m.Marshal()
	var decoded Message
	if err := decoded.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = decoded.Unmarshal(in) }); n != 1 {
		t.Errorf("Unmarshal into a reused message: %v allocations, want 1 (the copy of the input)", n)
	}
	buf := m.Marshal()
	if n := testing.AllocsPerRun(100, func() { buf = m.MarshalAppend(buf[:0]) }); n != 0 {
		t.Errorf("MarshalAppend into a reused buffer: %v allocations, want 0", n)
	}
}

// FuzzUnmarshal checks that Unmarshal never panics, that what it accepts
// re-encodes to a fixed point, and that the generated code reads the same
// values from it.
func FuzzUnmarshal(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		f.Add(randomMessage(r).Marshal())
		b, err := deterministic.Marshal(randomRef(r))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(nginxMessage().Marshal())
	f.Add(pwMessage(pwField(pwBytes(1, "n"), pwVarint(6, 1), pwBytes(6, "\x02\x03"), pwFixed64(7, 0), pwBytes(8, "\x01"))))
	f.Add(pwMessage(pwGroup(15, pwVarint(1, 1)), pwField(pwBytes(1, "n"), pwFixed32(10, 2))))
	f.Fuzz(func(t *testing.T, in []byte) {
		var m Message
		if err := m.Unmarshal(in); err != nil {
			return
		}
		var x refpb.Message
		if err := proto.Unmarshal(in, &x); err != nil {
			t.Fatalf("Unmarshal accepts %x, the generated code does not: %v", in, err)
		}
		if d := messageDiff(messageFromRef(&x), &m); d != "" {
			t.Fatalf("Unmarshal(%x) disagrees with the generated code: %s", in, d)
		}
		b := m.Marshal()
		if len(b) != m.Size() {
			t.Fatalf("Size %d, Marshal wrote %d bytes", m.Size(), len(b))
		}
		var again Message
		if err := again.Unmarshal(b); err != nil {
			t.Fatalf("Unmarshal(Marshal(%x)): %v", in, err)
		}
		if d := messageDiff(&m, &again); d != "" {
			t.Fatalf("Unmarshal(Marshal(%x)): %s", in, d)
		}
		if b2 := again.Marshal(); !bytes.Equal(b, b2) {
			t.Fatalf("Marshal is not a fixed point for %x:\n%x\n%x", in, b, b2)
		}
	})
}

func ExampleMessage_Unmarshal() {
	m := New(1795000000123456789)
	m.Type = "nginx.access"
	f := m.NewField("status", Integer)
	f.Integers = append(f.Integers, 200)
	b := m.Marshal()

	var decoded Message
	if err := decoded.Unmarshal(b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(decoded.Type, decoded.Field("status", 0).Integers, decoded.Uuid == m.Uuid)
	fmt.Println(decoded.Unmarshal(b[:20]))
	// Output:
	// nginx.access [200] true
	// message: timestamp at byte 18: unexpected EOF
}

func TestUnmarshalOwnedAliasesItsInput(t *testing.T) {
	in := nginxMessage().Marshal()
	var copied, owned Message
	if err := copied.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	buf := bytes.Clone(in)
	if err := owned.UnmarshalOwned(buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(owned.Marshal(), in) || !bytes.Equal(copied.Marshal(), in) {
		t.Fatal("a decoded message does not encode back to its input")
	}
	// The owned message's strings are buf's bytes: changing buf shows
	// through (which is why its caller must not), the copy's are not.
	i := bytes.Index(buf, []byte(owned.Type))
	buf[i] ^= 0x20
	if owned.Type == copied.Type {
		t.Fatal("UnmarshalOwned copied its input")
	}
}

// TestUnmarshalFreshFieldsDoNotShareValues checks that the single values of
// a fresh message's fields, which share arrays (valueArena), are each their
// own: appending to one field's values leaves its neighbours' as they were.
func TestUnmarshalFreshFieldsDoNotShareValues(t *testing.T) {
	in := nginxMessage().Marshal()
	var m Message
	if err := m.Unmarshal(in); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"remote_addr", "status"} {
		f := m.Field(name, 0)
		switch f.Type {
		case String:
			f.Strings = append(f.Strings, "added")
		case Integer:
			f.Integers = append(f.Integers, -1)
		}
	}
	want := nginxMessage()
	want.Field("remote_addr", 0).Strings = append(want.Field("remote_addr", 0).Strings, "added")
	want.Field("status", 0).Integers = append(want.Field("status", 0).Integers, -1)
	if d := messageDiff(want, &m); d != "" {
		t.Fatalf("after appending to two fields' values: %s", d)
	}
	if n := testing.AllocsPerRun(100, func() {
		var fresh Message
		_ = fresh.Unmarshal(in)
	}); n > 6 {
		t.Errorf("Unmarshal into a fresh message: %v allocations, want at most 6 (the copy, Fields, and one array per value type)", n)
	}
}
