package harness

import (
	"os"
	"path/filepath"
	"testing"

	"sandpiper/core/message"
)

// FuzzParseSpec feeds parseSpec arbitrary documents: it must return a spec
// or an error, never panic, and every inline message it accepts must be a
// message the JSON form carries unchanged.
func FuzzParseSpec(f *testing.F) {
	for _, name := range []string{"counts_test.toml", "fail_test.toml", "kv_test.toml", "preserved_test.toml", "bad/unknown_key_test.toml"} {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("script = \"x.lua\"\ntype = \"filter\"\n[[case]]\nname = \"a\"\n[[case.message]]\nFields = [{name = \"a\", value = 1}, {name = \"a\", value = [1.5, 2]}]\n[[case.expect]]\nFields = [{name = \"a\", value = {value = \"/x/\"}}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := parseSpec("testdata/fuzz_test.toml", src)
		if err != nil {
			return
		}
		for _, c := range s.Cases {
			for _, in := range c.inputs {
				if in.raw {
					continue
				}
				js := in.msg.AppendJSON(nil)
				var back message.Message
				if err := back.UnmarshalJSON(js); err != nil {
					t.Fatalf("case %q: inline message %s does not read back: %v", c.Name, js, err)
				}
				if again := back.AppendJSON(nil); string(again) != string(js) {
					t.Fatalf("case %q: inline message %s reads back as %s", c.Name, js, again)
				}
			}
		}
	})
}
