package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

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
// table itself), placed at the line of that key (of the table when it
// lacks the key), its message the key followed by the formatted text: the daemon reports the problems it finds
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
		msg := "unknown key " + strconv.Quote(key)
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
