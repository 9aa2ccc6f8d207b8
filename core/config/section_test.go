package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// common stands for the options the daemon decodes for every plugin.
type common struct {
	MessageMatcher string `toml:"message_matcher"`
	Decoder        string `toml:"decoder"`
}

type signerKey struct {
	HmacKey string `toml:"hmac_key"`
}

// pluginOptions stands for a plugin's own options.
type pluginOptions struct {
	Filename string               `toml:"filename"`
	Address  string               `toml:"address"`
	Config   map[string]any       `toml:"config"`
	Signer   map[string]signerKey `toml:"signer"`
}

func load(t *testing.T, path string) *Config {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%q): %v", path, err)
	}
	return c
}

func section(t *testing.T, c *Config, name string) *Section {
	t.Helper()
	for _, s := range c.Plugins {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no section %q", name)
	return nil
}

func TestDecode(t *testing.T) {
	c := load(t, "testdata/single.toml")
	tests := []struct {
		table  string
		common common
		opts   pluginOptions
	}{
		{
			table:  "nginx_logs",
			common: common{Decoder: "nginx_decoder"},
		},
		{
			// [name.config] comes out as TOML gives it, nested tables
			// included.
			table: "nginx_decoder",
			opts: pluginOptions{Filename: "nginx.lua", Config: map[string]any{
				"log_format":           `$remote_addr [$time_local] "$request" $status`,
				"user_agent_transform": true,
				"fields":               []any{"status", "method"},
				"weight":               1.5,
				"since":                time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
				"nested":               map[string]any{"depth": int64(2)},
			}},
		},
		{
			table:  "TcpOutput",
			common: common{MessageMatcher: "Type == 'nginx'"},
			opts: pluginOptions{Address: "127.0.0.1:5565", Signer: map[string]signerKey{
				"ops_0": {HmacKey: "secret zero"},
				"ops_1": {HmacKey: "secret one"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			s := section(t, c, tt.table)
			var com common
			var opts pluginOptions
			if err := s.Decode(&com, &opts); err != nil {
				t.Fatal(err)
			}
			if com != tt.common {
				t.Errorf("common options %+v, want %+v", com, tt.common)
			}
			if !reflect.DeepEqual(opts, tt.opts) {
				t.Errorf("plugin options\n got %#v\nwant %#v", opts, tt.opts)
			}
			// A second decoding into another struct gives the same.
			var again pluginOptions
			if err := s.Decode(&again); err != nil || !reflect.DeepEqual(again, tt.opts) {
				t.Errorf("second Decode: %+v, %v", again, err)
			}
		})
	}
}

// wrongTypes takes the options of testdata/types.toml.
type wrongTypes struct {
	Path          string   `toml:"path"`
	FlushInterval int      `toml:"flush_interval"`
	Hosts         []string `toml:"hosts"`
	Perm          string   `toml:"perm"`
	Ratio         float64  `toml:"ratio"`
	Retries       uint     `toml:"retries"`
	Level         int8     `toml:"level"`
	Tags          []string `toml:"tags"`
	Timeout       time.Duration
	Pair          [2]int `toml:"pair"`
	Signer        map[string]signerKey
}

func TestDecodeErrors(t *testing.T) {
	c := load(t, "testdata/types.toml")
	s := section(t, c, "out")
	var opts wrongTypes
	checkErrors(t, s.Decode(&common{}, &opts), []string{
		`testdata/types.toml:3: [out]: path: cannot use integer 12 as string`,
		`testdata/types.toml:4: [out]: flush_interval: cannot use string "fast" as integer`,
		`testdata/types.toml:5: [out]: hosts: cannot use string "one" as array`,
		`testdata/types.toml:6: [out]: perm: cannot use array ["0644"] as string`,
		`testdata/types.toml:7: [out]: ratio: cannot use boolean true as number`,
		`testdata/types.toml:8: [out]: retries: -1 is out of range (0 to 18446744073709551615)`,
		`testdata/types.toml:9: [out]: level: 300 is out of range (-128 to 127)`,
		`testdata/types.toml:10: [out]: tags[1]: cannot use integer 2 as string`,
		`testdata/types.toml:11: [out]: timeout: invalid duration "soon": give nanoseconds or a duration such as "1.5s"`,
		`testdata/types.toml:12: [out]: pair: needs an array of 2 values, not 3`,
		`testdata/types.toml:15: [out]: signer.ops_0.hmac_key: cannot use integer 7 as string`,
	})
	for _, e := range s.Decode(&opts).(Errors) {
		if e.(*Error).Table != "out" {
			t.Errorf("%v: Table %q, want out", e, e.(*Error).Table)
		}
	}
	if err := s.Decode(opts); err == nil {
		t.Error("Decode of a struct, not a pointer, succeeded")
	}
}

// level decodes itself, so that a bad value is the decoder's own error,
// which Decode places and words as its own (decodeError).
type level int

func (l *level) UnmarshalText(b []byte) error {
	if string(b) != "debug" {
		return errors.New("want debug")
	}
	*l = 7
	return nil
}

func TestDecodeErrorOfSelfDecodingType(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("[out]\ntype = \"X\"\n\nlevel = \"loud\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := section(t, load(t, path), "out")
	var opts struct {
		Level level `toml:"level"`
	}
	checkErrors(t, s.Decode(&opts), []string{path + `:4: [out]: level: want debug`})
	var e *Error
	if errors.As(s.Decode(&opts), &e); e == nil || e.Key != "level" {
		t.Errorf("Key of %v: want level", e)
	}
}

func TestUnknown(t *testing.T) {
	tests := []struct {
		name        string
		decode      func(s *Section) error
		decodeFails bool
		want        []string
	}{
		{
			// The outermost unknown key of a sub-table only; [name.config]
			// is free-form; a likely misspelling is named.
			name:   "one struct",
			decode: func(s *Section) error { return s.Decode(&pluginOptions{}) },
			want: []string{
				`testdata/unknown.toml:3: [nginx_decoder]: unknown key "fliename" (did you mean "filename"?)`,
				`testdata/unknown.toml:11: [nginx_decoder]: unknown key "signer.ops_0.hmac_kye" (did you mean "hmac_key"?)`,
				`testdata/unknown.toml:13: [nginx_decoder]: unknown key "extra"`,
			},
		},
		{
			name: "a key taken by the second struct is known",
			decode: func(s *Section) error {
				var extra struct {
					Extra    map[string]int `toml:"extra"`
					Fliename string         `toml:"fliename"`
				}
				return s.Decode(&pluginOptions{}, &extra)
			},
			want: []string{
				`testdata/unknown.toml:11: [nginx_decoder]: unknown key "signer.ops_0.hmac_kye" (did you mean "hmac_key"?)`,
			},
		},
		{
			name: "a key of a struct that failed to decode is known",
			decode: func(s *Section) error {
				var typed struct {
					Filename int `toml:"filename"`
				}
				return s.Decode(&pluginOptions{}, &typed)
			},
			decodeFails: true,
			want: []string{
				`testdata/unknown.toml:3: [nginx_decoder]: unknown key "fliename" (did you mean "filename"?)`,
				`testdata/unknown.toml:11: [nginx_decoder]: unknown key "signer.ops_0.hmac_kye" (did you mean "hmac_key"?)`,
				`testdata/unknown.toml:13: [nginx_decoder]: unknown key "extra"`,
			},
		},
		{
			name:   "a map of anything takes every key",
			decode: func(s *Section) error { return s.Decode(&map[string]any{}) },
		},
		{
			name:   "a section never decoded is skipped",
			decode: func(s *Section) error { return nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, "testdata/unknown.toml")
			err := tt.decode(section(t, c, "nginx_decoder"))
			if (err != nil) != tt.decodeFails {
				t.Fatalf("Decode: %v, want an error: %v", err, tt.decodeFails)
			}
			checkErrors(t, c.Unknown().orNil(), tt.want)
		})
	}
}

func TestHas(t *testing.T) {
	s := section(t, load(t, "testdata/single.toml"), "nginx_decoder")
	for key, want := range map[string]bool{"type": true, "filename": true, "config": true, "log_format": false, "decoder": false} {
		if got := s.Has(key); got != want {
			t.Errorf("Has(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestErrorf(t *testing.T) {
	s := section(t, load(t, "testdata/single.toml"), "nginx_logs")
	tests := []struct {
		key  string
		want string
	}{
		{"", `testdata/single.toml:12: [nginx_logs]: no plugin type "LogstreamerInput"`},
		{"file_match", `testdata/single.toml:15: [nginx_logs]: file_match: no plugin type "LogstreamerInput"`},
		{"message_matcher", `testdata/single.toml:12: [nginx_logs]: message_matcher: no plugin type "LogstreamerInput"`},
	}
	for _, tt := range tests {
		if got := s.Errorf(tt.key, "no plugin type %q", s.Type).Error(); got != tt.want {
			t.Errorf("Errorf(%q)\n got %s\nwant %s", tt.key, got, tt.want)
		}
	}
}
