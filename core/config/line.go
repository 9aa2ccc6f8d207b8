package config

import (
	"errors"
	"reflect"
	"strconv"

	"github.com/BurntSushi/toml"
)

// probe is decoded into the key whose line is sought: it fails, and
// BurntSushi/toml places its failure at the key's position, which it keeps
// nowhere else one can read.
type probe struct{}

const probeMsg = "sandpiper config: line probe"

// UnmarshalTOML fails, with probeMsg.
func (probe) UnmarshalTOML(any) error { return errors.New(probeMsg) }

// line returns the line of the key at path in the table (the table's own
// line for nil), or 0 when the parser recorded none. Inside an array it is
// the line of the array's key; for a key the table lacks (a required
// option), the line of the table that lacks it.
func (s *Section) line(path []string) int {
	full := []string{s.Name}
	var v any = s.raw
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			break
		}
		if v, ok = m[k]; !ok {
			break
		}
		full = append(full, k)
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
