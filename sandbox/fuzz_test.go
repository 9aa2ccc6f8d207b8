package sandbox

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// withChecksum frames body as a preservation file with a valid checksum,
// so that the fuzzer's mutations reach the parser rather than stop at the
// checksum.
func withChecksum(body []byte) []byte {
	out := append([]byte(preserveMagic), body...)
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

// FuzzPreserved feeds arbitrary table data to the preservation decoder and,
// when it decodes, restores it into a sandbox, saves that sandbox's globals
// again and decodes the result: no input may panic, and what is restored
// must save to a file that decodes.
func FuzzPreserved(f *testing.F) {
	for _, src := range []string{
		`a = 1 b = "two" c = true`,
		`t = {1, 2, {x = "y"}} t[4] = t`,
		`s = {} s.self = s u = {s, s, [s] = s}`,
		`_PRESERVATION_VERSION = 3 n = {[1.5] = false, [-0] = 0/0}`,
	} {
		s, _ := newSandbox(f, src+"\nfunction process_message() return 0 end", Config{})
		data := s.encodeGlobals()
		f.Add(data[len(preserveMagic) : len(data)-4])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data := withChecksum(body)
		tables, err := decodePreserved(data)
		if err != nil {
			return
		}
		for i, pairs := range tables {
			for _, p := range pairs {
				if p.key.ref >= len(tables) || p.value.ref >= len(tables) {
					t.Fatalf("table %d refers past the %d tables", i, len(tables))
				}
			}
		}
		s, _ := newSandbox(t, `t = {} function process_message() return 0 end`, Config{})
		s.restoreData("fuzz", data)
		if s.measure(); s.mem.current > s.limits.Memory {
			return // New starts such a sandbox clean (TestPreserveStartsClean)
		}
		if _, _, err := s.ProcessMessage(testMessage()); err != nil {
			t.Fatalf("restored sandbox fails: %v", err)
		}
		again := s.encodeGlobals()
		if _, err := decodePreserved(again); err != nil {
			t.Fatalf("restored globals saved to undecodable data: %v", err)
		}
	})
}
