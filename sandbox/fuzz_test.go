package sandbox

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/message"
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

// FuzzMessageTable decodes arbitrary protobuf messages into Lua tables
// (decode_message's form) and back (inject_message's): every message the
// codec accepts must come back with the same headers and fields.
func FuzzMessageTable(f *testing.F) {
	f.Add(testMessage().Marshal())
	m := message.New(7)
	m.AddField(message.Field{Name: "e", Type: message.Double, Doubles: []float64{math.Inf(-1), -0.0, 1e308}})
	m.AddField(message.Field{Name: "", Type: message.Bytes, Bytes: [][]byte{{}, {0xff}}, Representation: "raw"})
	f.Add(m.Marshal())
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		var in message.Message
		if in.Unmarshal(b) != nil {
			return
		}
		out, err := tableToMessage(messageToTable(L, &in))
		if err != nil {
			for _, f := range in.Fields {
				if f.Len() == 0 || f.Type < 0 || f.Type > message.Bool {
					return // a field without values, or of an unknown type, has no table form
				}
			}
			t.Fatalf("table of %s does not convert back: %v", in.AppendJSON(nil), err)
		}
		if msg := sameMessage(&in, out); msg != "" {
			t.Fatalf("%s\nin:  %s\nout: %s", msg, in.AppendJSON(nil), out.AppendJSON(nil))
		}
	})
}

// sameMessage compares what a message table carries: the headers' values
// and the fields.
func sameMessage(a, b *message.Message) string {
	if a.Uuid != b.Uuid || a.Timestamp != b.Timestamp || a.Type != b.Type || a.Logger != b.Logger ||
		a.Payload != b.Payload || a.EnvVersion != b.EnvVersion || a.Hostname != b.Hostname ||
		a.Severity != b.Severity || a.Pid != b.Pid {
		return "headers differ"
	}
	if len(a.Fields) != len(b.Fields) {
		return "field counts differ"
	}
	for i := range a.Fields {
		fa, fb := &a.Fields[i], &b.Fields[i]
		if fa.Name != fb.Name || fa.Type != fb.Type || fa.Representation != fb.Representation || fa.Len() != fb.Len() {
			return fmt.Sprintf("field %d differs", i)
		}
		for ai := 0; ai < fa.Len(); ai++ {
			va, vb := fieldValue(fa, ai), fieldValue(fb, ai)
			if na, ok := va.(lua.LNumber); ok && math.IsNaN(float64(na)) {
				if nb, ok := vb.(lua.LNumber); ok && math.IsNaN(float64(nb)) {
					continue
				}
			}
			if va != vb {
				return fmt.Sprintf("field %d value %d differs: %v, %v", i, ai, va, vb)
			}
		}
	}
	return ""
}
