package config

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"

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

// line returns the line of the key at path from the top of the file, or 0.
// It is called for errors only: from the file's index of plainly written
// keys and tables, else by probing (probeLine).
func (f *file) line(path []string) int {
	f.indexOnce.Do(func() { f.index = lineIndex(f.text) })
	if n, ok := f.index[strings.Join(path, "\x00")]; ok {
		return n
	}
	return f.probeLine(path)
}

// bareKey is a key or table name written without quotes, dotted or not.
var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+(\s*\.\s*[A-Za-z0-9_-]+)*$`)

// lineIndex maps the paths (joined by NUL) of the tables, array tables and
// keys of text that are written plainly — a bare name in brackets at the
// start of a line, a bare key before "=" — to their first line. Lines
// inside multi-line strings are skipped. Anything written otherwise
// (quoted names, inline tables) is left to probeLine, which parses: one
// parse per error made a configuration with thousands of errors take
// seconds.
func lineIndex(text string) map[string]int {
	index := map[string]int{}
	var table []string
	inString := ""
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		t := strings.TrimSpace(line)
		if inString != "" {
			if strings.Count(t, inString)%2 == 1 {
				inString = ""
			}
			continue
		}
		switch {
		case t == "" || t[0] == '#':
			continue
		case strings.HasPrefix(t, "[[") || t[0] == '[':
			open, close := "[", "]"
			if strings.HasPrefix(t, "[[") {
				open, close = "[[", "]]"
			}
			end := strings.Index(t, close)
			if end < 0 {
				table = nil
				continue
			}
			name := strings.TrimSpace(t[len(open):end])
			if !bareKey.MatchString(name) {
				table = nil // quoted: its keys are left to probeLine
				continue
			}
			table = splitKey(name)
			key := strings.Join(table, "\x00")
			if _, seen := index[key]; !seen {
				index[key] = n
			}
			continue
		}
		eq := strings.IndexByte(t, '=')
		if eq < 0 || table == nil {
			continue
		}
		if k := strings.TrimSpace(t[:eq]); bareKey.MatchString(k) {
			key := strings.Join(append(append([]string(nil), table...), splitKey(k)...), "\x00")
			if _, seen := index[key]; !seen {
				index[key] = n
			}
		}
		for _, q := range []string{`"""`, "'''"} {
			if strings.Count(t[eq:], q)%2 == 1 {
				inString = q
			}
		}
	}
	return index
}

// splitKey splits a dotted bare key into its parts.
func splitKey(k string) []string {
	parts := strings.Split(k, ".")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// probeLine returns the line of the key at path by parsing the file again
// into nested structs holding only that key, with a probe at its end.
func (f *file) probeLine(path []string) int {
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
