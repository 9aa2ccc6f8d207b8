package message

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// The tags of message.proto, as the single bytes they encode to: every field
// number is below 16, so (number<<3 | wire type) always fits in one byte.
const (
	tagUuid       = 1<<3 | byte(protowire.BytesType)
	tagTimestamp  = 2<<3 | byte(protowire.VarintType)
	tagType       = 3<<3 | byte(protowire.BytesType)
	tagLogger     = 4<<3 | byte(protowire.BytesType)
	tagSeverity   = 5<<3 | byte(protowire.VarintType)
	tagPayload    = 6<<3 | byte(protowire.BytesType)
	tagEnvVersion = 7<<3 | byte(protowire.BytesType)
	tagPid        = 8<<3 | byte(protowire.VarintType)
	tagHostname   = 9<<3 | byte(protowire.BytesType)
	tagFields     = 10<<3 | byte(protowire.BytesType)

	tagName           = 1<<3 | byte(protowire.BytesType)
	tagValueType      = 2<<3 | byte(protowire.VarintType)
	tagRepresentation = 3<<3 | byte(protowire.BytesType)
	tagValueString    = 4<<3 | byte(protowire.BytesType)
	tagValueBytes     = 5<<3 | byte(protowire.BytesType)
	tagValueInteger   = 6<<3 | byte(protowire.BytesType) // packed
	tagValueDouble    = 7<<3 | byte(protowire.BytesType) // packed
	tagValueBool      = 8<<3 | byte(protowire.BytesType) // packed
)

// uuidLen is the only uuid length a Message can hold.
const uuidLen = len(UUID{})

// Size returns the length of m's protobuf encoding.
func (m *Message) Size() int {
	n := 2 + uuidLen + 1 + protowire.SizeVarint(uint64(m.Timestamp))
	if m.Has(HeaderType) {
		n += 1 + protowire.SizeBytes(len(m.Type))
	}
	if m.Has(HeaderLogger) {
		n += 1 + protowire.SizeBytes(len(m.Logger))
	}
	if m.Has(HeaderSeverity) {
		n += 1 + protowire.SizeVarint(uint64(m.Severity))
	}
	if m.Has(HeaderPayload) {
		n += 1 + protowire.SizeBytes(len(m.Payload))
	}
	if m.Has(HeaderEnvVersion) {
		n += 1 + protowire.SizeBytes(len(m.EnvVersion))
	}
	if m.Has(HeaderPid) {
		n += 1 + protowire.SizeVarint(uint64(m.Pid))
	}
	if m.Has(HeaderHostname) {
		n += 1 + protowire.SizeBytes(len(m.Hostname))
	}
	for i := range m.Fields {
		n += 1 + protowire.SizeBytes(m.Fields[i].size())
	}
	return n
}

// size returns the length of f's encoding, without its tag and length.
func (f *Field) size() int {
	n := 1 + protowire.SizeBytes(len(f.Name))
	if f.HasType() {
		n += 1 + protowire.SizeVarint(uint64(f.Type))
	}
	if f.HasRepresentation() {
		n += 1 + protowire.SizeBytes(len(f.Representation))
	}
	for _, s := range f.Strings {
		n += 1 + protowire.SizeBytes(len(s))
	}
	for _, b := range f.Bytes {
		n += 1 + protowire.SizeBytes(len(b))
	}
	if len(f.Integers) > 0 {
		n += 1 + protowire.SizeBytes(packedIntegersSize(f.Integers))
	}
	if len(f.Doubles) > 0 {
		n += 1 + protowire.SizeBytes(8*len(f.Doubles))
	}
	if len(f.Bools) > 0 {
		n += 1 + protowire.SizeBytes(len(f.Bools))
	}
	return n
}

func packedIntegersSize(v []int64) int {
	n := 0
	for _, x := range v {
		n += protowire.SizeVarint(uint64(x))
	}
	return n
}

// Marshal returns m's protobuf encoding in a new slice of exactly Size bytes.
func (m *Message) Marshal() []byte {
	return m.MarshalAppend(make([]byte, 0, m.Size()))
}

// MarshalAppend appends m's protobuf encoding to b and returns the extended
// slice, growing b at most once.
//
// The bytes are those that proto.Marshal writes for the same message through
// code generated from Heka's message.proto: fields in field-number order,
// optional headers only when m.Has them, value_type and representation only
// when f.HasType and f.HasRepresentation, and every one of a Field's five
// value slices, so that a decoded field that carried values of several types
// loses none of them on the way back out.
func (m *Message) MarshalAppend(b []byte) []byte {
	b = slices.Grow(b, m.Size())
	b = append(b, tagUuid, byte(uuidLen))
	b = append(b, m.Uuid[:]...)
	b = append(b, tagTimestamp)
	b = protowire.AppendVarint(b, uint64(m.Timestamp))
	if m.Has(HeaderType) {
		b = appendString(b, tagType, m.Type)
	}
	if m.Has(HeaderLogger) {
		b = appendString(b, tagLogger, m.Logger)
	}
	if m.Has(HeaderSeverity) {
		// int32 fields are sign-extended to 64 bits on the wire.
		b = append(b, tagSeverity)
		b = protowire.AppendVarint(b, uint64(m.Severity))
	}
	if m.Has(HeaderPayload) {
		b = appendString(b, tagPayload, m.Payload)
	}
	if m.Has(HeaderEnvVersion) {
		b = appendString(b, tagEnvVersion, m.EnvVersion)
	}
	if m.Has(HeaderPid) {
		b = append(b, tagPid)
		b = protowire.AppendVarint(b, uint64(m.Pid))
	}
	if m.Has(HeaderHostname) {
		b = appendString(b, tagHostname, m.Hostname)
	}
	for i := range m.Fields {
		f := &m.Fields[i]
		b = append(b, tagFields)
		b = protowire.AppendVarint(b, uint64(f.size()))
		b = f.appendProto(b)
	}
	return b
}

func appendString(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = protowire.AppendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func (f *Field) appendProto(b []byte) []byte {
	b = appendString(b, tagName, f.Name)
	if f.HasType() {
		b = append(b, tagValueType)
		b = protowire.AppendVarint(b, uint64(f.Type))
	}
	if f.HasRepresentation() {
		b = appendString(b, tagRepresentation, f.Representation)
	}
	for _, s := range f.Strings {
		b = appendString(b, tagValueString, s)
	}
	for _, v := range f.Bytes {
		b = append(b, tagValueBytes)
		b = protowire.AppendVarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	if len(f.Integers) > 0 {
		b = append(b, tagValueInteger)
		b = protowire.AppendVarint(b, uint64(packedIntegersSize(f.Integers)))
		for _, v := range f.Integers {
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	if len(f.Doubles) > 0 {
		b = append(b, tagValueDouble)
		b = protowire.AppendVarint(b, uint64(8*len(f.Doubles)))
		for _, v := range f.Doubles {
			b = protowire.AppendFixed64(b, math.Float64bits(v))
		}
	}
	if len(f.Bools) > 0 {
		b = append(b, tagValueBool)
		b = protowire.AppendVarint(b, uint64(len(f.Bools)))
		for _, v := range f.Bools {
			b = append(b, byte(protowire.EncodeBool(v)))
		}
	}
	return b
}

// Unmarshal resets m and decodes the protobuf encoding b into it.
//
// It follows proto2 as the generated Go code does: unknown fields of any
// wire type are skipped, value_integer, value_double and value_bool are
// accepted packed, unpacked or both mixed, and a later occurrence of a
// non-repeated field replaces an earlier one. Every optional header, and a
// Field's value_type and representation, that occurs in b counts as present
// even when it holds its default, so that Marshal gives back b itself when b
// is in the canonical form Marshal writes.
//
// It is stricter than the generated code in three ways, because m could not
// hold faithfully what it would accept: a uuid of other than 16 bytes is an
// error; a known field with the wrong wire type is an error (the generated
// code keeps it among the unknown fields, and m keeps none); and a
// value_type outside STRING..BOOL is an error. The generated code of
// protobuf-go v1.36 keeps such a number in the field as it is (the proto2
// rule of moving it to the unknown fields is not applied); a Field could
// hold it too, but everything downstream of the decoder (matcher, JSON, Lua)
// relies on Type being one of the five, so the message is refused where the
// fault is visible instead. Errors name the field and the byte offset in b
// of its tag; m then holds what was decoded before the error.
//
// Unmarshal makes one copy of b, owned by m, and every string and Bytes
// value of m points into that copy: b itself is never aliased, so the
// caller may reuse it at once, and a decode costs one allocation plus any
// growth of m's reused Fields storage. A string or Bytes value kept after m
// is reset or decoded again stays valid, and keeps the whole copy alive.
// Unmarshal reuses the storage of m.Fields and of each Field's slices, so
// slices taken from m before the call are overwritten by it.
func (m *Message) Unmarshal(b []byte) error {
	m.Reset()
	// make followed by copy compiles to one allocation without zeroing.
	buf := make([]byte, len(b))
	copy(buf, b)
	return m.decode(buf)
}

// UnmarshalOwned is Unmarshal without the copy: m's strings and Bytes
// values point into b itself, which the caller gives to m and must never
// change afterwards. A decoder that keeps the encoding beside the message
// (to write it again unchanged) then holds one copy of the bytes, not two.
func (m *Message) UnmarshalOwned(b []byte) error {
	m.Reset()
	return m.decode(b)
}

// protoError is a decoding error at byte offset off of the input.
func protoError(field string, off int, format string, args ...any) error {
	return fmt.Errorf("message: %s at byte %d: %s", field, off, fmt.Sprintf(format, args...))
}

// wireError reports a protowire parse failure (a negative length n).
func wireError(field string, off int, n int) error {
	// protowire's texts start with "proto:" and then, chosen at random per
	// process to discourage matching on them, a space or a no-break space.
	text := protowire.ParseError(n).Error()
	if rest, ok := strings.CutPrefix(text, "proto:"); ok {
		text = strings.TrimLeft(rest, " \u00a0")
	}
	return protoError(field, off, "%s", text)
}

// str returns buf[i:j] as a string that shares buf's memory. buf is m's own
// copy of the input, and no byte a string covers is ever written: the only
// writable views of it that m hands out are Bytes values, which cover other
// bytes.
func str(buf []byte, i, j int) string {
	if i == j {
		return ""
	}
	return unsafe.String(&buf[i], j-i)
}

// messageFieldNames names Message's fields for errors, by field number.
var messageFieldNames = [...]string{
	1: "uuid", 2: "timestamp", 3: "type", 4: "logger", 5: "severity",
	6: "payload", 7: "env_version", 8: "pid", 9: "hostname", 10: "fields",
}

// fieldFieldNames names Field's fields for errors, by field number.
var fieldFieldNames = [...]string{
	1: "name", 2: "value_type", 3: "representation", 4: "value_string",
	5: "value_bytes", 6: "value_integer", 7: "value_double", 8: "value_bool",
}

// tag reads the tag at the start of b, which is not empty, with a short
// path for the one-byte tags of field numbers 1 to 15, which are all of
// message.proto's.
func tag(b []byte) (protowire.Number, protowire.Type, int) {
	if c := b[0]; c-8 < 0x80-8 { // 8 <= c < 0x80: field number 1..15
		return protowire.Number(c >> 3), protowire.Type(c & 7), 1
	}
	return protowire.ConsumeTag(b)
}

// skip returns the length of the value of the unknown field num at the start
// of buf, or an error for the field number or the value.
func skip(buf []byte, num protowire.Number, typ protowire.Type, field string, at int) (int, error) {
	if num > protowire.MaxValidNumber {
		// ConsumeTag lets numbers up to MaxInt32 through; the generated
		// code rejects them.
		return 0, protoError(field, at, "field number %d out of range", num)
	}
	n := protowire.ConsumeFieldValue(num, typ, buf)
	if n < 0 {
		return 0, wireError(field, at, n)
	}
	return n, nil
}

// varint reads the varint at the start of b, with a short path for one
// byte.
func varint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return protowire.ConsumeVarint(b)
}

func (m *Message) decode(buf []byte) error {
	const haveUuid, haveTimestamp = 1, 2
	var have uint8
	var vals valueArena
	if cap(m.Fields) == 0 {
		// A fresh message: size Fields once, rather than growing it by
		// doubling (a Field is 168 bytes), and give single values slots
		// of shared arrays rather than an array each.
		if n := countFields(buf); n > 0 {
			m.Fields = make([]Field, 0, n)
			vals.hint = n
		}
	}
	for i := 0; i < len(buf); {
		at := i
		num, typ, n := tag(buf[i:])
		if n < 0 {
			return wireError("tag", at, n)
		}
		i += n
		if num > 10 {
			n, err := skip(buf[i:], num, typ, "unknown field", at)
			if err != nil {
				return err
			}
			i += n
			continue
		}
		name := messageFieldNames[num]
		switch num {
		case 2, 5, 8:
			if typ != protowire.VarintType {
				return protoError(name, at, "wire type %d, want %d", typ, protowire.VarintType)
			}
			v, n := varint(buf[i:])
			if n < 0 {
				return wireError(name, at, n)
			}
			i += n
			switch num {
			case 2:
				m.Timestamp = int64(v)
				have |= haveTimestamp
			case 5:
				// int32 fields keep the low 32 bits, as the generated code does.
				m.Severity = int32(v)
				m.MarkPresent(HeaderSeverity)
			case 8:
				m.Pid = int32(v)
				m.MarkPresent(HeaderPid)
			}
			continue
		}
		if typ != protowire.BytesType {
			return protoError(name, at, "wire type %d, want %d", typ, protowire.BytesType)
		}
		v, n := varint(buf[i:])
		if n < 0 {
			return wireError(name, at, n)
		}
		i += n
		if v > uint64(len(buf)-i) {
			return protoError(name, at, "length %d overruns the %d bytes left", v, len(buf)-i)
		}
		start, end := i, i+int(v)
		i = end
		switch num {
		case 1:
			if end-start != uuidLen {
				return protoError(name, at, "length %d, want %d", end-start, uuidLen)
			}
			copy(m.Uuid[:], buf[start:end])
			have |= haveUuid
		case 3:
			m.Type = str(buf, start, end)
			m.MarkPresent(HeaderType)
		case 4:
			m.Logger = str(buf, start, end)
			m.MarkPresent(HeaderLogger)
		case 6:
			m.Payload = str(buf, start, end)
			m.MarkPresent(HeaderPayload)
		case 7:
			m.EnvVersion = str(buf, start, end)
			m.MarkPresent(HeaderEnvVersion)
		case 9:
			m.Hostname = str(buf, start, end)
			m.MarkPresent(HeaderHostname)
		case 10:
			if err := m.nextField().decode(buf, start, end, len(m.Fields)-1, &vals); err != nil {
				return err
			}
		}
	}
	if have&haveUuid == 0 {
		return fmt.Errorf("message: missing required field uuid")
	}
	if have&haveTimestamp == 0 {
		return fmt.Errorf("message: missing required field timestamp")
	}
	return nil
}

// nextField appends an empty field to m, reusing the storage of one that
// Reset left beyond len(m.Fields). It empties the field as Field.reset does,
// but reslices each slice in place, which spares the write barriers of
// storing its pointer back while the collector runs.
func (m *Message) nextField() *Field {
	n := len(m.Fields)
	if n == cap(m.Fields) {
		m.Fields = append(m.Fields, Field{})
		return &m.Fields[n]
	}
	m.Fields = m.Fields[:n+1]
	f := &m.Fields[n]
	f.Name, f.Type, f.Representation, f.explicit = "", String, "", 0
	f.Strings = f.Strings[:0]
	f.Bytes = f.Bytes[:0]
	f.Integers = f.Integers[:0]
	f.Doubles = f.Doubles[:0]
	f.Bools = f.Bools[:0]
	return f
}

// countFields returns how many fields the encoded message buf holds, or
// what it could count before a fault, which decode then reports.
func countFields(buf []byte) int {
	count := 0
	for i := 0; i < len(buf); {
		num, typ, n := tag(buf[i:])
		if n < 0 {
			break
		}
		i += n
		n = protowire.ConsumeFieldValue(num, typ, buf[i:])
		if n < 0 {
			break
		}
		i += n
		if num == 10 && typ == protowire.BytesType {
			count++
		}
	}
	return count
}

// valueArena hands out one-value slices of shared arrays, one array per
// value type used, for the fields of a freshly decoded message: most fields
// hold one value, and an array per field would be an allocation per field.
// Each slice's capacity is cut to its value, so that appending to it moves
// it out rather than overwrite a neighbour's.
type valueArena struct {
	hint    int // the message's number of fields: the size of each array
	strings []string
	ints    []int64
	doubles []float64
	bools   []bool
}

// slot returns a zero-length slice of capacity 1 from *arr, making *arr of
// hint elements when it is full.
func slot[T any](arr *[]T, hint int) []T {
	if len(*arr) == cap(*arr) {
		*arr = make([]T, 0, max(hint, 1))
	}
	n := len(*arr)
	*arr = (*arr)[:n+1]
	return (*arr)[n : n : n+1]
}

// decode decodes buf[i:end] into f, the field at index fi of its message,
// taking slots for single values from vals when f has no storage.
func (f *Field) decode(buf []byte, i, end, fi int, vals *valueArena) error {
	haveName := false
	for i < end {
		at := i
		num, typ, n := tag(buf[i:end])
		if n < 0 {
			return wireError(fmt.Sprintf("fields[%d] tag", fi), at, n)
		}
		i += n
		if num > 8 {
			n, err := skip(buf[i:end], num, typ, fmt.Sprintf("fields[%d] unknown field", fi), at)
			if err != nil {
				return err
			}
			i += n
			continue
		}
		switch {
		case typ == protowire.VarintType && num == 2:
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			// An enum is an int32 on the wire; keep the low 32 bits as the
			// generated code does before checking the range.
			t := ValueType(int32(v))
			if t < String || t > Bool {
				return f.error(fi, num, at, "unknown value %d", int32(v))
			}
			f.Type = t
			f.explicit |= fieldTypeExplicit
		case typ == protowire.VarintType && num == 6:
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			if cap(f.Integers) == 0 && vals.hint > 0 {
				f.Integers = slot(&vals.ints, vals.hint)
			}
			f.Integers = append(f.Integers, int64(v))
		case typ == protowire.VarintType && num == 8:
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			if cap(f.Bools) == 0 && vals.hint > 0 {
				f.Bools = slot(&vals.bools, vals.hint)
			}
			f.Bools = append(f.Bools, protowire.DecodeBool(v))
		case typ == protowire.Fixed64Type && num == 7:
			if end-i < 8 {
				return f.error(fi, num, at, "%v", io.ErrUnexpectedEOF)
			}
			if cap(f.Doubles) == 0 && vals.hint > 0 {
				f.Doubles = slot(&vals.doubles, vals.hint)
			}
			f.Doubles = append(f.Doubles, math.Float64frombits(binary.LittleEndian.Uint64(buf[i:])))
			i += 8
		case typ == protowire.BytesType && num != 2:
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			if v > uint64(end-i) {
				return f.error(fi, num, at, "length %d overruns the %d bytes left", v, end-i)
			}
			start, stop := i, i+int(v)
			i = stop
			if err := f.decodeBytes(buf, num, start, stop, fi, at, vals); err != nil {
				return err
			}
			if num == 1 {
				haveName = true
			}
		default:
			return f.error(fi, num, at, "wire type %d, want %s", typ, fieldWireTypes[num])
		}
	}
	if !haveName {
		return fmt.Errorf("message: fields[%d]: missing required field name", fi)
	}
	return nil
}

// fieldWireTypes lists, by field number, the wire types Field's fields may
// come in: value_integer, value_double and value_bool packed or not.
var fieldWireTypes = [...]string{
	1: "2", 2: "0", 3: "2", 4: "2", 5: "2", 6: "2 or 0", 7: "2 or 1", 8: "2 or 0",
}

// decodeBytes decodes the length-delimited value buf[i:end] of Field's field
// num, which started at byte at.
func (f *Field) decodeBytes(buf []byte, num protowire.Number, i, end, fi, at int, vals *valueArena) error {
	switch num {
	case 1:
		f.Name = str(buf, i, end)
	case 3:
		f.Representation = str(buf, i, end)
		f.explicit |= fieldRepresentationExplicit
	case 4:
		if cap(f.Strings) == 0 && vals.hint > 0 {
			f.Strings = slot(&vals.strings, vals.hint)
		}
		f.Strings = append(f.Strings, str(buf, i, end))
	case 5:
		// The capacity is cut so that appending to the value cannot
		// overwrite the bytes that follow it in m's copy.
		f.Bytes = append(f.Bytes, buf[i:end:end])
	case 6:
		count := 0
		for _, c := range buf[i:end] {
			if c < 0x80 {
				count++
			}
		}
		if count == 1 && cap(f.Integers) == 0 && vals.hint > 0 {
			f.Integers = slot(&vals.ints, vals.hint)
		}
		f.Integers = slices.Grow(f.Integers, count)
		for i < end {
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			f.Integers = append(f.Integers, int64(v))
		}
	case 7:
		if (end-i)%8 != 0 {
			return f.error(fi, num, at, "packed length %d is not a multiple of 8", end-i)
		}
		if end-i == 8 && cap(f.Doubles) == 0 && vals.hint > 0 {
			f.Doubles = slot(&vals.doubles, vals.hint)
		}
		f.Doubles = slices.Grow(f.Doubles, (end-i)/8)
		for ; i < end; i += 8 {
			f.Doubles = append(f.Doubles, math.Float64frombits(binary.LittleEndian.Uint64(buf[i:])))
		}
	case 8:
		f.Bools = slices.Grow(f.Bools, end-i)
		for i < end {
			v, n := varint(buf[i:end])
			if n < 0 {
				return f.wireError(fi, num, at, n)
			}
			i += n
			if cap(f.Bools) == 0 && vals.hint > 0 {
				f.Bools = slot(&vals.bools, vals.hint)
			}
			f.Bools = append(f.Bools, protowire.DecodeBool(v))
		}
	}
	return nil
}

func (f *Field) error(fi int, num protowire.Number, at int, format string, args ...any) error {
	return protoError(fmt.Sprintf("fields[%d].%s", fi, fieldFieldNames[num]), at, format, args...)
}

func (f *Field) wireError(fi int, num protowire.Number, at int, n int) error {
	return wireError(fmt.Sprintf("fields[%d].%s", fi, fieldFieldNames[num]), at, n)
}
