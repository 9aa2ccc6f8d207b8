package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultGlobals(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name:", err)
	}
	want := Globals{
		BaseDir:         "./sandpiper-state",
		Hostname:        host,
		MaxMessageSize:  65536,
		MaxMessageLoops: 4,
		QueueSize:       10000,
		ShutdownTimeout: 30,
	}
	if got := DefaultGlobals(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultGlobals() = %+v, want %+v", got, want)
	}
	c := load(t, "testdata/unknown.toml")
	if !reflect.DeepEqual(c.Globals, want) {
		t.Errorf("Globals of a configuration without [sandpiper] = %+v, want the defaults", c.Globals)
	}
}

func TestGlobalsErrors(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{
			path: "testdata/globals_bad.toml",
			want: []string{
				`testdata/globals_bad.toml:2: [sandpiper]: base_dir: empty: it is where plugins keep their state`,
				`testdata/globals_bad.toml:3: [sandpiper]: hostname: empty: leave it out to use the system's host name`,
				`testdata/globals_bad.toml:4: [sandpiper]: max_message_size: 0 is out of range (1 to 4294967295 bytes)`,
				`testdata/globals_bad.toml:5: [sandpiper]: max_message_loops: -1 is negative`,
				`testdata/globals_bad.toml:6: [sandpiper]: maxprocs: -2 is negative; 0 uses every core`,
				`testdata/globals_bad.toml:7: [sandpiper]: memory_ceiling: -3 is negative; 0 uses the default`,
				`testdata/globals_bad.toml:8: [sandpiper]: queue_size: 0 is out of range (at least 1 message)`,
				`testdata/globals_bad.toml:9: [sandpiper]: shutdown_timeout: 0 is out of range (at least 1 second)`,
				`testdata/globals_bad.toml:10: [sandpiper]: module_directories: testdata/no-such-dir: no such file or directory`,
				`testdata/globals_bad.toml:10: [sandpiper]: module_directories: testdata/single.toml is not a directory`,
			},
		},
		{
			path: "testdata/globals_loops.toml",
			want: []string{
				`testdata/globals_loops.toml:3: [hekad]: max_msg_loops: Heka's name for max_message_loops, which is set too: keep one`,
			},
		},
		{
			path: "testdata/globals_unknown.toml",
			want: []string{
				`testdata/globals_unknown.toml:2: [sandpiper]: type: the daemon's table is no plugin and has no type`,
				`testdata/globals_unknown.toml:3: [sandpiper]: unknown key "poolsize": Heka's pack pool; Sandpiper has no fixed pool of messages`,
				`testdata/globals_unknown.toml:4: [sandpiper]: unknown key "queue_sise" (did you mean "queue_size"?)`,
				`testdata/globals_unknown.toml:5: [sandpiper]: max_message_size: cannot use string "64KiB" as integer`,
				`testdata/globals_unknown.toml:7: [sandpiper]: unknown key "extra"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Load(tt.path)
			checkErrors(t, err, tt.want)
		})
	}
}

// TestGlobalsDocumented checks that docs/configuration.md documents every
// global option, with the sentence of its doc tag.
func TestGlobalsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	gt := reflect.TypeFor[Globals]()
	for i := 0; i < gt.NumField(); i++ {
		f := gt.Field(i)
		key, help := f.Tag.Get("toml"), f.Tag.Get("doc")
		if key == "" || help == "" {
			t.Errorf("Globals.%s lacks a toml or doc tag", f.Name)
			continue
		}
		if !strings.Contains(string(doc), "| `"+key+"` |") {
			t.Errorf("docs/configuration.md has no table row for `%s`", key)
		}
		if !strings.Contains(string(doc), help) {
			t.Errorf("docs/configuration.md lacks the doc of %s: %q", key, help)
		}
	}
}
