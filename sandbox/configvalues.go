package sandbox

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ConfigValues converts a plugin's [name.config] table, as BurntSushi/toml
// decodes it into a map[string]any, to the values Config.Config holds, so
// that the daemon and `sandpiper test` give a script the same read_config
// values. Strings, int64s, float64s and booleans are kept; a date-time
// becomes its RFC 3339 string with as many fractional digits as it has
// (Lua has no date type, and a script can parse the string), a local
// date-time, date or time its RFC 3339 form without an offset; arrays
// become []any and tables map[string]any, arrays of tables included. Any
// other value is an error naming its key path, as in "config.a.b[2]: ...".
// A nil table gives nil.
func ConfigValues(t map[string]any) (map[string]any, error) {
	return configTable(t, "config")
}

func configTable(t map[string]any, at string) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	// Sorted, so that of several bad values the same one is reported each time.
	sort.Strings(keys)
	out := make(map[string]any, len(t))
	for _, k := range keys {
		v, err := configItem(t[k], at+"."+tomlKey(k))
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func configItem(v any, at string) (any, error) {
	switch x := v.(type) {
	case string, int64, float64, bool:
		return x, nil
	case time.Time:
		return x.Format(timeLayout(x)), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			cv, err := configItem(e, at+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			cv, err := configTable(e, at+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case map[string]any:
		return configTable(x, at)
	}
	return nil, fmt.Errorf("%s: a value of type %T has no Lua form: read_config reads strings, integers, floats, booleans, date-times, and arrays and tables of them", at, v)
}

// timeLayout returns the layout that writes t as TOML wrote it: BurntSushi/toml
// gives a local date-time, date or time (one without an offset) the
// machine's offset in a zone of its own name, which must not show.
func timeLayout(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return "2006-01-02T15:04:05.999999999"
	case "date-local":
		return time.DateOnly
	case "time-local":
		return "15:04:05.999999999"
	}
	return time.RFC3339Nano
}

// tomlKey writes k as TOML would in a dotted key: bare when it can be,
// quoted otherwise.
func tomlKey(k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0 {
		return k
	}
	return strconv.Quote(k)
}
