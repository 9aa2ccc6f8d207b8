package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzOptions is a plugin's options as the fuzz target decodes every table
// into: each kind of field the plugins declare.
type fuzzOptions struct {
	Type    string             `toml:"type"`
	Name    string             `toml:"filename"`
	Count   int                `toml:"count"`
	Limit   int64              `toml:"limit"`
	Ratio   float64            `toml:"ratio"`
	On      bool               `toml:"on"`
	Tags    []string           `toml:"tags"`
	Ports   []int              `toml:"ports"`
	Config  map[string]any     `toml:"config"`
	Nested  struct{ A string } `toml:"nested"`
	Pointer *bool              `toml:"pointer"`
}

// FuzzLoad: any text is a configuration that loads, decodes and reports its
// problems, without a panic, and every error names the file.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"single.toml", "bad_type.toml", "both_globals.toml", "globals_bad.toml", "syntax.toml", "env.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("[a]\ntype = 'X'\ncount = 99999999999999999999\n[a.config]\nx = [1, 'two', {k = 3}]\n")
	f.Add("[sandpiper]\nbase_dir = '%ENV[HOME]'\nqueue_size = -1\n[b]\nports = [1, 2.5]\nnested = 3\n")
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "fuzz.toml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
		if c == nil {
			return
		}
		for _, s := range c.Plugins {
			var o fuzzOptions
			if err := s.Decode(&o); err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("decode error does not name the file: %v", err)
			}
			_ = s.Errorf("type", "x")
		}
		for _, e := range c.Unknown() {
			if !strings.Contains(e.Error(), path) {
				t.Fatalf("unknown-key error does not name the file: %v", e)
			}
		}
	})
}
