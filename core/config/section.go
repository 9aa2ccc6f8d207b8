package config

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Section is one plugin's table.
type Section struct {
	Name string // the table's name: [nginx_logs] is "nginx_logs"
	Type string // the value of type = "...", or Name when the table has none (Heka's rule)
	File string // the file holding the table: the path given to Load, or joined to it for a directory
	Dir  string // the directory of File: relative paths in the plugin's options are relative to it

	f     *file
	prim  toml.Primitive
	raw   map[string]any
	types []reflect.Type // the types Decode decoded the table into, for unknown
}

// Decode decodes the table into each target, a non-nil pointer to a struct
// (or a map), field by field as BurntSushi/toml does: the toml tag names the
// key, and a field with no tag takes the key equal to its name in any case.
// A table may be decoded several times into different structs (the options
// the daemon handles, then the plugin's own); a key taken by any of them is
// known to Unknown.
//
// Sub-tables ([name.signer.ops_0]) go to fields of struct or map type. A
// field of type map[string]any or any takes its sub-table as TOML gives it:
// string, int64, float64, bool, time.Time, []any, map[string]any (and
// []map[string]any for an array of tables); nothing under it is ever unknown.
//
// Decode returns an Errors holding every key whose value does not fit its
// field, with the file, line, table and key; a target that has one is not
// decoded at all.
func (s *Section) Decode(targets ...any) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var errs Errors
	for _, target := range targets {
		rv := reflect.ValueOf(target)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			errs.add(s.errorAt(nil, fmt.Sprintf("cannot decode into %T: Section.Decode needs a non-nil pointer", target)))
			continue
		}
		t := rv.Type().Elem()
		s.types = append(s.types, t)
		var bad []mismatch
		checkValue(s.raw, t, nil, "", &bad)
		if len(bad) > 0 {
			var these Errors
			for _, m := range bad {
				e := s.errorAt(m.path, m.msg)
				e.Key = m.key
				these = append(these, e)
			}
			sortErrors(these, nil)
			errs = append(errs, these...)
			continue
		}
		if err := s.f.md.PrimitiveDecode(s.prim, target); err != nil {
			errs.add(s.decodeError(err))
		}
	}
	return errs.orNil()
}

// Has reports whether the table sets key (a key of the table itself, not of
// a sub-table).
func (s *Section) Has(key string) bool {
	_, ok := s.raw[key]
	return ok
}

// Errorf returns an *Error about key, a dotted key of the table ("" for the
// table itself), placed at the line of that key, its message the key
// followed by the formatted text: the daemon reports the problems it finds
// in a table (an unknown type, a plugin that will not build) the way Load
// reports its own.
func (s *Section) Errorf(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if key == "" {
		return s.errorAt(nil, msg)
	}
	return s.errorAt(strings.Split(key, "."), key+": "+msg)
}

// setType sets Type from the type key, or to Name when there is none.
func (s *Section) setType() error {
	v, ok := s.raw["type"]
	if !ok {
		s.Type = s.Name
		return nil
	}
	typ, isString := v.(string)
	switch {
	case !isString:
		return s.errorAt([]string{"type"}, "type: cannot use "+describe(v)+" as string: type names the plugin type, as in type = \"LogstreamerInput\"")
	case typ == "":
		return s.errorAt([]string{"type"}, "type: empty: it names the plugin type, as in type = \"LogstreamerInput\"; leave it out to use the table's name")
	}
	s.Type = typ
	return nil
}

// where names the table's file and line for a message about another table.
func (s *Section) where() string {
	if line := s.line(nil); line > 0 {
		return fmt.Sprintf("%s:%d", s.File, line)
	}
	return s.File
}

// errorAt returns an error about the key at path in the table (the table
// itself for nil), at the line of that key.
func (s *Section) errorAt(path []string, msg string) *Error {
	return &Error{File: s.File, Line: s.line(path), Table: s.Name, Key: strings.Join(path, "."), Msg: msg}
}

// decodeError rewrites an error of BurntSushi/toml's decoder, for the cases
// checkValue leaves to it (a type's own UnmarshalText or UnmarshalTOML).
func (s *Section) decodeError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		key := strings.TrimPrefix(pe.LastKey, s.Name+".")
		return &Error{File: s.File, Line: pe.Position.Line, Table: s.Name, Key: key, Msg: key + ": " + pe.Message}
	}
	return &Error{File: s.File, Line: s.line(nil), Table: s.Name, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

// unknown returns an error for each key of the table that none of the
// decoded types takes, naming only the outermost of nested unknown keys.
// hints, for the global table, explains keys of Heka that Sandpiper does
// not have.
func (s *Section) unknown(hints map[string]string) Errors {
	if len(s.types) == 0 {
		return nil
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var errs Errors
	var reported [][]string
	for _, k := range s.f.md.Undecoded() {
		if len(k) < 2 || k[0] != s.Name {
			continue
		}
		path := k[1:]
		if len(path) == 1 && path[0] == "type" || within(reported, path) || s.takes(path) {
			continue
		}
		reported = append(reported, path)
		key := strings.Join(path, ".")
		msg := "unknown key " + quoteKey(key)
		if hint, ok := hints[key]; ok {
			msg += ": " + hint
		} else if near := s.nearest(path); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		errs = append(errs, s.errorAt(path, msg))
	}
	return errs
}

// within reports whether path is one of paths or under one of them.
func within(paths [][]string, path []string) bool {
	for _, p := range paths {
		if len(p) <= len(path) && reflect.DeepEqual(p, path[:len(p)]) {
			return true
		}
	}
	return false
}

// takes reports whether a type the table was decoded into has a place for
// the key at path: a field, a map entry, or a free-form value above it.
func (s *Section) takes(path []string) bool {
	for _, t := range s.types {
		if typeTakes(t, path) {
			return true
		}
	}
	return false
}

func typeTakes(t reflect.Type, path []string) bool {
	for _, k := range path {
		t = elemType(t)
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			return true
		}
		switch t.Kind() {
		case reflect.Interface:
			return true
		case reflect.Struct:
			f, ok := fieldFor(t, k)
			if !ok {
				return false
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
	return true
}

// elemType removes pointers, and slices and arrays, whose elements take the
// keys of an array of tables.
func elemType(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return t
		}
	}
}

// nearest returns the key, among those the decoded structs take beside the
// unknown one at path, that is the likeliest misspelling of it, or "".
func (s *Section) nearest(path []string) string {
	last := path[len(path)-1]
	best, bestDist := "", len(last)/3+1
	for _, t := range s.types {
		parent, ok := typeAt(t, path[:len(path)-1])
		if !ok || parent.Kind() != reflect.Struct {
			continue
		}
		for _, f := range tomlFields(parent) {
			if d := editDistance(strings.ToLower(last), strings.ToLower(f.name)); d < bestDist {
				best, bestDist = f.name, d
			}
		}
	}
	return best
}

// typeAt returns the type that takes the key at path, if one does.
func typeAt(t reflect.Type, path []string) (reflect.Type, bool) {
	for _, k := range path {
		t = elemType(t)
		switch t.Kind() {
		case reflect.Struct:
			f, ok := fieldFor(t, k)
			if !ok {
				return nil, false
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return nil, false
		}
	}
	return elemType(t), true
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// tomlField is a key a struct takes and the field that takes it.
type tomlField struct {
	name  string
	field reflect.StructField
}

// tomlFields returns the keys a struct takes, as BurntSushi/toml reads them:
// exported fields named by their toml tag or their name, except those
// tagged "-", and the fields of embedded structs without a tag.
func tomlFields(t reflect.Type) []tomlField {
	var fields []tomlField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("toml")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if ft.Kind() == reflect.Pointer && ft.Name() == "" {
			ft = ft.Elem()
		}
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			fields = append(fields, tomlFields(ft)...)
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, tomlField{name, sf})
	}
	return fields
}

// fieldFor returns the field of struct t that takes key: the one named
// exactly so, else one named so in another case.
func fieldFor(t reflect.Type, key string) (reflect.StructField, bool) {
	var folded *reflect.StructField
	for _, f := range tomlFields(t) {
		if f.name == key {
			return f.field, true
		}
		if folded == nil && strings.EqualFold(f.name, key) {
			folded = &f.field
		}
	}
	if folded != nil {
		return *folded, true
	}
	return reflect.StructField{}, false
}

var (
	unmarshalerType     = reflect.TypeFor[toml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType        = reflect.TypeFor[time.Duration]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
)

// mismatch is a value that does not fit the field that takes it.
type mismatch struct {
	path []string // the key's path in the table, to find its line
	key  string   // the key as the user reads it, with indexes into arrays
	msg  string
}

// checkValue appends to bad every value under v that t cannot take, with
// messages of ours: the decoder stops at the first one, in random order,
// and says it in terms of Go. Keys that t does not take are left to
// unknown, and types that decode themselves to the decoder.
func checkValue(v any, t reflect.Type, path []string, key string, bad *[]mismatch) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	mis := func(want string) {
		*bad = append(*bad, mismatch{path, key, fmt.Sprintf("%s: cannot use %s as %s", key, describe(v), want)})
	}
	if t != durationType && (reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			mis("table")
			return
		}
		for k, sub := range m {
			if f, ok := fieldFor(t, k); ok {
				checkValue(sub, f.Type, appendPath(path, k), joinKey(key, k), bad)
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			mis("table")
			return
		}
		for k, sub := range m {
			checkValue(sub, t.Elem(), appendPath(path, k), joinKey(key, k), bad)
		}
	case reflect.Slice, reflect.Array:
		items, ok := listOf(v)
		if !ok {
			mis("array")
			return
		}
		if t.Kind() == reflect.Array && len(items) != t.Len() {
			*bad = append(*bad, mismatch{path, key, fmt.Sprintf("%s: needs an array of %d values, not %d", key, t.Len(), len(items))})
			return
		}
		for i, item := range items {
			checkValue(item, t.Elem(), path, fmt.Sprintf("%s[%d]", key, i), bad)
		}
	case reflect.String:
		switch v.(type) {
		case string:
		case int64, float64:
			if t != jsonNumberType {
				mis("string")
			}
		default:
			mis("string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			mis("boolean")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := v.(string); ok && t == durationType {
			if _, err := time.ParseDuration(s); err != nil {
				*bad = append(*bad, mismatch{path, key, fmt.Sprintf("%s: invalid duration %q: give nanoseconds or a duration such as \"1.5s\"", key, s)})
			}
			return
		}
		n, ok := v.(int64)
		switch {
		case !ok:
			mis("integer")
		case reflect.Zero(t).OverflowInt(n):
			lo, hi := -int64(1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1
			*bad = append(*bad, mismatch{path, key, fmt.Sprintf("%s: %d is out of range (%d to %d)", key, n, lo, hi)})
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := v.(int64)
		switch {
		case !ok:
			mis("integer")
		case n < 0 || reflect.Zero(t).OverflowUint(uint64(n)):
			hi := uint64(1)<<(t.Bits()-1)<<1 - 1
			*bad = append(*bad, mismatch{path, key, fmt.Sprintf("%s: %d is out of range (0 to %d)", key, n, hi)})
		}
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case float64, int64:
		default:
			mis("number")
		}
	}
}

func appendPath(path []string, k string) []string {
	return append(path[:len(path):len(path)], k)
}

func joinKey(key, k string) string {
	if key == "" {
		return k
	}
	return key + "." + k
}

// listOf returns the elements of a TOML array or array of tables.
func listOf(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []map[string]any:
		items := make([]any, len(l))
		for i, m := range l {
			items[i] = m
		}
		return items, true
	}
	return nil, false
}

// describe names a TOML value and shows it, shortened, for a message.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + shorten(strconv.Quote(x))
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case float64:
		return "float " + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case time.Time:
		return "datetime " + x.Format(time.RFC3339Nano)
	case map[string]any:
		return "table"
	case []map[string]any:
		return "array of tables"
	case []any:
		return "array " + shorten(literal(x))
	}
	return fmt.Sprintf("%T", v)
}

// literal writes an array's values in TOML's syntax.
func literal(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = literal(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case map[string]any:
		return "{...}"
	}
	return fmt.Sprint(v)
}

func shorten(s string) string {
	const most = 40
	if len(s) <= most {
		return s
	}
	return s[:most-3] + "..."
}

// quoteKey quotes a key for a message.
func quoteKey(key string) string { return strconv.Quote(key) }

// probe is decoded into the key whose line is sought: it fails, and
// BurntSushi/toml places its failure at the key's position, which it keeps
// nowhere else one can read.
type probe struct{}

const probeMsg = "sandpiper config: line probe"

// UnmarshalTOML fails, with probeMsg.
func (probe) UnmarshalTOML(any) error { return errors.New(probeMsg) }

// line returns the line of the key at path in the table (the table's own
// line for nil), or 0 when the parser recorded none. Inside an array it is
// the line of the array's key.
func (s *Section) line(path []string) int {
	full := []string{s.Name}
	var v any = s.raw
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		full = append(full, k)
		v = m[k]
	}
	return s.f.line(full)
}

// line returns the line of the key at path from the top of the file, or 0,
// by parsing the file again into nested structs holding only that key, with
// a probe at its end. It is called for errors only.
func (f *file) line(path []string) int {
	t := reflect.TypeFor[probe]()
	for i := len(path) - 1; i >= 0; i-- {
		t = reflect.StructOf([]reflect.StructField{{
			Name: "Key",
			Type: t,
			Tag:  reflect.StructTag("toml:" + strconv.Quote(path[i])),
		}})
	}
	_, err := toml.Decode(f.text, reflect.New(t).Interface())
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Message == probeMsg {
		return pe.Position.Line
	}
	return 0
}
