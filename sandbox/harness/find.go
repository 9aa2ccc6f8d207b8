package harness

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SpecSuffix ends the name of every spec file.
const SpecSuffix = "_test.toml"

// Find returns every spec file under paths, in the order given and, inside
// a folder, in lexical order. A file named in paths is taken whatever its
// name; folders are searched as the go tool searches packages, skipping
// those named testdata or starting with "." or "_", which hold fixtures
// (and the harness's own deliberately failing specs), not tests to run.
func Find(paths []string) ([]string, error) {
	var found []string
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			found = append(found, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, SpecSuffix) && d.Type().IsRegular() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("searching %s: %w", root, err)
		}
	}
	return found, nil
}
