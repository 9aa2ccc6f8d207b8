package lua_modules_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sandpiper/core/message"
	"sandpiper/lua_modules"
	"sandpiper/sandbox"
)

// The shipped scripts run here through the sandbox's API directly; their
// *_test.toml specs say the same in the harness's terms.

// collector keeps what a sandbox injects.
type collector struct{ msgs []*message.Message }

func (c *collector) inject(m *message.Message) error {
	c.msgs = append(c.msgs, m)
	return nil
}

// take returns the messages injected since the last take.
func (c *collector) take() []*message.Message {
	msgs := c.msgs
	c.msgs = nil
	return msgs
}

// start runs script in a new sandbox of kind with config, stopped at the
// end of the test.
func start(t testing.TB, kind sandbox.Kind, script string, config map[string]any) (*sandbox.Sandbox, *collector) {
	t.Helper()
	c := &collector{}
	s, err := sandbox.New(sandbox.Config{
		Name:   strings.TrimSuffix(filepath.Base(script), ".lua"),
		Kind:   kind,
		Script: script,
		Config: config,
		Inject: c.inject,
		Now:    func() int64 { return 1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s, c
}

// fieldsText writes the fields of m as name:TYPE:representation=values,
// one field after another, so that a whole message's fields compare as
// one string with their order, types and values.
func fieldsText(m *message.Message) string {
	var b strings.Builder
	for i := range m.Fields {
		f := &m.Fields[i]
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%s", f.Name, f.Type)
		if f.Representation != "" {
			fmt.Fprintf(&b, ":%s", f.Representation)
		}
		b.WriteByte('=')
		switch f.Type {
		case message.String:
			fmt.Fprintf(&b, "%q", f.Strings)
		case message.Integer:
			fmt.Fprint(&b, f.Integers)
		case message.Double:
			fmt.Fprint(&b, f.Doubles)
		case message.Bool:
			fmt.Fprint(&b, f.Bools)
		case message.Bytes:
			fmt.Fprintf(&b, "%q", f.Bytes)
		}
	}
	return b.String()
}

// TestFS checks that FS holds every shipped script, byte for byte.
func TestFS(t *testing.T) {
	var onDisk []string
	for _, dir := range []string{"decoders", "filters"} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.lua"))
		if err != nil {
			t.Fatal(err)
		}
		onDisk = append(onDisk, paths...)
	}
	embedded, err := fs.Glob(lua_modules.FS, "*/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(onDisk)
	if !slices.Equal(embedded, onDisk) || len(embedded) < 3 {
		t.Fatalf("FS holds %q, the folders %q", embedded, onDisk)
	}
	for _, path := range embedded {
		got, err := fs.ReadFile(lua_modules.FS, path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("FS's %s differs from the file", path)
		}
	}
}

// TestKVDecoder runs decoders/kv.lua on good and bad lines.
func TestKVDecoder(t *testing.T) {
	cases := []struct {
		name, line string
		fields     string // the decoded fields, as fieldsText writes them
		err        string // the error of a refused line
	}{
		{"the brief's line", `key=value key2="quoted value" n=12 x=1.5`,
			`key:STRING=["value"] key2:STRING=["quoted value"] n:INTEGER=[12] x:DOUBLE=[1.5]`, ""},
		{"signs and exponents", `a=-3 b=+7 c=2.5e3 d=-.5 e=1e-2 f=1E2 g=10.`,
			`a:INTEGER=[-3] b:INTEGER=[7] c:DOUBLE=[2500] d:DOUBLE=[-0.5] e:DOUBLE=[0.01] f:DOUBLE=[100] g:DOUBLE=[10]`, ""},
		{"the largest exact integers", `p=9007199254740991 n=-9007199254740991`,
			`p:INTEGER=[9007199254740991] n:INTEGER=[-9007199254740991]`, ""},
		{"integers from 2^53 on keep their digits", `a=9007199254740992 b=9007199254740993 c=99999999999999999999`,
			`a:STRING=["9007199254740992"] b:STRING=["9007199254740993"] c:STRING=["99999999999999999999"]`, ""},
		{"not numbers", `v=1.2.3 hex=0x1F nan=nan e=1e x=- d=.`,
			`v:STRING=["1.2.3"] hex:STRING=["0x1F"] nan:STRING=["nan"] e:STRING=["1e"] x:STRING=["-"] d:STRING=["."]`, ""},
		{"quoted values", `q="a \"b\" c\\d\e" n="12" empty="" bare=`,
			`q:STRING=["a \"b\" c\\d\\e"] n:STRING=["12"] empty:STRING=[""] bare:STRING=[""]`, ""},
		{"repeated keys and odd spacing", "\t tag=a  k.e-y_2=1\ttag=b ",
			`tag:STRING=["a"] k.e-y_2:INTEGER=[1] tag:STRING=["b"]`, ""},
		// Found by FuzzKVDecoder: "%d*%.?%d*[eE]" backtracked quadratically
		// on a run of digits and a 2 KB value terminated the decoder.
		{"a long run of digits is no catastrophe", "a=" + strings.Repeat("1", 4000) + "x",
			`a:STRING=["` + strings.Repeat("1", 4000) + `x"]`, ""},
		{"nor a long decimal without its exponent", "a=" + strings.Repeat("2", 2000) + "." + strings.Repeat("3", 2000) + "e",
			`a:STRING=["` + strings.Repeat("2", 2000) + "." + strings.Repeat("3", 2000) + `e"]`, ""},
		{"a token without =", `a=1 oops`, "", `column 5: "oops" is not key=value`},
		{"a key starting with a digit", `9a=1`, "", `column 1: "9a=1" is not key=value`},
		{"no key", `=1`, "", `column 1: "=1" is not key=value`},
		{"an unterminated quote", `a="b \"c\"`, "", `column 3: the quoted value of a has no closing quote`},
		{"a backslash at the end", `a="b\`, "", `column 3: the quoted value of a has no closing quote`},
		{"text after a closing quote", `a="b"c d=1`, "", `column 6: the quoted value of a is followed by "c"`},
		{"an empty line", ``, "", `empty line: no key=value pairs`},
		{"a blank line", " \t ", "", `empty line: no key=value pairs`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := start(t, sandbox.Decoder, "decoders/kv.lua", map[string]any{"type": "kv"})
			in := message.New(1_795_860_000_000_000_000)
			in.Type, in.Hostname, in.Payload = "raw", "web1", tc.line
			status, errMsg, err := s.ProcessMessage(in)
			if err != nil {
				t.Fatalf("sandbox terminated: %v", err)
			}
			out := c.take()
			if tc.err != "" {
				if status != -1 || errMsg != tc.err || len(out) != 0 {
					t.Fatalf("status %d, error %q, %d messages; want -1, %q, none", status, errMsg, len(out), tc.err)
				}
				return
			}
			if status != 0 || len(out) != 1 {
				t.Fatalf("status %d (%q), %d messages; want 0 and one message", status, errMsg, len(out))
			}
			m := out[0]
			if got := fieldsText(m); got != tc.fields {
				t.Errorf("fields\n got %s\nwant %s", got, tc.fields)
			}
			if m.Type != "kv" || m.Payload != tc.line || m.Hostname != "web1" || m.Uuid != in.Uuid || m.Timestamp != in.Timestamp {
				t.Errorf("headers: %s", m.AppendJSON(nil))
			}
		})
	}
}

// TestKVDecoderDefaults: without config the input's Type stays, and
// keep_payload = false drops the line.
func TestKVDecoderDefaults(t *testing.T) {
	s, c := start(t, sandbox.Decoder, "decoders/kv.lua", map[string]any{"keep_payload": false})
	in := message.New(5)
	in.Type, in.Payload = "app", "a=1"
	if status, errMsg, err := s.ProcessMessage(in); status != 0 || err != nil {
		t.Fatalf("status %d %q, error %v", status, errMsg, err)
	}
	out := c.take()
	if len(out) != 1 || out[0].Type != "app" || out[0].Payload != "" || fieldsText(out[0]) != "a:INTEGER=[1]" {
		t.Fatalf("emitted %d messages, the first %s", len(out), out[0].AppendJSON(nil))
	}
}

// statusMessage is a message with the INTEGER field status, or without it
// when status < 0.
func statusMessage(status int64) *message.Message {
	m := message.New(1)
	if status >= 0 {
		m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{status}})
	}
	return m
}

// TestCounterFilter runs filters/counter.lua: counts by a field, reports
// on each tick and starts again.
func TestCounterFilter(t *testing.T) {
	s, c := start(t, sandbox.Filter, "filters/counter.lua", map[string]any{"count_by": "Fields[status]", "max_keys": int64(3)})
	tick := func(ns int64, want string) {
		t.Helper()
		if err := s.TimerEvent(ns, false); err != nil {
			t.Fatal(err)
		}
		out := c.take()
		if len(out) != 1 {
			t.Fatalf("timer_event(%d) emitted %d messages, want 1", ns, len(out))
		}
		m := out[0]
		// The Lua table's order is not the message's: sort the fields.
		slices.SortFunc(m.Fields, func(a, b message.Field) int { return strings.Compare(a.Name, b.Name) })
		if got := fieldsText(m); got != want {
			t.Errorf("timer_event(%d) fields\n got %s\nwant %s", ns, got, want)
		}
		if m.Type != "heka.sandbox.counter" || m.Logger != "counter" || m.Timestamp != ns {
			t.Errorf("timer_event(%d) headers: %s", ns, m.AppendJSON(nil))
		}
	}
	for _, status := range []int64{200, 404, 200, -1, 500, 503, 200, 502} {
		if st, errMsg, err := s.ProcessMessage(statusMessage(status)); st != 0 || err != nil {
			t.Fatalf("status %d %q, error %v", st, errMsg, err)
		}
	}
	// 200, 404 and _missing take the three names; 500, 503 and 502 are
	// _other.
	tick(60e9, `200:INTEGER=[3] 404:INTEGER=[1] _missing:INTEGER=[1] _other:INTEGER=[3]`)
	tick(120e9, ``)
	s.ProcessMessage(statusMessage(502))
	tick(180e9, `502:INTEGER=[1]`)
	if n := len(c.take()); n != 0 {
		t.Errorf("%d messages injected outside timer_event", n)
	}
}

// TestCounterFilterBounds: values without end, and long ones, neither
// exhaust the memory limit nor make a report past the output limit.
func TestCounterFilterBounds(t *testing.T) {
	s, c := start(t, sandbox.Filter, "filters/counter.lua", map[string]any{"count_by": "Payload"})
	m := message.New(1)
	for i := range 2000 {
		m.Payload = fmt.Sprintf("%06d%s", i, strings.Repeat("v", 30000))
		if st, errMsg, err := s.ProcessMessage(m); st != 0 || err != nil {
			t.Fatalf("message %d: status %d %q, error %v", i, st, errMsg, err)
		}
	}
	if err := s.TimerEvent(1, false); err != nil {
		t.Fatal(err)
	}
	out := c.take()
	if len(out) != 1 || len(out[0].Fields) != 101 {
		t.Fatalf("emitted %d messages, want one of 101 fields", len(out))
	}
	report := out[0]
	if other := report.Field("_other", 0); other == nil || other.Integers[0] != 1900 {
		t.Errorf("_other = %+v, want 1900", other)
	}
	if f := report.Fields[0]; len(f.Name) != 64 || !strings.HasPrefix(f.Name, "0000") {
		t.Errorf("a field named %q, want the value's first 64 bytes", f.Name)
	}
	if size := report.Size(); size > 10000 {
		t.Errorf("the report takes %d bytes, want less than 10 KB", size)
	}
}

// TestCounterFilterConfig: without count_by the filter refuses to start,
// and reset = false keeps counting across reports.
func TestCounterFilterConfig(t *testing.T) {
	_, err := sandbox.New(sandbox.Config{Name: "counter", Script: "filters/counter.lua"})
	if err == nil || !strings.Contains(err.Error(), "config count_by") {
		t.Fatalf("New without count_by: %v", err)
	}
	s, c := start(t, sandbox.Filter, "filters/counter.lua", map[string]any{"count_by": "Type", "reset": false})
	m := message.New(1)
	m.Type = "web"
	for range 2 {
		s.ProcessMessage(m)
		if err := s.TimerEvent(1, false); err != nil {
			t.Fatal(err)
		}
	}
	out := c.take()
	if len(out) != 2 || fieldsText(out[0]) != "web:INTEGER=[1]" || fieldsText(out[1]) != "web:INTEGER=[2]" {
		t.Fatalf("reports %d: %v", len(out), out)
	}
}

// TestPreservedCounter runs filters/preserved_counter.lua across two
// restarts with preserve_data, then with a new _PRESERVATION_VERSION.
func TestPreservedCounter(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "preserved_counter.data")
	run := func(script string, payloads []string, want string) {
		t.Helper()
		c := &collector{}
		s, err := sandbox.New(sandbox.Config{Name: "totals", Script: script, PreserveData: true, PreservePath: state, Inject: c.inject})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range payloads {
			m := message.New(1_795_860_000_000_000_000 + int64(i)*1e9)
			m.Payload = p
			if st, errMsg, err := s.ProcessMessage(m); st != 0 || err != nil {
				t.Fatalf("status %d %q, error %v", st, errMsg, err)
			}
		}
		if err := s.TimerEvent(60e9, false); err != nil {
			t.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		out := c.take()
		if len(out) != 1 {
			t.Fatalf("emitted %d messages, want 1", len(out))
		}
		slices.SortFunc(out[0].Fields, func(a, b message.Field) int { return strings.Compare(a.Name, b.Name) })
		if got := fieldsText(out[0]); got != want || out[0].Type != "heka.sandbox.totals" {
			t.Errorf("%s\n got %s\nwant %s", out[0].Type, got, want)
		}
	}
	run("filters/preserved_counter.lua", []string{"abc", "de"},
		`first_seen:INTEGER:ns=[1795860000000000000] messages:INTEGER=[2] payload_bytes:INTEGER:B=[5]`)
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("nothing preserved: %v", err)
	}
	run("filters/preserved_counter.lua", []string{"fghij"},
		`first_seen:INTEGER:ns=[1795860000000000000] messages:INTEGER=[3] payload_bytes:INTEGER:B=[10]`)
	run("filters/preserved_counter.lua", nil,
		`first_seen:INTEGER:ns=[1795860000000000000] messages:INTEGER=[3] payload_bytes:INTEGER:B=[10]`)

	src, err := os.ReadFile("filters/preserved_counter.lua")
	if err != nil {
		t.Fatal(err)
	}
	v2 := bytes.Replace(src, []byte("_PRESERVATION_VERSION = 1"), []byte("_PRESERVATION_VERSION = 2"), 1)
	if bytes.Equal(v2, src) {
		t.Fatal("the script does not set _PRESERVATION_VERSION = 1")
	}
	next := filepath.Join(dir, "preserved_counter_v2.lua")
	if err := os.WriteFile(next, v2, 0o644); err != nil {
		t.Fatal(err)
	}
	run(next, []string{"xy"},
		`first_seen:INTEGER:ns=[1795860000000000000] messages:INTEGER=[1] payload_bytes:INTEGER:B=[2]`)
}
