package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// tricky has keys written every way TOML allows beside the plain ones.
const tricky = `
top = 1
[a]
type = "X"
b.c = 2
"quoted" = 3
text = """
[not_a_table]
fake = 4
"""
after = 5
raw = '''
x = 6'''
last = 7
inline = { k = 8 }
[a.sub]
deep = 9
["q.t"]
z = 10
[[arr]]
v = 11
[[arr]]
v = 12
`

// TestLineIndexAgreesWithTheParser: every key the one-pass index places is
// where the parser places it.
func TestLineIndexAgreesWithTheParser(t *testing.T) {
	texts := map[string]string{"tricky": tricky}
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*", "*.toml"))
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts[p] = string(b)
	}
	placed := 0
	for name, text := range texts {
		var v any
		md, err := toml.Decode(text, &v)
		if err != nil {
			continue // a file with a syntax error has no keys to place
		}
		f := &file{path: name, text: text}
		index := lineIndex(text)
		for _, k := range md.Keys() {
			n, ok := index[strings.Join(k, "\x00")]
			if !ok {
				continue
			}
			placed++
			lines := strings.Split(text, "\n")
			last := k[len(k)-1]
			if !strings.Contains(lines[n-1], last) {
				t.Errorf("%s: %s: index says line %d, which does not name it: %q", name, k, n, lines[n-1])
			}
			// The parser places a key where its value ends (the last line
			// of a multi-line string) and an array of tables at its last
			// table; the index, at the key itself, the first table.
			// Elsewhere the two agree.
			if want := f.probeLine(k); want != 0 && n != want && md.Type(k...) != "ArrayHash" && strings.Contains(lines[want-1], last+" =") {
				t.Errorf("%s: %s: index says line %d, the parser %d", name, k, n, want)
			}
		}
		if name == "tricky" {
			for _, k := range []string{"a\x00[not_a_table]", "not_a_table", "not_a_table\x00fake", "a\x00x"} {
				if _, ok := index[k]; ok {
					t.Errorf("the index placed %q, which is inside a multi-line string", k)
				}
			}
		}
	}
	if placed < 30 {
		t.Fatalf("the index placed only %d keys", placed)
	}
}
