package message

import "testing"

func TestAppendText(t *testing.T) {
	m := &Message{
		Uuid:      UUID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10},
		Timestamp: 1795000000123456789,
		Type:      "nginx.access",
		Severity:  DefaultSeverity,
		Payload:   "line one\nline \"two\"",
		Hostname:  "web-1",
	}
	m.MarkPresent(HeaderPid)
	m.AddField(Field{Name: "status", Type: Integer, Integers: []int64{200}})
	m.AddField(Field{Name: "request_time", Type: Double, Representation: "s", Doubles: []float64{0.25, 1}})
	m.AddField(Field{Name: "tags", Strings: []string{"a", "b\tc"}})
	m.AddField(Field{Name: "raw", Type: Bytes, Bytes: [][]byte{{0, 1, 2}}})
	m.AddField(Field{Name: "ok", Type: Bool, Bools: []bool{true}})
	m.AddField(Field{Name: "empty", Type: Integer})
	m.AddField(Field{Name: "odd", Type: Integer, Representation: "per (line)\n", Integers: []int64{1}})
	const want = `Uuid:       01234567-89ab-cdef-fedc-ba9876543210
Timestamp:  2026-11-18T11:06:40.123456789Z
Type:       "nginx.access"
Payload:    "line one\nline \"two\""
Pid:        0
Hostname:   "web-1"
Fields:
  "status" INTEGER: 200
  "request_time" DOUBLE (s): 0.25 1
  "tags" STRING: "a" "b\tc"
  "raw" BYTES: base64:AAEC
  "ok" BOOL: true
  "empty" INTEGER: (no values)
  "odd" INTEGER ("per (line)\n"): 1
`
	if got := string(m.AppendText(nil)); got != want {
		t.Errorf("AppendText:\n%s\nwant:\n%s", got, want)
	}
}
