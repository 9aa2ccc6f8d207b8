// Package message holds Sandpiper's message model: Heka's Message with its
// typed, repeatable Fields, and the two forms it travels in, Heka's protobuf
// wire format (proto.go) and the JSON form of docs/message-json.md (json.go).
//
// Integers are int64 and timestamps int64 nanoseconds since the Unix epoch,
// so nothing passes through a float64 on its way through the daemon.
package message

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// ValueType is the type of a Field's values, numbered as in Heka's
// message.proto.
type ValueType int32

// The value types of message.proto.
const (
	String  ValueType = 0
	Bytes   ValueType = 1
	Integer ValueType = 2
	Double  ValueType = 3
	Bool    ValueType = 4
)

var valueTypeNames = [...]string{"STRING", "BYTES", "INTEGER", "DOUBLE", "BOOL"}

// String returns the name message.proto gives the type ("INTEGER").
func (t ValueType) String() string {
	if t >= 0 && int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("ValueType(%d)", int32(t))
}

// ParseValueType returns the type named name ("DOUBLE"), as String returns it.
func ParseValueType(name string) (ValueType, error) {
	for i, n := range valueTypeNames {
		if n == name {
			return ValueType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown value_type %q (want STRING, BYTES, INTEGER, DOUBLE or BOOL)", name)
}

// DefaultSeverity is the severity of a message that carries none (syslog's
// "debug"), as in message.proto.
const DefaultSeverity = 7

// Header names one optional header of a Message.
type Header uint8

// The optional headers. Uuid and Timestamp are required and always present.
const (
	HeaderType Header = iota
	HeaderLogger
	HeaderSeverity
	HeaderPayload
	HeaderEnvVersion
	HeaderPid
	HeaderHostname
)

// Message is one Heka message.
//
// The zero Message is not a valid message to send: it has no Uuid, and its
// Severity is 0 (emergency) rather than the default 7. Use New, or Reset.
//
// An optional header counts as present when it holds a value other than its
// default ("" for strings, 0 for Pid, 7 for Severity) or when it was
// explicitly present in the bytes or JSON it was decoded from; only present
// headers are encoded, so a decoded message encodes to the same bytes.
type Message struct {
	Uuid       UUID
	Timestamp  int64 // nanoseconds since the Unix epoch
	Type       string
	Logger     string
	Severity   int32
	Payload    string
	EnvVersion string
	Pid        int32
	Hostname   string
	Fields     []Field

	// explicit marks the headers that were present on the wire even though
	// they held their default value.
	explicit uint8
}

// Field is one named, typed array of values. Only the slice that matches
// Type is meant to hold values; the others are kept empty.
type Field struct {
	Name           string
	Type           ValueType
	Representation string // a unit hint: "B", "ms", "count", ...
	Strings        []string
	Bytes          [][]byte
	Integers       []int64
	Doubles        []float64
	Bools          []bool

	// explicit marks value_type and representation present on the wire
	// though they held their default value.
	explicit uint8
}

const (
	fieldTypeExplicit = 1 << iota
	fieldRepresentationExplicit
)

// New returns a message with a fresh version 4 Uuid, the given timestamp and
// the default severity.
func New(timestamp int64) *Message {
	m := &Message{Uuid: NewUUID(), Timestamp: timestamp, Severity: DefaultSeverity}
	return m
}

// Reset empties m for reuse, keeping the storage of its Fields, and sets the
// default severity.
func (m *Message) Reset() {
	fields := m.Fields[:0]
	*m = Message{Severity: DefaultSeverity, Fields: fields}
}

// Has reports whether the optional header h is present: set to a value other
// than its default, or explicitly present where m was decoded from.
func (m *Message) Has(h Header) bool {
	if m.explicit&(1<<h) != 0 {
		return true
	}
	switch h {
	case HeaderType:
		return m.Type != ""
	case HeaderLogger:
		return m.Logger != ""
	case HeaderSeverity:
		return m.Severity != DefaultSeverity
	case HeaderPayload:
		return m.Payload != ""
	case HeaderEnvVersion:
		return m.EnvVersion != ""
	case HeaderPid:
		return m.Pid != 0
	case HeaderHostname:
		return m.Hostname != ""
	}
	return false
}

// MarkPresent makes h present even while it holds its default value.
func (m *Message) MarkPresent(h Header) { m.explicit |= 1 << h }

// Field returns the instance fi (counting from 0) of the field called name,
// or nil when there is no such instance.
func (m *Message) Field(name string, fi int) *Field {
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			if fi == 0 {
				return &m.Fields[i]
			}
			fi--
		}
	}
	return nil
}

// AddField appends f to m's fields and returns a pointer to the copy in m,
// valid until the next change to m.Fields.
func (m *Message) AddField(f Field) *Field {
	m.Fields = append(m.Fields, f)
	return &m.Fields[len(m.Fields)-1]
}

// NewField appends an empty field called name of type t and returns it,
// reusing the storage of a field that Reset emptied where there is one.
func (m *Message) NewField(name string, t ValueType) *Field {
	n := len(m.Fields)
	if n < cap(m.Fields) {
		m.Fields = m.Fields[:n+1]
		f := &m.Fields[n]
		f.reset()
		f.Name, f.Type = name, t
		return f
	}
	return m.AddField(Field{Name: name, Type: t})
}

func (f *Field) reset() {
	*f = Field{
		Strings:  f.Strings[:0],
		Bytes:    f.Bytes[:0],
		Integers: f.Integers[:0],
		Doubles:  f.Doubles[:0],
		Bools:    f.Bools[:0],
	}
}

// Len returns the number of values of the field's own Type.
func (f *Field) Len() int {
	switch f.Type {
	case String:
		return len(f.Strings)
	case Bytes:
		return len(f.Bytes)
	case Integer:
		return len(f.Integers)
	case Double:
		return len(f.Doubles)
	case Bool:
		return len(f.Bools)
	}
	return 0
}

// HasType reports whether value_type is present: not STRING, or explicitly
// present where f was decoded from.
func (f *Field) HasType() bool { return f.Type != String || f.explicit&fieldTypeExplicit != 0 }

// HasRepresentation reports whether representation is present: not empty,
// or explicitly present where f was decoded from.
func (f *Field) HasRepresentation() bool {
	return f.Representation != "" || f.explicit&fieldRepresentationExplicit != 0
}

// Copy returns a deep copy of m that shares no storage with it.
func (m *Message) Copy() *Message {
	c := *m
	c.Fields = nil
	if m.Fields != nil {
		c.Fields = make([]Field, len(m.Fields))
		for i := range m.Fields {
			c.Fields[i] = m.Fields[i].copy()
		}
	}
	return &c
}

func (f *Field) copy() Field {
	c := *f
	c.Strings = append([]string(nil), f.Strings...)
	c.Integers = append([]int64(nil), f.Integers...)
	c.Doubles = append([]float64(nil), f.Doubles...)
	c.Bools = append([]bool(nil), f.Bools...)
	c.Bytes = nil
	if f.Bytes != nil {
		c.Bytes = make([][]byte, len(f.Bytes))
		for i, b := range f.Bytes {
			c.Bytes[i] = append([]byte(nil), b...)
		}
	}
	return c
}

// UUID is a message's 16-byte identifier.
type UUID [16]byte

// NewUUID returns a random (version 4, RFC 4122 variant) UUID.
func NewUUID() UUID {
	var u UUID
	// crypto/rand.Read never returns an error on the platforms Go supports
	// since Go 1.24; it crashes the program instead.
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// String returns u in the canonical 8-4-4-4-12 hexadecimal form.
func (u UUID) String() string {
	var b [36]byte
	u.Format(&b)
	return string(b[:])
}

// Format writes u's canonical form into b without allocating.
func (u UUID) Format(b *[36]byte) {
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
}

var errUUIDSyntax = errors.New("want 32 hexadecimal digits, in the 8-4-4-4-12 form or without dashes")

// ParseUUID parses the canonical form, or 32 hexadecimal digits without
// dashes.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	var digits [32]byte
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, fmt.Errorf("uuid %q: %w", s, errUUIDSyntax)
		}
		copy(digits[0:8], s[0:8])
		copy(digits[8:12], s[9:13])
		copy(digits[12:16], s[14:18])
		copy(digits[16:20], s[19:23])
		copy(digits[20:32], s[24:36])
	case 32:
		copy(digits[:], s)
	default:
		return u, fmt.Errorf("uuid %q: %w", s, errUUIDSyntax)
	}
	if _, err := hex.Decode(u[:], digits[:]); err != nil {
		return u, fmt.Errorf("uuid %q: %w", s, errUUIDSyntax)
	}
	return u, nil
}
