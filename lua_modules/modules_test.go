package lua_modules_test

import (
	"testing"

	"sandpiper/sandbox/harness"
)

// TestSpecs runs every shipped script's *_test.toml through the harness, as
// `sandpiper test lua_modules` does, so that `make test` checks them. It is
// an external test so that the sandbox may import this package (for its
// built-in modules) without a cycle through the harness.
func TestSpecs(t *testing.T) {
	harness.TestSpecs(t, ".")
}
