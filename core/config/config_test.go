package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// place is what a test expects of a Section.
type place struct{ Name, Type, File, Dir string }

func places(c *Config) []place {
	var ps []place
	for _, s := range c.Plugins {
		ps = append(ps, place{s.Name, s.Type, s.File, s.Dir})
	}
	return ps
}

func TestLoad(t *testing.T) {
	defaults := DefaultGlobals()
	withGlobals := func(change func(*Globals)) Globals {
		g := DefaultGlobals()
		change(&g)
		return g
	}
	tests := []struct {
		name    string
		path    string
		env     map[string]string
		globals Globals
		plugins []place
	}{
		{
			name: "single file",
			path: "testdata/single.toml",
			globals: Globals{
				BaseDir:           "/var/lib/sandpiper",
				Hostname:          "web-1",
				MaxMessageSize:    131072,
				MaxMessageLoops:   4,
				MaxProcs:          2,
				MemoryCeiling:     536870912,
				QueueSize:         500,
				ShutdownTimeout:   10,
				ModuleDirectories: []string{filepath.Join("testdata", "lua")},
			},
			plugins: []place{
				{"nginx_logs", "LogstreamerInput", "testdata/single.toml", "testdata"},
				{"nginx_decoder", "SandboxDecoder", "testdata/single.toml", "testdata"},
				{"TcpOutput", "TcpOutput", "testdata/single.toml", "testdata"},
			},
		},
		{
			// Files in name order, tables in file order; the dot file, the
			// .txt file and the subdirectory are not read. [hekad] is the
			// global table, with Heka's max_msg_loops and share_dir.
			name: "directory merged in name order",
			path: "testdata/dir",
			globals: withGlobals(func(g *Globals) {
				g.MaxMessageLoops = 7
				g.ModuleDirectories = []string{filepath.Join("testdata", "dir", "modules")}
			}),
			plugins: []place{
				{"in_b", "StdinInput", "testdata/dir/20-inputs.toml", "testdata/dir"},
				{"in_a", "StdinInput", "testdata/dir/20-inputs.toml", "testdata/dir"},
				{"out", "FileOutput", "testdata/dir/30-outputs.toml", "testdata/dir"},
			},
		},
		{
			name:    "environment variables",
			path:    "testdata/env.toml",
			env:     map[string]string{"SANDPIPER_TEST_HOST": "10.0.0.1", "SANDPIPER_TEST_PORT": "5565"},
			globals: defaults,
			plugins: []place{{"in", "TcpInput", "testdata/env.toml", "testdata"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := Load(tt.path)
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.path, err)
			}
			if !reflect.DeepEqual(c.Globals, tt.globals) {
				t.Errorf("Globals\n got %+v\nwant %+v", c.Globals, tt.globals)
			}
			if got := places(c); !reflect.DeepEqual(got, tt.plugins) {
				t.Errorf("Plugins\n got %v\nwant %v", got, tt.plugins)
			}
		})
	}
}

func TestEnvSubstitution(t *testing.T) {
	t.Setenv("SANDPIPER_TEST_HOST", "10.0.0.1")
	t.Setenv("SANDPIPER_TEST_PORT", "5565")
	c, err := Load("testdata/env.toml")
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		Address string `toml:"address"`
	}
	if err := c.Plugins[0].Decode(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.Address != "10.0.0.1:5565" {
		t.Errorf("address = %q, want %q", opts.Address, "10.0.0.1:5565")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		want    []string
		plugins []string // the names of the plugins Load still returns
	}{
		{
			name: "unset environment variables",
			path: "testdata/env_unset.toml",
			want: []string{
				"testdata/env_unset.toml:3: %ENV[SANDPIPER_TEST_UNSET_A]: environment variable SANDPIPER_TEST_UNSET_A is not set",
				"testdata/env_unset.toml:5: %ENV[SANDPIPER_TEST_UNSET_B]: environment variable SANDPIPER_TEST_UNSET_B is not set",
			},
		},
		{
			name: "same plugin and global table in two files",
			path: "testdata/dup",
			want: []string{
				"testdata/dup/b.toml:4: [same]: plugin name already used by the table in testdata/dup/a.toml:4",
				"testdata/dup/b.toml:7: [hekad]: the daemon's options are already given in testdata/dup/a.toml:1; give them in one table of one file",
			},
			plugins: []string{"same", "other"},
		},
		{
			name: "sandpiper and hekad",
			path: "testdata/both_globals.toml",
			want: []string{
				"testdata/both_globals.toml:4: [hekad]: the daemon's options are already given in testdata/both_globals.toml:1; give them in one table of one file",
			},
		},
		{
			name: "same table twice in a file",
			path: "testdata/twice.toml",
			want: []string{"testdata/twice.toml:4:2: invalid TOML: Key 'same' has already been defined."},
		},
		{
			name: "syntax error",
			path: "testdata/syntax.toml",
			want: []string{"testdata/syntax.toml:3:24: invalid TOML: strings cannot contain newlines"},
		},
		{
			name: "tables that are no plugin",
			path: "testdata/bad_type.toml",
			want: []string{
				`testdata/bad_type.toml:1: key "loose" is outside any table: options belong under the [name] table of their plugin or under [sandpiper]`,
				`testdata/bad_type.toml:4: [a]: type: cannot use integer 5 as string: type names the plugin type, as in type = "LogstreamerInput"`,
				`testdata/bad_type.toml:7: [b]: type: empty: it names the plugin type, as in type = "LogstreamerInput"; leave it out to use the table's name`,
				`testdata/bad_type.toml:9: [c]: [[c]] is an array of tables: a plugin is one [c] table`,
			},
			plugins: []string{"d"},
		},
		{
			// Every file is read past the errors of another, and the
			// errors come in the order of the files.
			name: "several errors at once",
			path: "testdata/many",
			want: []string{
				`testdata/many/1.toml:3: [sandpiper]: unknown key "poolsize": Heka's pack pool; Sandpiper has no fixed pool of messages`,
				`testdata/many/1.toml:4: [sandpiper]: maxprocs: cannot use string "two" as integer`,
				`testdata/many/3.toml:2:8: invalid TOML: expected '.' or ']' to end table name, but got '\n' instead`,
				`testdata/many/4.toml:2: %ENV[SANDPIPER_TEST_UNSET_C]: environment variable SANDPIPER_TEST_UNSET_C is not set`,
			},
			plugins: []string{"in"},
		},
		{
			name: "no such path",
			path: "testdata/nope.toml",
			want: []string{"testdata/nope.toml: no such file or directory"},
		},
		{
			name: "directory without toml files",
			path: "testdata/no_toml",
			want: []string{"testdata/no_toml: no *.toml file in this directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.path)
			checkErrors(t, err, tt.want)
			var names []string
			for _, s := range c.Plugins {
				names = append(names, s.Name)
			}
			if !reflect.DeepEqual(names, tt.plugins) {
				t.Errorf("plugins %v, want %v", names, tt.plugins)
			}
		})
	}
}

// checkErrors fails t unless err is an Errors of exactly want, each an
// *Error.
func checkErrors(t *testing.T, err error, want []string) {
	t.Helper()
	var errs Errors
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected errors:\n%v", err)
		}
		return
	}
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T), want an Errors of\n%s", err, err, strings.Join(want, "\n"))
	}
	var got []string
	for _, e := range errs {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Errorf("%v is a %T, want an *Error", e, e)
		}
		got = append(got, e.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err.Error() != strings.Join(want, "\n") {
		t.Errorf("Error() = %q, want the errors one per line", err.Error())
	}
}

func TestEmptyValueOfSetVariable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sandpiper.toml")
	if err := os.WriteFile(path, []byte("[in]\ntype = \"StdinInput%ENV[SANDPIPER_TEST_EMPTY]\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SANDPIPER_TEST_EMPTY", "")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Plugins[0].Type != "StdinInput" {
		t.Errorf("Type = %q, want StdinInput", c.Plugins[0].Type)
	}
}
