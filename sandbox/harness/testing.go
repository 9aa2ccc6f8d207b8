package harness

import (
	"strings"
	"testing"
)

// TestSpecs runs every spec under paths (as Find finds them) as subtests
// of t, one per file and, inside it, one per case, so that `go test` runs a
// folder's shipped specs. A spec that does not load fails its file's
// subtest; finding no spec at all fails t.
func TestSpecs(t *testing.T, paths ...string) {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := Find(paths)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *%s under %s", SpecSuffix, strings.Join(paths, ", "))
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			spec, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range spec.Run(Options{}) {
				t.Run(res.Name, func(t *testing.T) {
					for _, l := range res.Log {
						t.Log(l)
					}
					for _, f := range res.Failures {
						t.Error(f)
					}
				})
			}
		})
	}
}
