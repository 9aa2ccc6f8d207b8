package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sandpiper/core/message"
)

// TestConcatCharged: strings made by .. are charged as they are made, so a
// script keeping 1 MB concatenations is stopped within a few of them of its
// limit, whatever the watchdog's goroutine is doing.
func TestConcatCharged(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "concat.lua")
	src := `
local big = string.rep("x", 1e6)
kept = {}
function process_message()
    for i = 1, 200 do
        kept[i] = big .. i
    end
    return 0
end`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	const limit = 4 << 20
	s, err := New(Config{Name: "concat", Script: script, Limits: Limits{Memory: limit}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	_, _, err = s.ProcessMessage(message.New(1))
	if err == nil || !strings.Contains(err.Error(), "memory_limit exceeded") {
		t.Fatalf("err = %v, want memory_limit exceeded", err)
	}
	if got := s.Stats().MaxMemory; got > limit+3<<20 {
		t.Errorf("the sandbox measured %d KiB before it stopped the script, over its limit of %d KiB by more than two concatenations", got>>10, limit>>10)
	}
}

// TestConcatUncharged: concatenations that are not kept are charged but do
// not end the call: the measurement that the charges bring on finds them
// gone.
func TestConcatUncharged(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "concat.lua")
	src := `
local big = string.rep("x", 1e5)
function process_message()
    local n = 0
    for i = 1, 500 do
        n = n + #(big .. i)
    end
    return 0
end`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Name: "concat", Script: script, Limits: Limits{Memory: 4 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	for i := 0; i < 3; i++ {
		if st, msg, err := s.ProcessMessage(message.New(1)); err != nil || st != 0 {
			t.Fatalf("call %d: %d %q %v", i, st, msg, err)
		}
	}
}
