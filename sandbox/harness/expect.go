package harness

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sandpiper/core/message"
)

// textMatch is an expected string: the string itself, or a regular
// expression when it is written /like this/.
type textMatch struct {
	s  string
	re *regexp.Regexp
}

// parseText reads an expected string; "/.../" is an RE2 regex.
func parseText(s string) (textMatch, error) {
	if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
		re, err := regexp.Compile(s[1 : len(s)-1])
		if err != nil {
			return textMatch{}, fmt.Errorf("regex %s: %v", s, err)
		}
		return textMatch{s: s, re: re}, nil
	}
	return textMatch{s: s}, nil
}

func (t textMatch) match(s string) bool {
	if t.re != nil {
		return t.re.MatchString(s)
	}
	return s == t.s
}

// contains is match for an error text, which a plain expectation need only
// be part of.
func (t textMatch) contains(s string) bool {
	if t.re != nil {
		return t.re.MatchString(s)
	}
	return strings.Contains(s, t.s)
}

func (t textMatch) String() string {
	if t.re != nil {
		return t.s
	}
	return strconv.Quote(t.s)
}

// messageExpect is one [[case.expect]] table: the headers and fields it
// names, each compared with the emitted message's.
type messageExpect struct {
	headers  []headerExpect
	fields   []fieldExpect
	noFields bool // Fields = {} or []: the message must have none
}

// headerExpect checks one header; check returns what was emitted and what
// was wanted when they differ.
type headerExpect struct {
	name  string
	check func(m *message.Message) (got, want string, ok bool)
}

// fieldExpect checks instance fi of the field called name.
type fieldExpect struct {
	name   string
	fi     int
	typ    *message.ValueType
	repr   *string
	values []valueExpect
	single bool // written as one value rather than an array
}

// valueExpect is one expected value; kind is the message type it compares
// with (numbers match INTEGER and DOUBLE alike unless value_type is given).
type valueExpect struct {
	kind  message.ValueType // String, Bytes, Integer (any number), Bool
	isInt bool              // a number written as an integer
	i     int64
	f     float64
	text  textMatch
	bytes []byte
	b     bool
}

var headerNames = []string{"Uuid", "Timestamp", "Type", "Logger", "Severity", "Payload", "EnvVersion", "Pid", "Hostname", "Fields"}

func parseMessageExpect(table map[string]any) (*messageExpect, error) {
	e := new(messageExpect)
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	// Headers in the order of the message, so diffs read the same way
	// every run.
	slices.SortFunc(keys, func(a, b string) int { return slices.Index(headerNames, a) - slices.Index(headerNames, b) })
	for _, k := range keys {
		v := table[k]
		var err error
		switch k {
		case "Type", "Logger", "Payload", "EnvVersion", "Hostname":
			err = e.stringHeader(k, v)
		case "Severity", "Pid":
			err = e.intHeader(k, v)
		case "Timestamp":
			err = e.timestamp(v)
		case "Uuid":
			err = e.uuid(v)
		case "Fields":
			err = e.parseFields(v)
		default:
			return nil, fmt.Errorf("unknown key %q (want %s)", k, strings.Join(headerNames, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	return e, nil
}

func headerString(m *message.Message, name string) string {
	switch name {
	case "Type":
		return m.Type
	case "Logger":
		return m.Logger
	case "Payload":
		return m.Payload
	case "EnvVersion":
		return m.EnvVersion
	}
	return m.Hostname
}

func (e *messageExpect) stringHeader(name string, v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%s: want a string, got %s", name, tomlType(v))
	}
	want, err := parseText(s)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	e.headers = append(e.headers, headerExpect{name, func(m *message.Message) (string, string, bool) {
		got := headerString(m, name)
		return strconv.Quote(got), want.String(), want.match(got)
	}})
	return nil
}

func (e *messageExpect) intHeader(name string, v any) error {
	n, ok := exactInt(v)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return fmt.Errorf("%s: want an int32, got %v", name, v)
	}
	e.headers = append(e.headers, headerExpect{name, func(m *message.Message) (string, string, bool) {
		got := m.Severity
		if name == "Pid" {
			got = m.Pid
		}
		return strconv.Itoa(int(got)), strconv.FormatInt(n, 10), int64(got) == n
	}})
	return nil
}

func formatTime(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

func (e *messageExpect) timestamp(v any) error {
	got := func(m *message.Message) string { return formatTime(m.Timestamp) }
	var want int64
	switch x := v.(type) {
	case int64:
		want = x
	case time.Time:
		want = x.UnixNano()
	case string:
		tm, err := parseText(x)
		if err != nil {
			return fmt.Errorf("Timestamp: %v", err)
		}
		if tm.re != nil {
			e.headers = append(e.headers, headerExpect{"Timestamp", func(m *message.Message) (string, string, bool) {
				return got(m), tm.String(), tm.match(got(m))
			}})
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return fmt.Errorf("Timestamp: %q is not an RFC 3339 time like 2026-11-28T10:00:00Z", x)
		}
		want = t.UnixNano()
	default:
		return fmt.Errorf("Timestamp: want ns, an RFC 3339 time or a /regex/, got %s", tomlType(v))
	}
	e.headers = append(e.headers, headerExpect{"Timestamp", func(m *message.Message) (string, string, bool) {
		return got(m), formatTime(want), m.Timestamp == want
	}})
	return nil
}

func (e *messageExpect) uuid(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("Uuid: want a string, got %s", tomlType(v))
	}
	tm, err := parseText(s)
	if err != nil {
		return fmt.Errorf("Uuid: %v", err)
	}
	if tm.re != nil {
		e.headers = append(e.headers, headerExpect{"Uuid", func(m *message.Message) (string, string, bool) {
			return m.Uuid.String(), tm.String(), tm.match(m.Uuid.String())
		}})
		return nil
	}
	want, err := message.ParseUUID(s)
	if err != nil {
		return fmt.Errorf("Uuid: %v", err)
	}
	e.headers = append(e.headers, headerExpect{"Uuid", func(m *message.Message) (string, string, bool) {
		return m.Uuid.String(), want.String(), m.Uuid == want
	}})
	return nil
}

// parseFields reads Fields in the JSON form's shapes: a table of name →
// value or explicit form, or an array of tables with name and value, where
// a repeated name means its next instance.
func (e *messageExpect) parseFields(v any) error {
	switch x := v.(type) {
	case map[string]any:
		e.noFields = len(x) == 0
		names := make([]string, 0, len(x))
		for name := range x {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			f, err := parseFieldValue(name, x[name])
			if err != nil {
				return err
			}
			e.fields = append(e.fields, f)
		}
	case []map[string]any:
		return e.parseFieldArray(x)
	case []any:
		e.noFields = len(x) == 0
		tables := make([]map[string]any, len(x))
		for i, el := range x {
			t, ok := el.(map[string]any)
			if !ok {
				return fmt.Errorf("Fields[%d]: want a table with name and value, got %s", i, tomlType(el))
			}
			tables[i] = t
		}
		return e.parseFieldArray(tables)
	default:
		return fmt.Errorf("Fields: want a table of fields, got %s", tomlType(v))
	}
	return nil
}

// parseFieldArray reads the array form: a repeated name means the name's
// next instance.
func (e *messageExpect) parseFieldArray(tables []map[string]any) error {
	instances := make(map[string]int)
	for i, t := range tables {
		name, ok := t["name"].(string)
		if !ok {
			return fmt.Errorf("Fields[%d]: want a string name, got %s", i, tomlType(t["name"]))
		}
		spec := make(map[string]any, len(t))
		for k, v := range t {
			if k != "name" {
				spec[k] = v
			}
		}
		if inner, ok := spec["value"].(map[string]any); ok && len(spec) == 1 {
			spec = inner
		}
		f, err := parseExplicit(fmt.Sprintf("Fields[%d] (%s)", i, name), spec)
		if err != nil {
			return err
		}
		f.name, f.fi = name, instances[name]
		instances[name]++
		e.fields = append(e.fields, f)
	}
	return nil
}

// parseFieldValue reads the field name's expectation from a value or an
// explicit form.
func parseFieldValue(name string, v any) (fieldExpect, error) {
	if t, ok := v.(map[string]any); ok {
		f, err := parseExplicit("Fields."+name, t)
		f.name = name
		return f, err
	}
	f := fieldExpect{name: name}
	vals, single, err := parseValues("Fields."+name, v, nil)
	f.values, f.single = vals, single
	return f, err
}

// parseExplicit reads {value = ..., value_type = "...", representation = "..."}.
func parseExplicit(what string, t map[string]any) (fieldExpect, error) {
	var f fieldExpect
	for k := range t {
		if k != "value" && k != "value_type" && k != "representation" {
			return f, fmt.Errorf("%s: unknown key %q (want value, value_type or representation)", what, k)
		}
	}
	if vt, ok := t["value_type"]; ok {
		s, ok := vt.(string)
		if !ok {
			return f, fmt.Errorf("%s: value_type: want a name like \"INTEGER\", got %s", what, tomlType(vt))
		}
		typ, err := message.ParseValueType(s)
		if err != nil {
			return f, fmt.Errorf("%s: %v", what, err)
		}
		f.typ = &typ
	}
	if r, ok := t["representation"]; ok {
		s, ok := r.(string)
		if !ok {
			return f, fmt.Errorf("%s: representation: want a string, got %s", what, tomlType(r))
		}
		f.repr = &s
	}
	v, ok := t["value"]
	if !ok {
		if f.typ == nil && f.repr == nil {
			return f, fmt.Errorf("%s: no value, value_type or representation", what)
		}
		return f, nil // only the type or the unit is checked
	}
	vals, single, err := parseValues(what, v, f.typ)
	f.values, f.single = vals, single
	if f.values == nil {
		f.values = []valueExpect{} // given, and empty: the field must have no values
	}
	return f, err
}

// parseValues reads one value or an array of values, as typ requires when
// it is given.
func parseValues(what string, v any, typ *message.ValueType) ([]valueExpect, bool, error) {
	arr, isArr := v.([]any)
	if !isArr {
		arr = []any{v}
	}
	vals := make([]valueExpect, 0, len(arr))
	for i, e := range arr {
		ve, err := parseValue(e, typ)
		if err != nil {
			if isArr {
				return nil, false, fmt.Errorf("%s: value [%d]: %v", what, i, err)
			}
			return nil, false, fmt.Errorf("%s: %v", what, err)
		}
		vals = append(vals, ve)
	}
	return vals, !isArr, nil
}

func parseValue(v any, typ *message.ValueType) (valueExpect, error) {
	var ve valueExpect
	switch x := v.(type) {
	case int64:
		ve = valueExpect{kind: message.Integer, isInt: true, i: x}
	case float64:
		ve = valueExpect{kind: message.Integer, f: x}
	case bool:
		ve = valueExpect{kind: message.Bool, b: x}
	case string:
		tm, err := parseText(x)
		if err != nil {
			return ve, err
		}
		ve = valueExpect{kind: message.String, text: tm}
	default:
		return ve, fmt.Errorf("want a string, number or boolean, got %s", tomlType(v))
	}
	if typ == nil {
		return ve, nil
	}
	switch *typ {
	case message.String:
		if ve.kind == message.String {
			return ve, nil
		}
	case message.Bool:
		if ve.kind == message.Bool {
			return ve, nil
		}
	case message.Integer:
		if ve.kind == message.Integer && ve.isInt {
			return ve, nil
		}
	case message.Double:
		if ve.kind == message.Integer {
			return ve, nil
		}
		if s, ok := v.(string); ok {
			switch s {
			case "NaN":
				return valueExpect{kind: message.Integer, f: math.NaN()}, nil
			case "Infinity":
				return valueExpect{kind: message.Integer, f: math.Inf(1)}, nil
			case "-Infinity":
				return valueExpect{kind: message.Integer, f: math.Inf(-1)}, nil
			}
		}
	case message.Bytes:
		if s, ok := v.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				b, err = base64.RawStdEncoding.DecodeString(s)
			}
			if err != nil {
				return ve, fmt.Errorf("%q is not base64", s)
			}
			return valueExpect{kind: message.Bytes, bytes: b}, nil
		}
	}
	return ve, fmt.Errorf("%v does not suit value_type %s", v, *typ)
}

// exactInt returns v as an int64 when it is an integer, or a float that
// holds one exactly.
func exactInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
			return int64(x), true
		}
	}
	return 0, false
}

func tomlType(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	}
	return fmt.Sprintf("%T", v)
}

// diff compares m with the expectation and returns one line per
// difference, each naming the header or field ("Fields.a_200: got 3, want
// 2").
func (e *messageExpect) diff(m *message.Message) []string {
	var out []string
	for _, h := range e.headers {
		if got, want, ok := h.check(m); !ok {
			out = append(out, fmt.Sprintf("%s: got %s, want %s", h.name, got, want))
		}
	}
	if e.noFields && len(m.Fields) > 0 {
		names := make([]string, len(m.Fields))
		for i := range m.Fields {
			names[i] = m.Fields[i].Name
		}
		out = append(out, fmt.Sprintf("Fields: got %s, want none", strings.Join(names, ", ")))
	}
	for i := range e.fields {
		out = append(out, e.fields[i].diff(m)...)
	}
	return out
}

func (fe *fieldExpect) label() string {
	if fe.fi > 0 {
		return fmt.Sprintf("Fields.%s[%d]", fe.name, fe.fi)
	}
	return "Fields." + fe.name
}

func (fe *fieldExpect) diff(m *message.Message) []string {
	f := m.Field(fe.name, fe.fi)
	if f == nil {
		return []string{fe.label() + ": missing"}
	}
	var out []string
	if fe.typ != nil && f.Type != *fe.typ {
		out = append(out, fmt.Sprintf("%s: value_type got %s, want %s", fe.label(), f.Type, *fe.typ))
	}
	if fe.repr != nil && f.Representation != *fe.repr {
		out = append(out, fmt.Sprintf("%s: representation got %q, want %q", fe.label(), f.Representation, *fe.repr))
	}
	if fe.values != nil && !fe.valuesMatch(f) {
		out = append(out, fmt.Sprintf("%s: got %s, want %s", fe.label(), formatField(f), fe.format()))
	}
	return out
}

func (fe *fieldExpect) valuesMatch(f *message.Field) bool {
	if f.Len() != len(fe.values) {
		return false
	}
	for i, v := range fe.values {
		if !v.match(f, i) {
			return false
		}
	}
	return true
}

func (v *valueExpect) match(f *message.Field, i int) bool {
	switch {
	case v.kind == message.String && f.Type == message.String:
		return v.text.match(f.Strings[i])
	case v.kind == message.Bytes && f.Type == message.Bytes:
		return bytes.Equal(v.bytes, f.Bytes[i])
	case v.kind == message.Bool && f.Type == message.Bool:
		return v.b == f.Bools[i]
	case v.kind == message.Integer && f.Type == message.Integer:
		if v.isInt {
			return v.i == f.Integers[i]
		}
		n, ok := exactInt(v.f)
		return ok && n == f.Integers[i]
	case v.kind == message.Integer && f.Type == message.Double:
		d := f.Doubles[i]
		if v.isInt {
			n, ok := exactInt(d)
			return ok && n == v.i
		}
		return d == v.f || math.IsNaN(d) && math.IsNaN(v.f)
	}
	return false
}

// format renders the expectation's values as written.
func (fe *fieldExpect) format() string {
	parts := make([]string, len(fe.values))
	for i, v := range fe.values {
		switch v.kind {
		case message.String:
			parts[i] = v.text.String()
		case message.Bytes:
			parts[i] = strconv.Quote(base64.StdEncoding.EncodeToString(v.bytes))
		case message.Bool:
			parts[i] = strconv.FormatBool(v.b)
		default:
			if v.isInt {
				parts[i] = strconv.FormatInt(v.i, 10)
			} else {
				parts[i] = strconv.FormatFloat(v.f, 'g', -1, 64)
			}
		}
	}
	if fe.single && len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// formatField renders an emitted field's values: one value alone, several
// as an array, and the type when it is not what the values show.
func formatField(f *message.Field) string {
	var parts []string
	switch f.Type {
	case message.String:
		for _, s := range f.Strings {
			parts = append(parts, strconv.Quote(s))
		}
	case message.Bytes:
		for _, b := range f.Bytes {
			parts = append(parts, strconv.Quote(base64.StdEncoding.EncodeToString(b)))
		}
	case message.Integer:
		for _, n := range f.Integers {
			parts = append(parts, strconv.FormatInt(n, 10))
		}
	case message.Double:
		for _, d := range f.Doubles {
			parts = append(parts, strconv.FormatFloat(d, 'g', -1, 64))
		}
	case message.Bool:
		for _, b := range f.Bools {
			parts = append(parts, strconv.FormatBool(b))
		}
	}
	s := "[" + strings.Join(parts, ", ") + "]"
	if len(parts) == 1 {
		s = parts[0]
	}
	if f.Type == message.Bytes {
		s += " (BYTES)"
	}
	return s
}
