package config

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var (
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
