package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const preservedScript = `
_PRESERVATION_VERSION = @V@
counts = {}
shared = {n = 0}
ring = {}
ring.next = {prev = ring}
ring.next.next = ring
alias = shared
local helper = require "string"
handlers = {f = function() end, kept = 1}
function process_message()
	counts[read_message("Type")] = (counts[read_message("Type")] or 0) + 1
	shared.n = shared.n + 1
	ring.label, flag, pi, weird = "r", true, 3.25, {[1] = "one", [2.5] = "x", [true] = false, ["a\0b"] = "nul"}
	return 0
end
`

func startPreserved(t *testing.T, path string, version int) (*Sandbox, *recorder) {
	t.Helper()
	src := strings.Replace(preservedScript, "@V@", string(rune('0'+version)), 1)
	return newSandbox(t, src, Config{PreserveData: true, PreservePath: path})
}

func TestPreserveRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.data")
	s, _ := startPreserved(t, path, 1)
	for i := 0; i < 3; i++ {
		if _, _, err := s.ProcessMessage(testMessage()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(path + ".tmp*")
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	r, log := startPreserved(t, path, 1)
	check := `
		assert(counts.web == 3, "counts.web")
		assert(shared.n == 3 and alias == shared, "shared reference")
		assert(ring.next.next == ring and ring.next.prev == ring and ring.label == "r", "cycle")
		assert(flag == true and pi == 3.25, "scalars")
		assert(weird[1] == "one" and weird[2.5] == "x" and weird[true] == false and weird["a\0b"] == "nul", "keys")
		assert(type(handlers.f) == "function" and handlers.kept == 1, "merged into the script's table")
		assert(type(string.rep) == "function", "library untouched")
		return 0`
	if err := runCheck(r, check); err != nil {
		t.Fatalf("%v (log %q)", err, log.log)
	}
}

// runCheck defines check as a function and calls it through a
// process_message replacement.
func runCheck(s *Sandbox, check string) error {
	fn, err := s.state.LoadString(check)
	if err != nil {
		return err
	}
	s.processFn = fn
	_, _, err = s.ProcessMessage(testMessage())
	return err
}

func TestPreserveStartsClean(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.data")
	s, _ := startPreserved(t, good, 1)
	s.ProcessMessage(testMessage())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0x40
	cases := []struct {
		name    string
		data    []byte
		version int
		log     string
	}{
		{"version mismatch", data, 2, "saved under _PRESERVATION_VERSION 1, the script has 2"},
		{"truncated", data[:len(data)-7], 1, "corrupt preservation data"},
		{"flipped bit", flipped, 1, "checksum mismatch"},
		{"garbage", []byte("counts = {web = 1000}\n"), 1, "not a Sandpiper preservation file"},
		{"empty", nil, 1, "not a Sandpiper preservation file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			s, r := startPreserved(t, path, c.version)
			if len(r.log) != 1 || !strings.Contains(r.log[0], c.log) {
				t.Fatalf("log = %q, want %q", r.log, c.log)
			}
			if err := runCheck(s, `assert(counts.web == nil and shared.n == 0) return 0`); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPreserveOverMemoryLimit: data that fits when saved but not under a
// smaller memory limit starts the sandbox clean.
func TestPreserveOverMemoryLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.data")
	src := `big = big or {} function process_message() for i = 1, 2000 do big[i] = string.rep("x", 1000) .. i end return 0 end`
	s, _ := newSandbox(t, src, Config{PreserveData: true, PreservePath: path})
	if _, _, err := s.ProcessMessage(testMessage()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	small, r := newSandbox(t, src, Config{PreserveData: true, PreservePath: path, Limits: Limits{Memory: 1 << 20}})
	if len(r.log) != 1 || !strings.Contains(r.log[0], "more than the memory limit") {
		t.Fatalf("log = %q", r.log)
	}
	if err := runCheck(small, `assert(#big == 0) return 0`); err != nil {
		t.Fatal(err)
	}
}

func TestPreserveNotAfterTermination(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.data")
	s, _ := newSandbox(t, `x = 1 function process_message() x = 2 error("half done") end`,
		Config{PreserveData: true, PreservePath: path})
	s.ProcessMessage(testMessage())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a terminated sandbox saved its state: %v", err)
	}
}
