package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedModulesAreBuiltIn checks that a script run by the binary can
// require a module shipped in lua_modules/ with no module directory
// configured: here the key=value decoder, required as "decoders.kv".
func TestShippedModulesAreBuiltIn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("wrap.lua", `require "decoders.kv"`+"\n")
	write("wrap_test.toml", `script = "wrap.lua"
type = "decoder"
[config]
type = "kv"
[[case]]
name = "the shipped decoder, required"
lines = ["n=12 word=x"]
[[case.expect]]
Fields = [
    { name = "n", value = 12, value_type = "INTEGER" },
    { name = "word", value = "x" },
]
`)
	r := run(t, nil, "test", dir)
	if l := lines(r.stdout); r.code != 0 || len(l) == 0 || l[len(l)-1] != "1 passed, 0 failed" {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(string(r.stdout), "module") {
		t.Errorf("require failed: %s", r.stdout)
	}
}
