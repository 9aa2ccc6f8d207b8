package cjson

import (
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// TestGolden runs the Lua scripts of testdata, whose answers in the .txt
// files beside them are lua-cjson 2.1.0's under C Lua 5.1, and compares line
// by line.
func TestGolden(t *testing.T) {
	for _, name := range []string{"golden", "numbers"} {
		t.Run(name, func(t *testing.T) { testGolden(t, "testdata/"+name) })
	}
}

func testGolden(t *testing.T, path string) {
	want, err := os.ReadFile(path + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	// dump() in golden.lua recurses once per level of 1000-deep values.
	L := lua.NewState(lua.Options{CallStackSize: 2048, RegistrySize: 1 << 16, RegistryMaxSize: 1 << 20})
	defer L.Close()
	L.PreloadModule("cjson", Loader(budget.Unlimited))
	var got []string
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		got = append(got, L.CheckString(1))
		return 0
	}))
	if err := L.DoFile(path + ".lua"); err != nil {
		t.Fatal(err)
	}
	wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	if len(got) != len(wantLines) {
		t.Errorf("%s.lua printed %d lines, %s.txt has %d", path, len(got), path, len(wantLines))
	}
	for i := 0; i < min(len(got), len(wantLines)); i++ {
		if got[i] != wantLines[i] {
			t.Errorf("\n got %.300s\nwant %.300s", got[i], wantLines[i])
		}
	}
}
