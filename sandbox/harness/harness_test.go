package harness

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"sandpiper/core/message"
)

// TestShippedSpecsPass runs the passing specs the way a package's own test
// would, through TestSpecs.
func TestShippedSpecsPass(t *testing.T) {
	TestSpecs(t, "testdata/counts_test.toml", "testdata/kv_test.toml", "testdata/preserved_test.toml")
}

func load(t *testing.T, path string) *Spec {
	t.Helper()
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFailures checks every way a case fails, with the exact diff lines. A
// want line ending in "..." is a prefix (what follows holds a random Uuid).
func TestFailures(t *testing.T) {
	tests := []struct {
		spec, name string
		want       []string
	}{
		{"fail_test.toml", "wrong field value", []string{"message 1: Fields.s_200: got 1, want 2"}},
		{"fail_test.toml", "wrong headers", []string{
			"message 1: Timestamp: got 1970-01-01T00:01:00Z, want 1970-01-01T00:00:00.000000001Z",
			`message 1: Type: got "heka.sandbox.summary", want "summary"`,
			`message 1: Logger: got "counts", want /^other/`,
			"message 1: Severity: got 7, want 3",
			"message 1: Fields.s_200: missing",
		}},
		{"fail_test.toml", "missing message", []string{"message 2: missing (1 emitted)"}},
		{"fail_test.toml", "unexpected message", []string{`message 2: unexpected (2 emitted, 1 expected): {"Uuid":...`}},
		{"fail_test.toml", "wrong count", []string{"count: got 1 messages, want 2"}},
		{"fail_test.toml", "wrong status", []string{`input 1: status got -1, want 0 (error "no status field")`}},
		{"fail_test.toml", "wrong value_type", []string{"message 1: Fields.s_200: value_type got DOUBLE, want INTEGER"}},
		{"fail_test.toml", "error expected, none came", []string{`error: got none, want "instruction_limit"`}},
		{"fail_test.toml", "other error text", []string{`input 1: error got "no status field", want /^bad line/`}},
		{"loop_test.toml", "the limit is a failure when not expected", []string{"script failed: process_message() instruction_limit exceeded"}},
		{"loop_test.toml", "a filter without timer_event", []string{"timer_event(1): sandbox loop: testdata/loop.lua does not define timer_event"}},
		{"init_test.toml", "the start-up error fails a case", []string{"script failed: sandbox init_error: testdata/init_error.lua: initialization testdata/init_error.lua:2: boom at start"}},
	}
	results := make(map[string]map[string]CaseResult)
	for _, tt := range tests {
		if results[tt.spec] == nil {
			results[tt.spec] = make(map[string]CaseResult)
			for _, r := range load(t, filepath.Join("testdata", tt.spec)).Run(Options{}) {
				results[tt.spec][r.Name] = r
			}
		}
		t.Run(tt.spec+"/"+tt.name, func(t *testing.T) {
			r, ok := results[tt.spec][tt.name]
			if !ok {
				t.Fatalf("no result for the case")
			}
			if r.Passed {
				t.Fatalf("passed, want a failure")
			}
			if !linesMatch(r.Failures, tt.want) {
				t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(r.Failures, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func linesMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if w, ok := strings.CutSuffix(want[i], "..."); ok {
			if !strings.HasPrefix(got[i], w) {
				return false
			}
		} else if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestPassingCasesOfFailingSpecs: a spec's failing cases do not spill into
// the ones after them.
func TestPassingCasesOfFailingSpecs(t *testing.T) {
	for _, tt := range []struct{ spec, name string }{
		{"loop_test.toml", "stopped by the instruction limit"},
		{"loop_test.toml", "the next case starts afresh"},
		{"init_test.toml", "the start-up error is expected"},
	} {
		rs := load(t, filepath.Join("testdata", tt.spec)).Run(Options{Run: regexp.MustCompile("^" + regexp.QuoteMeta(tt.name) + "$")})
		if len(rs) != 1 || !rs[0].Passed {
			t.Errorf("%s: %s: %+v, want one passing result", tt.spec, tt.name, rs)
		}
	}
}

// TestBadSpecs checks that a spec that cannot run is an error naming the
// file and what is wrong in it.
func TestBadSpecs(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"unknown_key_test.toml", []string{"testdata/bad/unknown_key_test.toml:10: ", `unknown key "case.expct" in case 2`}},
		{"missing_script_test.toml", []string{"testdata/bad/missing_script_test.toml: ", "script testdata/bad/nope.lua: no such file"}},
		{"syntax_test.toml", []string{"testdata/bad/syntax_test.toml: ", "testdata/bad/syntax.lua:4:3: syntax error"}},
		{"toml_test.toml", []string{"testdata/bad/toml_test.toml: ", "line 5"}},
		{"expect_key_test.toml", []string{"testdata/bad/expect_key_test.toml: ", `case 1 ("one"): [[case.expect]] 1: unknown key "Typo"`}},
		{"message_key_test.toml", []string{"testdata/bad/message_key_test.toml: ", `[[case.message]] 1: message JSON: unknown key "Paylod"`}},
		{"missing_test.toml", []string{"testdata/bad/missing_test.toml", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.ToSlash(filepath.Join("testdata", "bad", tt.file))
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded, want an error")
			}
			if !strings.HasPrefix(err.Error(), tt.want[0]) || !strings.Contains(err.Error(), tt.want[1]) {
				t.Errorf("error %q, want it to start with %q and contain %q", err, tt.want[0], tt.want[1])
			}
		})
	}
}

// TestSpecErrors checks what parseSpec refuses, each with the place named.
func TestSpecErrors(t *testing.T) {
	const head = "script = \"x.lua\"\ntype = \"filter\"\nticker_interval = 1\n"
	tests := []struct {
		name, src, want string
	}{
		{"no script", "type = \"filter\"\n[[case]]\nname = \"a\"\n", "no script"},
		{"bad type", "script = \"x.lua\"\ntype = \"output\"\n[[case]]\nname = \"a\"\n", `type "output"`},
		{"no type", "script = \"x.lua\"\n[[case]]\nname = \"a\"\n", "no type"},
		{"no case", head, "no [[case]]"},
		{"no name", head + "[[case]]\nlines = [\"a\"]\n", "case 1: no name"},
		{"twice the name", head + "[[case]]\nname = \"a\"\n[[case]]\nname = \"a\"\n", `case 2: name "a" is used twice`},
		{"continue first", head + "[[case]]\nname = \"a\"\ncontinue = true\n", "continue or restart in the first case"},
		{"two sources", head + "[[case]]\nname = \"a\"\nlines = [\"x\"]\n[[case.message]]\nType = \"t\"\n", "give one of messages"},
		{"timer in decoder", "script = \"x.lua\"\ntype = \"decoder\"\n[[case]]\nname = \"a\"\ntimer_events = [1]\n", "only filters have timer_event"},
		{"timer without ticker", "script = \"x.lua\"\ntype = \"filter\"\n[[case]]\nname = \"a\"\ntimer_events = [1]\n", "need a ticker_interval"},
		{"clock backwards", head + "[[case]]\nname = \"a\"\ntimer_events = [2, 1]\n", "1 after 2"},
		{"status above 0", head + "[[case]]\nname = \"a\"\nexpect_status = 1\n", "use expect_error"},
		{"count below expects", head + "[[case]]\nname = \"a\"\nexpect_count = 0\n[[case.expect]]\nType = \"t\"\n", "expect_count 0 with 1"},
		{"bad regex", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nType = \"/(/\"\n", "regex /(/"},
		{"bad error regex", head + "[[case]]\nname = \"a\"\nexpect_error = \"/[/\"\n", "expect_error: regex"},
		{"negative limit", head + "[limits]\nmemory_limit = -1\n[[case]]\nname = \"a\"\n", "limits.memory_limit -1"},
		{"unknown limit", head + "[limits]\nmemory = 1\n[[case]]\nname = \"a\"\n", `spec_test.toml:5: unknown key "limits.memory"`},
		{"unknown top key", head + "scrpt = \"y\"\n[[case]]\nname = \"a\"\n", `spec_test.toml:4: unknown key "scrpt"`},
		{"wrong type", head + "[[case]]\nname = \"a\"\nexpect_count = \"2\"\n", "line 6"},
		{"missing fixture", head + "[[case]]\nname = \"a\"\nmessages = \"none.jsonl\"\n", "none.jsonl"},
		{"missing lines_file", head + "[[case]]\nname = \"a\"\nlines_file = \"none.log\"\n", "lines_file"},
		{"bad fixture line", head + "[[case]]\nname = \"a\"\nmessages = \"bad.jsonl\"\n", `bad.jsonl: line 2: message JSON: unknown key "Typ"`},
		{"bad expected uuid", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nUuid = \"xyz\"\n", `uuid "xyz"`},
		{"bad expected timestamp", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nTimestamp = \"yesterday\"\n", "not an RFC 3339 time"},
		{"bad expected severity", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nSeverity = \"high\"\n", "Severity: want an int32"},
		{"integer field with a float", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { n = { value = 1.5, value_type = \"INTEGER\" } }\n", "Fields.n: 1.5 does not suit value_type INTEGER"},
		{"bad base64", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { b = { value = \"!!\", value_type = \"BYTES\" } }\n", "is not base64"},
		{"unknown field key", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { n = { value = 1, unit = \"ms\" } }\n", `unknown key "unit"`},
		{"array form of numbers", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = [1]\n", "Fields[0]: want a table with name and value"},
		{"string for BYTES wrong", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { b = { value = 1, value_type = \"BYTES\" } }\n", "1 does not suit value_type BYTES"},
		{"bool for STRING", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { b = { value = true, value_type = \"STRING\" } }\n", "true does not suit value_type STRING"},
		{"table as a value", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = { b = [{ x = 1 }] }\n", "want a string, number or boolean, got a table"},
		{"date-time as a header", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nType = 2026-11-28\n", "Type: want a string, got a date-time"},
		{"array form without name", head + "[[case]]\nname = \"a\"\n[[case.expect]]\nFields = [{ value = 1 }]\n", "Fields[0]: want a string name"},
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.jsonl"), []byte("{\"Type\":\"a\"}\n{\"Typ\":\"b\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSpec(filepath.Join(dir, "spec_test.toml"), []byte(tt.src))
			if err == nil {
				t.Fatal("parsed, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "spec_test.toml") {
				t.Errorf("error %q, want it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

// TestInlineMessages checks that an inline message keeps its fields in the
// order written, whether in an inline table or a [case.message.Fields]
// table, and reads like the same message in the JSON form.
func TestInlineMessages(t *testing.T) {
	src := `script = "x.lua"
type = "decoder"
[[case]]
name = "one"
[[case.message]]
Timestamp = 2026-11-28T10:00:00.5Z
Type = "t"
Fields = { z = 1, a = 2.0, m = { value = ["x", "y"], representation = "u" }, b = true, c = { value = "aGk=", value_type = "BYTES" } }
[[case]]
name = "two"
[[case.message]]
Payload = "p"
[case.message.Fields]
y = "s"
x = -3
z = { value = [nan, inf, -inf, 1e300], value_type = "DOUBLE" }
`
	s, err := parseSpec("spec_test.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wants := []string{
		`{"Timestamp":"2026-11-28T10:00:00.5Z","Type":"t","Fields":{"z":1,"a":2.0,"m":{"value":["x","y"],"representation":"u"},"b":true,"c":{"value":"aGk=","value_type":"BYTES"}}}`,
		`{"Payload":"p","Fields":{"y":"s","x":-3,"z":{"value":["NaN","Infinity","-Infinity",1e300],"value_type":"DOUBLE"}}}`,
	}
	for i, want := range wants {
		var w message.Message
		if err := w.UnmarshalJSON([]byte(want)); err != nil {
			t.Fatal(err)
		}
		got := s.Cases[i].inputs[0].msg
		w.Uuid = got.Uuid
		if i == 1 {
			w.Timestamp = got.Timestamp // filled with the time of reading, as a fixture's
		}
		if g, w := string(got.AppendJSON(nil)), string(w.AppendJSON(nil)); g != w {
			t.Errorf("case %d: message\n%s\nwant\n%s", i+1, g, w)
		}
	}
}

// TestConfigValues checks what read_config gets of a spec's [config]:
// sandbox.ConfigValues's conversion, and no table when there is none.
func TestConfigValues(t *testing.T) {
	const head = "script = \"x.lua\"\ntype = \"filter\"\n"
	const cases = "[[case]]\nname = \"c\"\n"
	s, err := parseSpec("spec_test.toml", []byte(head+"[config]\nd = 2026-11-28T10:00:00Z\nt = { u = 1 }\n[[config.tables]]\nv = 2026-11-28T10:00:00.5Z\n"+cases))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"d":      "2026-11-28T10:00:00Z",
		"t":      map[string]any{"u": int64(1)},
		"tables": []any{map[string]any{"v": "2026-11-28T10:00:00.5Z"}},
	}
	if !reflect.DeepEqual(s.Config, want) {
		t.Errorf("Config = %#v, want %#v", s.Config, want)
	}
	s, err = parseSpec("spec_test.toml", []byte(head+cases))
	if err != nil {
		t.Fatal(err)
	}
	if s.Config != nil {
		t.Errorf("no [config] made %#v", s.Config)
	}
}

// TestSubsetMatch checks the comparison of an expectation with an emitted
// message: only what is named, numbers by value, types only when given.
func TestSubsetMatch(t *testing.T) {
	var m message.Message
	if err := m.UnmarshalJSON([]byte(`{"Uuid":"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0","Timestamp":"2026-11-28T10:00:00.5Z","Type":"heka.sandbox.x","Severity":6,"Pid":12,"Hostname":"h",` +
		`"Fields":[{"name":"d","value":2.0},{"name":"i","value":2},{"name":"s","value":"web1"},{"name":"b","value":true},` +
		`{"name":"arr","value":[1,2,3]},{"name":"ms","value":12.5,"representation":"ms"},{"name":"raw","value":"aGk=","value_type":"BYTES"},` +
		`{"name":"tag","value":"a"},{"name":"tag","value":"b"},{"name":"big","value":9007199254740993},` +
		`{"name":"inf","value":["NaN","Infinity","-Infinity"],"value_type":"DOUBLE"}]}`)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, expect string
		want         []string // the diff; nil when it matches
	}{
		{"nothing named", ``, nil},
		{"headers", `Type = "heka.sandbox.x"` + "\n" + `Severity = 6` + "\n" + `Pid = 12` + "\n" + `Hostname = "h"`, nil},
		{"header regex", `Type = "/^heka\\.sandbox\\./"`, nil},
		{"header regex fails", `Type = "/^x/"`, []string{`Type: got "heka.sandbox.x", want /^x/`}},
		{"absent header is empty", `Logger = ""`, nil},
		{"uuid", `Uuid = "0F1E2D3C4B5A49788796A5B4C3D2E1F0"`, nil},
		{"uuid regex", `Uuid = "/^0f1e/"`, nil},
		{"uuid differs", `Uuid = "00000000-0000-4000-8000-000000000000"`, []string{"Uuid: got 0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0, want 00000000-0000-4000-8000-000000000000"}},
		{"timestamp string", `Timestamp = "2026-11-28T11:00:00.5+01:00"`, nil},
		{"timestamp datetime", `Timestamp = 2026-11-28T10:00:00.5Z`, nil},
		{"timestamp ns", `Timestamp = 1795860000500000000`, nil},
		{"timestamp regex", `Timestamp = "/^2026-11-28T10/"`, nil},
		{"timestamp differs", `Timestamp = 1795860000500000001`, []string{"Timestamp: got 2026-11-28T10:00:00.5Z, want 2026-11-28T10:00:00.500000001Z"}},
		{"severity differs", `Severity = 7`, []string{"Severity: got 6, want 7"}},
		{"integer matches double", `Fields = { d = 2 }`, nil},
		{"float matches integer", `Fields = { i = 2.0 }`, nil},
		{"value_type INTEGER refuses double", `Fields = { d = { value = 2, value_type = "INTEGER" } }`, []string{"Fields.d: value_type got DOUBLE, want INTEGER"}},
		{"value_type DOUBLE refuses integer", `Fields = { i = { value = 2, value_type = "DOUBLE" } }`, []string{"Fields.i: value_type got INTEGER, want DOUBLE"}},
		{"value_type alone", `Fields = { i = { value_type = "INTEGER" } }`, nil},
		{"number differs", `Fields = { i = 3 }`, []string{"Fields.i: got 2, want 3"}},
		{"fraction never equals an integer", `Fields = { i = 2.5 }`, []string{"Fields.i: got 2, want 2.5"}},
		{"large integers compare exactly", `Fields = { big = 9007199254740992 }`, []string{"Fields.big: got 9007199254740993, want 9007199254740992"}},
		{"string", `Fields = { s = "web1" }`, nil},
		{"string regex", `Fields = { s = "/^web\\d$/" }`, nil},
		{"string is not a number", `Fields = { i = "2" }`, []string{`Fields.i: got 2, want "2"`}},
		{"bool", `Fields = { b = true }`, nil},
		{"bool differs", `Fields = { b = false }`, []string{"Fields.b: got true, want false"}},
		{"array", `Fields = { arr = [1, 2, 3] }`, nil},
		{"array differs", `Fields = { arr = [1, 2] }`, []string{"Fields.arr: got [1, 2, 3], want [1, 2]"}},
		{"one value is not an array", `Fields = { arr = 1 }`, []string{"Fields.arr: got [1, 2, 3], want 1"}},
		{"representation", `Fields = { ms = { value = 12.5, representation = "ms" } }`, nil},
		{"representation differs", `Fields = { ms = { representation = "s" } }`, []string{`Fields.ms: representation got "ms", want "s"`}},
		{"bytes", `Fields = { raw = { value = "aGk=", value_type = "BYTES" } }`, nil},
		{"bytes differ", `Fields = { raw = { value = "aGk", value_type = "BYTES" } }`, nil},
		{"bytes are not strings", `Fields = { raw = "hi" }`, []string{`Fields.raw: got "aGk=" (BYTES), want "hi"`}},
		{"missing field", `Fields = { nope = 1 }`, []string{"Fields.nope: missing"}},
		{"second instance", `Fields = [{ name = "tag", value = "a" }, { name = "tag", value = "b" }]`, nil},
		{"second instance differs", `Fields = [{ name = "tag", value = "a" }, { name = "tag", value = "c" }]`, []string{`Fields.tag[1]: got "b", want "c"`}},
		{"third instance missing", `Fields = [{ name = "i", value = 2 }, { name = "i", value = 2 }]`, []string{"Fields.i[1]: missing"}},
		{"array form explicit value", `Fields = [{ name = "i", value = { value = 2, value_type = "INTEGER" } }]`, nil},
		{"no fields wanted", `Fields = {}`, []string{"Fields: got d, i, s, b, arr, ms, raw, tag, tag, big, inf, want none"}},
		{"no fields wanted, as an array", `Fields = []`, []string{"Fields: got d, i, s, b, arr, ms, raw, tag, tag, big, inf, want none"}},
		{"NaN and infinities", `Fields = { inf = { value = ["NaN", "Infinity", "-Infinity"], value_type = "DOUBLE" } }`, nil},
		{"TOML's nan and inf", `Fields = { inf = [nan, inf, -inf] }`, nil},
		{"infinities differ", `Fields = { inf = [nan, -inf, inf] }`, []string{"Fields.inf: got [NaN, +Inf, -Inf], want [NaN, -Inf, +Inf]"}},
		{"value_type STRING", `Fields = { s = { value = "web1", value_type = "STRING" } }`, nil},
		{"value_type BOOL", `Fields = { b = { value = [true], value_type = "BOOL" } }`, nil},
		{"value_type differs and values too", `Fields = { b = { value = "x", value_type = "STRING" } }`, []string{"Fields.b: value_type got BOOL, want STRING", `Fields.b: got true, want "x"`}},
		{"several differences", `Type = "y"` + "\n" + `Fields = { s = "x", i = 1 }`, []string{`Type: got "heka.sandbox.x", want "y"`, "Fields.i: got 2, want 1", `Fields.s: got "web1", want "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var table map[string]any
			if _, err := toml.Decode(tt.expect, &table); err != nil {
				t.Fatal(err)
			}
			e, err := parseMessageExpect(table)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.diff(&m); !slices.Equal(got, tt.want) {
				t.Errorf("diff %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunSelectsAndContinues checks that -run reports only the selected
// case, yet runs the cases it continues from first.
func TestRunSelectsAndContinues(t *testing.T) {
	s := load(t, "testdata/counts_test.toml")
	rs := s.Run(Options{Run: regexp.MustCompile("continue")})
	if len(rs) != 1 || rs[0].Name != "continue keeps the counts" || !rs[0].Passed {
		t.Fatalf("results %+v, want the continuing case alone, passing", rs)
	}
	if rs := s.Run(Options{Run: regexp.MustCompile("no such case")}); len(rs) != 0 {
		t.Errorf("%d results for a -run that matches nothing", len(rs))
	}
}

func TestVerboseLogsEmittedMessages(t *testing.T) {
	s := load(t, "testdata/counts_test.toml")
	sel := regexp.MustCompile("^counts a fixture file$")
	quiet := s.Run(Options{Run: sel})
	loud := s.Run(Options{Run: sel, Verbose: true})
	if want := []string{"log: reporting\t3\tmessages"}; !slices.Equal(quiet[0].Log, want) {
		t.Errorf("log %q, want %q", quiet[0].Log, want)
	}
	if len(loud[0].Log) != 3 || !strings.HasPrefix(loud[0].Log[1], `emitted 1: {"Uuid":`) || !strings.Contains(loud[0].Log[1], `"Fields":{"a_200":2.0,"a_404":1.0}`) ||
		!strings.HasPrefix(loud[0].Log[2], "stats: 4 calls, 0 errors, max ") {
		t.Errorf("verbose log %q, want the print line, the emitted message and the statistics", loud[0].Log)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{
		"a_test.toml", "b.toml", "sub/c_test.toml", "sub/deeper/d_test.toml",
		"testdata/e_test.toml", ".hidden/f_test.toml", "_skip/g_test.toml", "sub/c_test.toml.orig",
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			r, err := filepath.Rel(dir, p)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = filepath.ToSlash(r)
		}
		return out
	}
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"folder", []string{dir}, []string{"a_test.toml", "sub/c_test.toml", "sub/deeper/d_test.toml"}},
		{"testdata named", []string{filepath.Join(dir, "testdata")}, []string{"testdata/e_test.toml"}},
		{"file of any name", []string{filepath.Join(dir, "b.toml"), filepath.Join(dir, "sub")}, []string{"b.toml", "sub/c_test.toml", "sub/deeper/d_test.toml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rel(got), tt.want) {
				t.Errorf("Find = %q, want %q", rel(got), tt.want)
			}
		})
	}
	if _, err := Find([]string{filepath.Join(dir, "nope")}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Find of a missing path: %v, want an error naming it", err)
	}
}

func TestWriteJUnit(t *testing.T) {
	files := []FileResult{
		RunFile("testdata/fail_test.toml", Options{Run: regexp.MustCompile("wrong (field value|status)")}),
		RunFile("testdata/kv_test.toml", Options{}),
		RunFile("testdata/bad/syntax_test.toml", Options{}),
	}
	for i, want := range []bool{true, false, true} {
		if files[i].Failed() != want {
			t.Errorf("%s: Failed() = %v, want %v", files[i].Path, !want, want)
		}
	}
	var b bytes.Buffer
	if err := WriteJUnit(&b, files); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v in\n%s", err, b.Bytes())
	}
	if got.Tests != 7 || got.Failures != 2 || got.Errors != 1 || len(got.Suites) != 3 {
		t.Fatalf("tests %d failures %d errors %d suites %d, want 7, 2, 1, 3:\n%s", got.Tests, got.Failures, got.Errors, len(got.Suites), b.Bytes())
	}
	fail := got.Suites[0].Cases[0]
	if fail.Name != "wrong field value" || fail.Classname != "testdata/fail_test.toml" || fail.Failure == nil ||
		fail.Failure.Text != "message 1: Fields.s_200: got 1, want 2" || !strings.Contains(fail.SystemOut, "reporting") {
		t.Errorf("failing case %+v", fail)
	}
	if pass := got.Suites[1].Cases[0]; pass.Failure != nil || pass.Error != nil {
		t.Errorf("passing case %+v", pass)
	}
	if e := got.Suites[2].Cases[0].Error; e == nil || !strings.Contains(e.Text, "syntax.lua:4:3") {
		t.Errorf("spec that did not load: %+v", got.Suites[2].Cases[0])
	}
}
