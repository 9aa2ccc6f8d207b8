package message

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON form is written and read by hand rather than through
// encoding/json: the writer must choose per field between the short and the
// explicit form, the reader must keep the order of Fields keys and tell an
// integer literal from a double one, and both sit on the path of every
// message that `sandpiper cat` or a JSON codec handles.

// AppendJSON appends the JSON form of m (docs/message-json.md) to b as one
// line without a trailing newline, and returns the extended buffer.
//
// A field whose slices other than the one of its Type hold values (possible
// only from protobuf input) is written with the values of its Type alone,
// and a field of a Type outside message.proto's enum with no values at all;
// strings that are not valid UTF-8 have each bad byte written as U+FFFD.
// Every other message reads back through UnmarshalJSON unchanged.
func (m *Message) AppendJSON(b []byte) []byte {
	var u [36]byte
	m.Uuid.Format(&u)
	b = append(b, `{"Uuid":"`...)
	b = append(b, u[:]...)
	b = append(b, `","Timestamp":"`...)
	b = time.Unix(0, m.Timestamp).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = m.appendJSONHeader(b, HeaderType, `,"Type":`, m.Type)
	b = m.appendJSONHeader(b, HeaderLogger, `,"Logger":`, m.Logger)
	if m.Has(HeaderSeverity) {
		b = append(b, `,"Severity":`...)
		b = strconv.AppendInt(b, int64(m.Severity), 10)
	}
	b = m.appendJSONHeader(b, HeaderPayload, `,"Payload":`, m.Payload)
	b = m.appendJSONHeader(b, HeaderEnvVersion, `,"EnvVersion":`, m.EnvVersion)
	if m.Has(HeaderPid) {
		b = append(b, `,"Pid":`...)
		b = strconv.AppendInt(b, int64(m.Pid), 10)
	}
	b = m.appendJSONHeader(b, HeaderHostname, `,"Hostname":`, m.Hostname)
	if len(m.Fields) > 0 {
		b = append(b, `,"Fields":`...)
		b = m.appendJSONFields(b)
	}
	return append(b, '}')
}

// MarshalJSON returns the JSON form of m, as AppendJSON writes it.
func (m *Message) MarshalJSON() ([]byte, error) {
	return m.AppendJSON(make([]byte, 0, 256)), nil
}

func (m *Message) appendJSONHeader(b []byte, h Header, key, s string) []byte {
	if !m.Has(h) {
		return b
	}
	b = append(b, key...)
	return appendJSONString(b, s)
}

// appendJSONFields writes the object form when names are unique, since it
// is the one people read and write; repeated names need the array form.
func (m *Message) appendJSONFields(b []byte) []byte {
	if !uniqueFieldNames(m.Fields) {
		b = append(b, '[')
		for i := range m.Fields {
			f := &m.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, f.Name)
			b = append(b, `,"value":`...)
			b = f.appendJSONValues(b)
			if !f.jsonShortForm() {
				b = f.appendJSONExplicit(b)
			}
			b = append(b, '}')
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i := range m.Fields {
		f := &m.Fields[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		if f.jsonShortForm() {
			b = f.appendJSONValues(b)
			continue
		}
		b = append(b, `{"value":`...)
		b = f.appendJSONValues(b)
		b = f.appendJSONExplicit(b)
		b = append(b, '}')
	}
	return append(b, '}')
}

// uniqueFieldNames compares pairwise for the few fields a message usually
// has, and falls back to a map where that would be quadratic.
func uniqueFieldNames(fields []Field) bool {
	if len(fields) > 16 {
		seen := make(map[string]struct{}, len(fields))
		for i := range fields {
			if _, dup := seen[fields[i].Name]; dup {
				return false
			}
			seen[fields[i].Name] = struct{}{}
		}
		return true
	}
	for i := range fields {
		for j := i + 1; j < len(fields); j++ {
			if fields[i].Name == fields[j].Name {
				return false
			}
		}
	}
	return true
}

// jsonShortForm reports whether f's values alone, read back, give f's
// type, representation and presence bits: a short value carries no
// representation, an explicit STRING type, or the type of an empty array,
// and NaN and the infinities are not JSON numbers.
func (f *Field) jsonShortForm() bool {
	if f.HasRepresentation() {
		return false
	}
	switch f.Type {
	case String:
		return f.explicit&fieldTypeExplicit == 0
	case Integer:
		return len(f.Integers) > 0
	case Bool:
		return len(f.Bools) > 0
	case Double:
		if len(f.Doubles) == 0 {
			return false
		}
		for _, v := range f.Doubles {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return true
	}
	return false
}

// appendJSONExplicit writes the value_type and representation members of
// the explicit form, each only when present.
func (f *Field) appendJSONExplicit(b []byte) []byte {
	if f.HasType() {
		b = append(b, `,"value_type":`...)
		if f.Type >= String && f.Type <= Bool {
			b = append(b, '"')
			b = append(b, valueTypeNames[f.Type]...)
			b = append(b, '"')
		} else {
			b = strconv.AppendInt(b, int64(f.Type), 10)
		}
	}
	if f.HasRepresentation() {
		b = append(b, `,"representation":`...)
		b = appendJSONString(b, f.Representation)
	}
	return b
}

// appendJSONValues writes f's values: the value itself when there is
// exactly one, an array otherwise.
func (f *Field) appendJSONValues(b []byte) []byte {
	n := f.Len()
	if n != 1 {
		b = append(b, '[')
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		switch f.Type {
		case String:
			b = appendJSONString(b, f.Strings[i])
		case Bytes:
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, f.Bytes[i])
			b = append(b, '"')
		case Integer:
			b = strconv.AppendInt(b, f.Integers[i], 10)
		case Double:
			b = appendJSONDouble(b, f.Doubles[i])
		case Bool:
			b = strconv.AppendBool(b, f.Bools[i])
		}
	}
	if n != 1 {
		b = append(b, ']')
	}
	return b
}

// appendJSONDouble writes v so that it reads back as a DOUBLE: always with
// a "." or an exponent (so -0 is "-0.0"), and NaN and the infinities as the
// strings the explicit form accepts.
func appendJSONDouble(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, format, -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, '.', '0')
}

const jsonHex = "0123456789abcdef"

// appendJSONString writes s as a JSON string. Bytes that are not UTF-8
// become U+FFFD, as JSON text must be UTF-8.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// UnmarshalJSON resets m, keeping the storage of its Fields, and decodes
// the JSON form of docs/message-json.md into it.
//
// A missing Uuid is generated (NewUUID) and a missing Timestamp is the
// current time, as Heka's inject_message fills them. Headers present in b
// are marked present even when they hold their default, and so are the
// value_type and representation of a field's explicit form. Errors start
// with "message JSON: " and name the key that failed; after an error m
// holds what was decoded before it.
func (m *Message) UnmarshalJSON(b []byte) error {
	m.Reset()
	d := jsonDecoder{data: b}
	if err := d.message(m); err != nil {
		return fmt.Errorf("message JSON: %w", err)
	}
	return nil
}

// jsonDecoder scans one JSON text. scratch holds strings that needed
// unescaping, so keys and short values are compared without allocating.
type jsonDecoder struct {
	data    []byte
	pos     int
	scratch []byte
}

// jsonPathError names where in the message an error happened: a header,
// "Fields.status", "Fields[3] (status)".
type jsonPathError struct {
	path string
	err  error
}

func (e *jsonPathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *jsonPathError) Unwrap() error { return e.err }

// The top-level keys, as bits of the set already seen.
const (
	jsonKeyUuid = 1 << iota
	jsonKeyTimestamp
	jsonKeyType
	jsonKeyLogger
	jsonKeySeverity
	jsonKeyPayload
	jsonKeyEnvVersion
	jsonKeyPid
	jsonKeyHostname
	jsonKeyFields
)

func (d *jsonDecoder) message(m *Message) error {
	var seen uint16
	err := d.object("the message", func(key []byte) error {
		var bit uint16
		var name string
		var err error
		switch string(key) {
		case "Uuid":
			bit, name = jsonKeyUuid, "Uuid"
			var s []byte
			if s, err = d.stringValue(); err == nil {
				m.Uuid, err = ParseUUID(string(s))
			}
		case "Timestamp":
			bit, name = jsonKeyTimestamp, "Timestamp"
			m.Timestamp, err = d.timestamp()
		case "Type":
			bit, name = jsonKeyType, "Type"
			m.Type, err = d.header(m, HeaderType)
		case "Logger":
			bit, name = jsonKeyLogger, "Logger"
			m.Logger, err = d.header(m, HeaderLogger)
		case "Severity":
			bit, name = jsonKeySeverity, "Severity"
			m.Severity, err = d.int32Value()
			m.MarkPresent(HeaderSeverity)
		case "Payload":
			bit, name = jsonKeyPayload, "Payload"
			m.Payload, err = d.header(m, HeaderPayload)
		case "EnvVersion":
			bit, name = jsonKeyEnvVersion, "EnvVersion"
			m.EnvVersion, err = d.header(m, HeaderEnvVersion)
		case "Pid":
			bit, name = jsonKeyPid, "Pid"
			m.Pid, err = d.int32Value()
			m.MarkPresent(HeaderPid)
		case "Hostname":
			bit, name = jsonKeyHostname, "Hostname"
			m.Hostname, err = d.header(m, HeaderHostname)
		case "Fields":
			if seen&jsonKeyFields != 0 {
				return errors.New(`duplicate key "Fields"`)
			}
			seen |= jsonKeyFields
			return d.fields(m)
		default:
			return fmt.Errorf("unknown key %q (want Uuid, Timestamp, Type, Logger, Severity, Payload, EnvVersion, Pid, Hostname or Fields)", key)
		}
		if seen&bit != 0 {
			return fmt.Errorf("duplicate key %q", name)
		}
		seen |= bit
		if err != nil {
			return &jsonPathError{name, err}
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.space()
	if d.pos < len(d.data) {
		return fmt.Errorf("offset %d: %s after the message", d.pos, d.found())
	}
	if seen&jsonKeyUuid == 0 {
		m.Uuid = NewUUID()
	}
	if seen&jsonKeyTimestamp == 0 {
		m.Timestamp = time.Now().UnixNano()
	}
	return nil
}

func (d *jsonDecoder) header(m *Message, h Header) (string, error) {
	m.MarkPresent(h)
	return d.stringRaw()
}

// timestamp reads an RFC 3339 string or an integer of nanoseconds.
func (d *jsonDecoder) timestamp() (int64, error) {
	switch d.peek() {
	case '"':
		s, err := d.stringValue()
		if err != nil {
			return 0, err
		}
		return parseJSONTime(s)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		lit, isInt, err := d.number()
		if err != nil {
			return 0, err
		}
		if !isInt {
			return 0, fmt.Errorf("%s is not an integer of nanoseconds", lit)
		}
		return parseJSONInt(lit)
	}
	return 0, d.wrongType("an RFC 3339 string or an integer of nanoseconds")
}

var (
	minJSONTime = time.Unix(0, math.MinInt64)
	maxJSONTime = time.Unix(0, math.MaxInt64)
)

func parseJSONTime(s []byte) (int64, error) {
	bad := func() error {
		return fmt.Errorf("%q is not an RFC 3339 time like \"2026-11-28T10:00:00.123456789Z\"", s)
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return 0, bad()
	}
	// time.Parse drops fraction digits past the ninth without a word.
	if len(s) > 20 && (s[19] == '.' || s[19] == ',') {
		digits := 0
		for _, c := range s[20:] {
			if c < '0' || c > '9' {
				break
			}
			digits++
		}
		if digits > 9 {
			return 0, fmt.Errorf("%q has more than 9 fraction digits; nanoseconds are the finest unit", s)
		}
	}
	if t.Before(minJSONTime) || t.After(maxJSONTime) {
		return 0, fmt.Errorf("%q is out of the range of int64 nanoseconds (%s to %s)",
			s, minJSONTime.UTC().Format(time.RFC3339Nano), maxJSONTime.UTC().Format(time.RFC3339Nano))
	}
	return t.UnixNano(), nil
}

func (d *jsonDecoder) int32Value() (int32, error) {
	switch d.peek() {
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		return 0, d.wrongType("an integer")
	}
	lit, isInt, err := d.number()
	if err != nil {
		return 0, err
	}
	if !isInt {
		return 0, fmt.Errorf("%s is not an integer", lit)
	}
	v, err := parseJSONInt(lit)
	if err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%s is out of int32 range", lit)
	}
	return int32(v), nil
}

// fields reads the object form or the array form of Fields.
func (d *jsonDecoder) fields(m *Message) error {
	switch d.peek() {
	case '{':
		return d.object("Fields", func(key []byte) error {
			name := string(key)
			var s jsonFieldSpec
			var err error
			if d.peek() == '{' {
				err = d.fieldSpec(&s, false)
			} else {
				s.value, err = d.flatValue()
				s.hasValue = true
			}
			if err == nil {
				err = d.apply(m.NewField(name, String), &s)
			}
			if err != nil {
				return &jsonPathError{"Fields." + name, err}
			}
			return nil
		})
	case '[':
		d.pos++
		d.space()
		if d.consume(']') {
			return nil
		}
		for i := 0; ; i++ {
			d.space()
			var s jsonFieldSpec
			var err error
			if d.peek() != '{' {
				err = d.wrongType(`an object {"name": …, "value": …}`)
			} else if err = d.fieldSpec(&s, true); err == nil && !s.hasName {
				err = errors.New(`no "name"`)
			}
			if err == nil {
				err = d.apply(m.NewField(s.name, String), &s)
			}
			if err != nil {
				path := "Fields[" + strconv.Itoa(i) + "]"
				if s.hasName {
					path += " (" + s.name + ")"
				}
				return &jsonPathError{path, err}
			}
			d.space()
			if d.consume(',') {
				continue
			}
			if d.consume(']') {
				return nil
			}
			return &jsonPathError{"Fields", d.syntax("',' or ']'")}
		}
	}
	return &jsonPathError{"Fields", d.wrongType("an object or an array")}
}

// jsonFieldSpec is one field as read: its values are kept as raw JSON until
// the whole object is read, since value_type may follow value.
type jsonFieldSpec struct {
	name     string
	value    []byte
	typ      ValueType
	rep      string
	hasName  bool
	hasValue bool
	hasType  bool
	hasRep   bool
}

// fieldSpec reads the explicit form {"value":…,"value_type":…,
// "representation":…}, or, when element is set, an element of the array
// form, which adds "name" and whose value may itself be an explicit form.
func (d *jsonDecoder) fieldSpec(s *jsonFieldSpec, element bool) error {
	return d.object("a field", func(key []byte) error {
		switch string(key) {
		case "name":
			if !element {
				break
			}
			if s.hasName {
				return errors.New(`duplicate key "name"`)
			}
			name, err := d.stringRaw()
			if err != nil {
				return &jsonPathError{"name", err}
			}
			s.name, s.hasName = name, true
			return nil
		case "value":
			if s.hasValue {
				return errors.New(`duplicate key "value"`)
			}
			s.hasValue = true
			if element && d.peek() == '{' {
				var inner jsonFieldSpec
				if err := d.fieldSpec(&inner, false); err != nil {
					return &jsonPathError{"value", err}
				}
				if (inner.hasType && s.hasType) || (inner.hasRep && s.hasRep) {
					return errors.New("value_type or representation both inside and beside value")
				}
				s.value = inner.value
				if inner.hasType {
					s.typ, s.hasType = inner.typ, true
				}
				if inner.hasRep {
					s.rep, s.hasRep = inner.rep, true
				}
				return nil
			}
			v, err := d.flatValue()
			if err != nil {
				return &jsonPathError{"value", err}
			}
			s.value = v
			return nil
		case "value_type":
			if s.hasType {
				return errors.New("value_type given twice")
			}
			name, err := d.stringValue()
			if err != nil {
				return &jsonPathError{"value_type", err}
			}
			s.typ, s.hasType = -1, true
			for i, n := range valueTypeNames {
				if n == string(name) {
					s.typ = ValueType(i)
				}
			}
			if s.typ < 0 {
				return fmt.Errorf("value_type %q unknown (want STRING, BYTES, INTEGER, DOUBLE or BOOL)", name)
			}
			return nil
		case "representation":
			if s.hasRep {
				return errors.New("representation given twice")
			}
			rep, err := d.stringRaw()
			if err != nil {
				return &jsonPathError{"representation", err}
			}
			s.rep, s.hasRep = rep, true
			return nil
		}
		if element {
			return fmt.Errorf("unknown key %q (want name, value, value_type or representation)", key)
		}
		return fmt.Errorf("unknown key %q (want value, value_type or representation)", key)
	})
}

// apply fills f from s.
func (d *jsonDecoder) apply(f *Field, s *jsonFieldSpec) error {
	if !s.hasValue {
		return errors.New(`no "value"`)
	}
	if s.hasType {
		f.Type = s.typ
		f.explicit |= fieldTypeExplicit
	}
	if s.hasRep {
		f.Representation = s.rep
		f.explicit |= fieldRepresentationExplicit
	}
	v := jsonDecoder{data: s.value, scratch: d.scratch}
	err := v.values(f, s.hasType)
	d.scratch = v.scratch
	return err
}

// values decodes d's whole text, one flat value as flatValue checked it,
// into f: of f.Type when typed, else of the type of its first element.
func (d *jsonDecoder) values(f *Field, typed bool) error {
	inferred := !typed // the type comes from the values, not from value_type
	array := d.consume('[')
	if array {
		d.space()
		if d.consume(']') {
			return nil
		}
	}
	for i := 0; ; i++ {
		d.space()
		if err := d.value(f, typed, inferred); err != nil {
			if array {
				return fmt.Errorf("value [%d]: %w", i, err)
			}
			return err
		}
		if !array {
			return nil
		}
		typed = true
		d.space()
		if d.consume(']') {
			return nil
		}
		d.consume(',')
	}
}

// value decodes one scalar into f. When typed is false the scalar sets
// f.Type; otherwise it must suit f.Type, except that a decimal among
// integers whose type was inferred makes them all DOUBLE, as [1, 2.5] is
// meant.
func (d *jsonDecoder) value(f *Field, typed, inferred bool) error {
	switch c := d.peek(); c {
	case '"':
		if !typed {
			f.Type = String
		}
		switch f.Type {
		case String:
			s, err := d.stringRaw()
			f.Strings = append(f.Strings, s)
			return err
		case Bytes:
			s, err := d.stringValue()
			if err != nil {
				return err
			}
			v, err := decodeJSONBase64(s)
			if err != nil {
				return err
			}
			f.Bytes = append(f.Bytes, v)
			return nil
		case Double:
			s, err := d.stringValue()
			if err != nil {
				return err
			}
			switch string(s) {
			case "NaN":
				f.Doubles = append(f.Doubles, math.NaN())
			case "Infinity":
				f.Doubles = append(f.Doubles, math.Inf(1))
			case "-Infinity":
				f.Doubles = append(f.Doubles, math.Inf(-1))
			default:
				return fmt.Errorf("%q is not a DOUBLE (want a number, \"NaN\", \"Infinity\" or \"-Infinity\")", s)
			}
			return nil
		}
	case 't', 'f':
		if !typed {
			f.Type = Bool
		}
		if f.Type == Bool {
			v := c == 't'
			if v {
				d.pos += len("true")
			} else {
				d.pos += len("false")
			}
			f.Bools = append(f.Bools, v)
			return nil
		}
	default:
		lit, isInt, err := d.number()
		if err != nil {
			return err
		}
		if !typed {
			f.Type = Double
			if isInt {
				f.Type = Integer
			}
		}
		if f.Type == Integer && !isInt && inferred {
			for _, v := range f.Integers {
				f.Doubles = append(f.Doubles, float64(v))
			}
			f.Integers = f.Integers[:0]
			f.Type = Double
		}
		switch f.Type {
		case Integer:
			if !isInt {
				return fmt.Errorf("%s is not an INTEGER (value_type is INTEGER; write doubles with value_type DOUBLE)", lit)
			}
			v, err := parseJSONInt(lit)
			if err != nil {
				return err
			}
			f.Integers = append(f.Integers, v)
			return nil
		case Double:
			v, err := strconv.ParseFloat(string(lit), 64)
			if err != nil {
				return fmt.Errorf("%s is out of the range of a double", lit)
			}
			f.Doubles = append(f.Doubles, v)
			return nil
		}
		d.pos -= len(lit)
	}
	return fmt.Errorf("%s where the values are %s", d.found(), f.Type)
}

// decodeJSONBase64 accepts standard base64 with or without its padding.
func decodeJSONBase64(s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	v := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(v, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not standard base64", s)
	}
	return v[:n], nil
}

// parseJSONInt parses an integer literal that number has checked, failing
// only when it is out of int64 range.
func parseJSONInt(lit []byte) (int64, error) {
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	var u uint64
	for _, c := range digits {
		if u > (1<<63)/10 {
			return 0, fmt.Errorf("integer %s is out of int64 range", lit)
		}
		u = u*10 + uint64(c-'0')
		if u > 1<<63 {
			return 0, fmt.Errorf("integer %s is out of int64 range", lit)
		}
	}
	if neg {
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("integer %s is out of int64 range", lit)
	}
	return int64(u), nil
}

// object reads an object, calling member with each key and d at the start
// of its value; the key may point into d.scratch and is valid until the
// member reads a string.
func (d *jsonDecoder) object(what string, member func(key []byte) error) error {
	d.space()
	if !d.consume('{') {
		return d.syntax("'{' to open " + what)
	}
	d.space()
	if d.consume('}') {
		return nil
	}
	for {
		d.space()
		if d.peek() != '"' {
			return d.syntax("a string key in " + what)
		}
		key, err := d.stringValue()
		if err != nil {
			return err
		}
		d.space()
		if !d.consume(':') {
			return d.syntax("':' after a key in " + what)
		}
		d.space()
		if err := member(key); err != nil {
			return err
		}
		d.space()
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return nil
		}
		return d.syntax("',' or '}' in " + what)
	}
}

// flatValue checks that a scalar or an array of scalars comes next and
// returns its text.
func (d *jsonDecoder) flatValue() ([]byte, error) {
	start := d.pos
	if !d.consume('[') {
		if err := d.scalar(); err != nil {
			return nil, err
		}
		return d.data[start:d.pos], nil
	}
	d.space()
	if d.consume(']') {
		return d.data[start:d.pos], nil
	}
	for {
		d.space()
		if err := d.scalar(); err != nil {
			return nil, err
		}
		d.space()
		if d.consume(',') {
			continue
		}
		if d.consume(']') {
			return d.data[start:d.pos], nil
		}
		return nil, d.syntax("',' or ']'")
	}
}

func (d *jsonDecoder) scalar() error {
	switch d.peek() {
	case '"':
		_, err := d.stringValue()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, _, err := d.number()
		return err
	case 'n':
		if d.literal("null") == nil {
			return errors.New("null is not a value (leave the field out, or give an empty array)")
		}
	case '[':
		return errors.New("arrays of arrays are not values (a field is one flat array)")
	case '{':
		return errors.New(`an object is not a value here (the explicit form {"value": …} holds a scalar or an array)`)
	}
	return d.syntax("a string, number, true, false or an array of them")
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return nil
	}
	return d.syntax(word)
}

// number reads a JSON number and reports whether it is an integer literal
// (no fraction, no exponent).
func (d *jsonDecoder) number() (lit []byte, isInt bool, err error) {
	start, i := d.pos, d.pos
	data := d.data
	digits := func() bool {
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if !digits() {
		d.pos = i
		return nil, false, d.syntax("a digit")
	}
	isInt = true
	if i < len(data) && data[i] == '.' {
		i++
		isInt = false
		if !digits() {
			d.pos = i
			return nil, false, d.syntax("a digit after '.'")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		isInt = false
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			d.pos = i
			return nil, false, d.syntax("a digit in the exponent")
		}
	}
	d.pos = i
	return data[start:i], isInt, nil
}

// stringRaw reads a string value into a Go string.
func (d *jsonDecoder) stringRaw() (string, error) {
	if d.peek() != '"' {
		return "", d.wrongType("a string")
	}
	s, err := d.stringValue()
	return string(s), err
}

// stringValue reads a string and returns its contents, which point into
// d.data when there was nothing to unescape and into d.scratch otherwise.
func (d *jsonDecoder) stringValue() ([]byte, error) {
	if !d.consume('"') {
		return nil, d.wrongType("a string")
	}
	start := d.pos
	for i := start; i < len(d.data); {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\':
			d.scratch = append(d.scratch[:0], d.data[start:i]...)
			d.pos = i
			return d.unescape()
		case c < 0x20:
			d.pos = i
			return nil, fmt.Errorf("offset %d: control character 0x%02x in a string (write it as \\u%04x)", i, c, c)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				return nil, fmt.Errorf("offset %d: a string is not valid UTF-8", i)
			}
			i += size
		}
	}
	d.pos = len(d.data)
	return nil, d.syntax(`'"' to close a string`)
}

// unescape goes on with a string from d.pos, appending to d.scratch.
func (d *jsonDecoder) unescape() ([]byte, error) {
	data := d.data
	i := d.pos
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.scratch, nil
		case c < 0x20:
			d.pos = i
			return nil, fmt.Errorf("offset %d: control character 0x%02x in a string (write it as \\u%04x)", i, c, c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				return nil, fmt.Errorf("offset %d: a string is not valid UTF-8", i)
			}
			d.scratch = append(d.scratch, data[i:i+size]...)
			i += size
			continue
		case c != '\\':
			d.scratch = append(d.scratch, c)
			i++
			continue
		}
		if i+1 >= len(data) {
			break
		}
		switch e := data[i+1]; e {
		case '"', '\\', '/':
			d.scratch = append(d.scratch, e)
		case 'b':
			d.scratch = append(d.scratch, '\b')
		case 'f':
			d.scratch = append(d.scratch, '\f')
		case 'n':
			d.scratch = append(d.scratch, '\n')
		case 'r':
			d.scratch = append(d.scratch, '\r')
		case 't':
			d.scratch = append(d.scratch, '\t')
		case 'u':
			r, ok := jsonHex4(data[i+2:])
			if !ok {
				d.pos = i
				return nil, fmt.Errorf(`offset %d: \u wants 4 hexadecimal digits`, i)
			}
			i += 6
			if utf8.ValidRune(r) {
				d.scratch = utf8.AppendRune(d.scratch, r)
				continue
			}
			// A UTF-16 surrogate: whole when a low one follows, else
			// U+FFFD as encoding/json makes it.
			if r < 0xdc00 && len(data)-i >= 6 && data[i] == '\\' && data[i+1] == 'u' {
				if lo, ok := jsonHex4(data[i+2:]); ok && lo >= 0xdc00 && lo < 0xe000 {
					d.scratch = utf8.AppendRune(d.scratch, 0x10000+(r-0xd800)<<10+(lo-0xdc00))
					i += 6
					continue
				}
			}
			d.scratch = utf8.AppendRune(d.scratch, utf8.RuneError)
			continue
		default:
			d.pos = i
			return nil, fmt.Errorf(`offset %d: unknown escape \%c in a string`, i, e)
		}
		i += 2
	}
	d.pos = len(data)
	return nil, d.syntax(`'"' to close a string`)
}

func jsonHex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *jsonDecoder) consume(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// found describes what is at d.pos, for errors.
func (d *jsonDecoder) found() string {
	if d.pos >= len(d.data) {
		return "the end of the input"
	}
	switch c := d.data[d.pos]; c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	default:
		r, _ := utf8.DecodeRune(d.data[d.pos:])
		return fmt.Sprintf("%q", r)
	}
}

func (d *jsonDecoder) syntax(want string) error {
	if d.pos >= len(d.data) {
		return fmt.Errorf("unexpected end of input, want %s", want)
	}
	return fmt.Errorf("offset %d: want %s, found %s", d.pos, want, d.found())
}

func (d *jsonDecoder) wrongType(want string) error {
	if d.pos >= len(d.data) {
		return fmt.Errorf("unexpected end of input, want %s", want)
	}
	return fmt.Errorf("want %s, found %s", want, d.found())
}
