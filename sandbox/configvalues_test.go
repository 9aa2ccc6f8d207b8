package sandbox

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigValues(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want map[string]any
	}{
		{"scalars", "s = \"x\"\nn = -3\nf = 1.5\nb = true",
			map[string]any{"s": "x", "n": int64(-3), "f": 1.5, "b": true}},
		{"date-times with their fraction", "d = 2026-11-28T10:00:00Z\nn = 2026-11-28T10:00:00.000000005+02:00\nh = 2026-11-28T10:00:00.5Z",
			map[string]any{"d": "2026-11-28T10:00:00Z", "n": "2026-11-28T10:00:00.000000005+02:00", "h": "2026-11-28T10:00:00.5Z"}},
		{"local date-times without an offset", "dt = 2026-11-28T10:00:00.25\nd = 2026-11-28\nt = 07:30:00",
			map[string]any{"dt": "2026-11-28T10:00:00.25", "d": "2026-11-28", "t": "07:30:00"}},
		{"arrays", "a = [1, \"x\", [true], 2026-11-28T10:00:00Z]",
			map[string]any{"a": []any{int64(1), "x", []any{true}, "2026-11-28T10:00:00Z"}}},
		{"tables", "[t]\nu = 1\n[t.v]\nw = 2026-11-28",
			map[string]any{"t": map[string]any{"u": int64(1), "v": map[string]any{"w": "2026-11-28"}}}},
		{"arrays of tables", "[[rows]]\nk = 1.5\n[[rows]]\n[[rows]]\nk = 2026-11-28T10:00:00Z",
			map[string]any{"rows": []any{map[string]any{"k": 1.5}, map[string]any{}, map[string]any{"k": "2026-11-28T10:00:00Z"}}}},
		{"empty", "", map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in map[string]any
			if _, err := toml.Decode(tt.toml, &in); err != nil {
				t.Fatal(err)
			}
			got, err := ConfigValues(in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ConfigValues = %#v, want %#v", got, tt.want)
			}
		})
	}
	if got, err := ConfigValues(nil); got != nil || err != nil {
		t.Errorf("ConfigValues(nil) = %v, %v; want nil, nil", got, err)
	}
}

// TestConfigValuesCopies checks that the result shares no table or array
// with the table given, which the caller may go on changing.
func TestConfigValuesCopies(t *testing.T) {
	inner := map[string]any{"k": "v"}
	list := []any{"a"}
	in := map[string]any{"t": inner, "l": list}
	got, err := ConfigValues(in)
	if err != nil {
		t.Fatal(err)
	}
	inner["k"], list[0] = "changed", "changed"
	if got["t"].(map[string]any)["k"] != "v" || got["l"].([]any)[0] != "a" {
		t.Errorf("ConfigValues shares its input: %v", got)
	}
}

func TestConfigValuesErrors(t *testing.T) {
	tests := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"p": struct{}{}}, "config.p: a value of type struct {} has no Lua form"},
		{map[string]any{"a": map[string]any{"b": []any{"x", 1.0, int32(2)}}}, "config.a.b[2]: a value of type int32 has no Lua form"},
		{map[string]any{"rows": []map[string]any{{}, {"k": []string{"x"}}}}, "config.rows[1].k: a value of type []string has no Lua form"},
		{map[string]any{"a.b": time.Second}, `config."a.b": a value of type time.Duration has no Lua form`},
		{map[string]any{"n": 3}, "config.n: a value of type int has no Lua form"},
		// Of two bad values, the first in key order.
		{map[string]any{"z": uint8(1), "m": nil}, "config.m: a value of type <nil> has no Lua form"},
	}
	for _, tt := range tests {
		_, err := ConfigValues(tt.in)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ConfigValues(%v): error %v, want %s…", tt.in, err, tt.want)
		}
	}
}
