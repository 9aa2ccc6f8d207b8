package sandbox

import (
	"strings"
	"testing"

	"sandpiper/core/message"
)

// testMessage is the message the API tests read.
func testMessage() *message.Message {
	m := message.New(1_500_000_000_000_000_000)
	m.Uuid, _ = message.ParseUUID("0123456789abcdef0123456789abcdef")
	m.Type, m.Logger, m.Hostname, m.Payload, m.EnvVersion = "web", "nginx", "h1", "GET /", "0.8"
	m.Severity, m.Pid = 6, 99
	m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{200, 404}, Representation: "code"})
	m.AddField(message.Field{Name: "path", Strings: []string{"/a"}})
	m.AddField(message.Field{Name: "path", Strings: []string{"/b", "/c"}})
	m.AddField(message.Field{Name: "ms", Type: message.Double, Doubles: []float64{1.5}})
	m.AddField(message.Field{Name: "ok", Type: message.Bool, Bools: []bool{true}})
	m.AddField(message.Field{Name: "raw", Type: message.Bytes, Bytes: [][]byte{{0, 1}}})
	return m
}

// TestReadAPI runs Lua checks of read_message, read_next_field and
// read_config against testMessage: each body must return 0.
func TestReadAPI(t *testing.T) {
	cases := []struct{ name, body string }{
		{"headers", `
			assert(read_message("Type") == "web" and read_message("Logger") == "nginx")
			assert(read_message("Hostname") == "h1" and read_message("Payload") == "GET /")
			assert(read_message("EnvVersion") == "0.8")
			assert(read_message("Severity") == 6 and read_message("Pid") == 99)
			assert(read_message("Timestamp") == 1.5e18)
			local u = read_message("Uuid")
			assert(#u == 16 and u:byte(1) == 0x01 and u:byte(16) == 0xef)`},
		{"fields", `
			assert(read_message("Fields[status]") == 200)
			assert(read_message("Fields[status]", 0, 1) == 404)
			assert(read_message("Fields[status]", 0, 2) == nil)
			assert(read_message("Fields[path]") == "/a")
			assert(read_message("Fields[path]", 1) == "/b")
			assert(read_message("Fields[path]", 1, 1) == "/c")
			assert(read_message("Fields[path]", 2) == nil)
			assert(read_message("Fields[ms]") == 1.5)
			assert(read_message("Fields[ok]") == true)
			assert(read_message("Fields[raw]") == "\0\1")
			assert(read_message("Fields[missing]") == nil)
			assert(read_message("Nope") == nil)`},
		{"raw", `
			local m = decode_message(read_message("raw"))
			assert(m.Type == "web" and m.Pid == 99 and m.Severity == 6)
			assert(#m.Fields == 6 and m.Fields[1].name == "status" and m.Fields[1].value_type == 2)
			assert(m.Fields[1].value[2] == 404 and m.Fields[1].representation == "code")`},
		{"read_next_field", `
			local vt, name, value, rep, count = read_next_field()
			assert(vt == 2 and name == "status" and value == 200 and rep == "code" and count == 2)
			local n = 1
			while read_next_field() do n = n + 1 end
			assert(n == 6, n)
			assert(read_next_field() == nil)`},
		{"read_config", `
			assert(read_config("s") == "text" and read_config("i") == 3 and read_config("f") == 2.5)
			assert(read_config("b") == false and read_config("missing") == nil)
			local l = read_config("list")
			assert(l[1] == "a" and l[2] == 2)`},
		{"encode_decode", `
			local b = encode_message({Type = "t", Payload = "p", Fields = {n = {value = {1, 2}, value_type = 2}}})
			local m = decode_message(b)
			assert(m.Type == "t" and m.Payload == "p" and m.Fields[1].value[2] == 2 and m.Fields[1].value_type == 2)
			assert(#m.Uuid == 16 and m.Timestamp == 42)
			local framed = encode_message({Type = "t"}, true)
			assert(framed:byte(1) == 0x1e and framed:byte(3 + framed:byte(2)) == 0x1f)
			assert(decode_message(framed:sub(4 + framed:byte(2))).Type == "t")`},
		{"environment", `
			assert(io == nil and debug == nil and coroutine == nil and package == nil)
			assert(load == nil and loadstring == nil and loadfile == nil and dofile == nil)
			assert(collectgarbage == nil and module == nil and string.dump == nil)
			assert(os.execute == nil and os.exit == nil and os.getenv == nil and os.remove == nil)
			assert(type(os.time()) == "number" and type(os.clock()) == "number")
			assert(os.date("!%Y-%m-%d %H:%M:%S", 86400) == "1970-01-02 00:00:00")
			assert(os.date("%H", 3600) == "01")
			assert(os.time({year = 1970, month = 1, day = 2, hour = 0}) == 86400)
			assert(getmetatable("") == false)
			assert(("abc"):upper() == "ABC")
			assert(require("string") == string and require("os") == os)
			assert(not pcall(setmetatable, "", {}))
			local n = 0
			for k, v in pairs({10, 20, x = 1}) do n = n + 1 end
			assert(n == 3 and next({}) == nil and select(2, next({5})) == 5)
			assert(xpcall(function() return 1 end, print) == true)
			local ok, e = xpcall(function() error("x", 0) end, function(m) return "handled " .. m end)
			assert(not ok and e == "handled x")`},
		{"cjson", `
			require "cjson"
			assert(cjson.encode({a = {1, 2}}) == '{"a":[1,2]}')
			assert(cjson.decode('{"n": 3}').n == 3)
			local safe = require "cjson.safe"
			assert(safe.decode("{") == nil)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newSandbox(t, "function process_message()\n"+c.body+"\nreturn 0 end", Config{
				Config: map[string]any{"s": "text", "i": int64(3), "f": 2.5, "b": false, "list": []any{"a", int64(2)}},
			})
			if st, msg, err := s.ProcessMessage(testMessage()); st != 0 || err != nil {
				t.Fatalf("ProcessMessage = %d, %q, %v", st, msg, err)
			}
		})
	}
}

// TestInject checks what filters and decoders inject.
func TestInject(t *testing.T) {
	cases := []struct {
		name  string
		kind  Kind
		body  string
		check func(t *testing.T, in *message.Message, out []*message.Message)
	}{
		{"filter hash form", Filter, `inject_message({Type = "x", Payload = "p", Hostname = "ignored",
				Fields = {b = 1, a = "s", c = true, d = {value = 7, value_type = 2, representation = "ms"}, e = {1.5, 2.5}}})`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				m := out[0]
				if m.Type != "heka.sandbox.x" || m.Logger != "plug" || m.Hostname != "host" || m.Timestamp != 42 {
					t.Errorf("headers: %s", m.AppendJSON(nil))
				}
				want := `"Fields":{"a":"s","b":1.0,"c":true,"d":{"value":7,"value_type":"INTEGER","representation":"ms"},"e":[1.5,2.5]}`
				if got := string(m.AppendJSON(nil)); !strings.Contains(got, want) {
					t.Errorf("got %s, want %s", got, want)
				}
			}},
		{"filter array form", Filter, `inject_message({Fields = {{name = "n", value = 1, value_type = 2},
				{name = "n", value = {"a", "b"}}, {name = "raw", value = "\0", value_type = 1}}})`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				m := out[0]
				if len(m.Fields) != 3 || m.Fields[0].Integers[0] != 1 || m.Fields[1].Strings[1] != "b" ||
					m.Fields[2].Type != message.Bytes || m.Type != "heka.sandbox." {
					t.Errorf("got %s", m.AppendJSON(nil))
				}
			}},
		{"filter payload", Filter, `add_to_payload("a", 1, true) add_to_payload(2.5) inject_payload("json", "stats", "!")`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				m := out[0]
				if m.Type != "heka.sandbox-output" || m.Payload != "a1true2.5!" ||
					m.Field("payload_type", 0).Strings[0] != "json" || m.Field("payload_name", 0).Strings[0] != "stats" {
					t.Errorf("got %s", m.AppendJSON(nil))
				}
			}},
		{"filter bytes", Filter, `inject_message(encode_message({Type = "enc", Pid = 3}))`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				if m := out[0]; m.Type != "heka.sandbox.enc" || m.Pid != 3 {
					t.Errorf("got %s", m.AppendJSON(nil))
				}
			}},
		{"decoder copies headers", Decoder, `inject_message({Payload = "one"}) inject_message({Type = "two", Severity = 1})`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				if len(out) != 2 {
					t.Fatalf("got %d messages", len(out))
				}
				a, b := out[0], out[1]
				if a.Uuid != in.Uuid || a.Timestamp != in.Timestamp || a.Type != "web" || a.Logger != "nginx" ||
					a.Hostname != "h1" || a.Severity != 6 || a.Pid != 99 || a.Payload != "one" || a.EnvVersion != "" {
					t.Errorf("first: %s", a.AppendJSON(nil))
				}
				if b.Type != "two" || b.Severity != 1 || b.Payload != "" {
					t.Errorf("second: %s", b.AppendJSON(nil))
				}
			}},
		{"decoder write_message", Decoder, `
				write_message("Payload", "new")
				write_message("Fields[status]", 500, "", 0, 1)
				write_message("Fields[status]", 1.5)
				write_message("Fields[path]", nil)
				write_message("Fields[added]", "x", "unit")
				write_message("Severity", 2)
				write_message("Uuid", "00000000-0000-0000-0000-000000000001")
				inject_message(read_message("raw"))`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				m := out[0]
				if m.Payload != "new" || m.Severity != 2 || m.Uuid.String() != "00000000-0000-0000-0000-000000000001" {
					t.Errorf("headers: %s", m.AppendJSON(nil))
				}
				if f := m.Field("status", 0); f.Type != message.Double || f.Doubles[0] != 1.5 {
					t.Errorf("status: %+v", f)
				}
				if f := m.Field("path", 0); f == nil || f.Strings[0] != "/b" {
					t.Errorf("path: %+v", f)
				}
				if f := m.Field("added", 0); f == nil || f.Representation != "unit" {
					t.Errorf("added: %+v", f)
				}
			}},
		{"decoder integer kept", Decoder, `write_message("Fields[status]", 500, nil, 0, 1) inject_message(read_message("raw"))`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				if f := out[0].Field("status", 0); f.Type != message.Integer || f.Integers[1] != 500 || f.Integers[0] != 200 {
					t.Errorf("status: %+v", f)
				}
			}},
		{"decoder injects nothing", Decoder, `write_message("Payload", "x")`,
			func(t *testing.T, in *message.Message, out []*message.Message) {
				if len(out) != 0 || in.Payload != "x" {
					t.Errorf("got %d messages, input payload %q", len(out), in.Payload)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, r := newSandbox(t, "function process_message()\n"+c.body+"\nreturn 0 end",
				Config{Name: "plug", Kind: c.kind, Hostname: "host"})
			in := testMessage()
			if st, msg, err := s.ProcessMessage(in); st != 0 || err != nil {
				t.Fatalf("ProcessMessage = %d, %q, %v", st, msg, err)
			}
			if len(r.injected) == 0 && c.name != "decoder injects nothing" {
				t.Fatal("nothing injected")
			}
			c.check(t, in, r.injected)
		})
	}
}

// TestDecoderFailureDropsInjections: Heka's SandboxDecoder discards what a
// failing call injected.
func TestDecoderFailureDropsInjections(t *testing.T) {
	s, r := newSandbox(t, `function process_message() inject_message({}) return -1, "bad line" end`, Config{Kind: Decoder})
	st, msg, err := s.ProcessMessage(testMessage())
	if st != -1 || msg != "bad line" || err != nil || len(r.injected) != 0 {
		t.Fatalf("got %d %q %v and %d messages", st, msg, err, len(r.injected))
	}
	if s.Stats().Errors != 1 {
		t.Errorf("Errors = %d, want 1", s.Stats().Errors)
	}
}

// TestMisuse checks that misuse errors name the function and the argument,
// and that they terminate the sandbox as Heka's runtime errors did.
func TestMisuse(t *testing.T) {
	cases := []struct {
		kind       Kind
		body, want string
	}{
		{Filter, `read_message(1)`, "read_message() argument #1: want a string, got number"},
		{Filter, `read_message("Fields[x]", -1)`, "read_message() argument #2: want a non-negative integer index"},
		{Filter, `read_config({})`, "read_config() argument #1: want a string, got table"},
		{Filter, `inject_message(1)`, "inject_message() argument #1: want a message table or protobuf string, got number"},
		{Filter, `inject_message({Fields = {x = {value = "a", value_type = 2}}})`, "inject_message() argument #1: Fields[x] value #1: a INTEGER value cannot be a string"},
		{Filter, `inject_message({Fields = {x = {1, "a"}}})`, "Fields[x] value #2: a DOUBLE value cannot be a string"},
		{Filter, `inject_message({Uuid = "short"})`, "inject_message() argument #1: Uuid:"},
		{Filter, `inject_message({Timestamp = "x"})`, "inject_message() argument #1: Timestamp: want a number, got string"},
		{Filter, `inject_message("\255\255")`, "inject_message() argument #1:"},
		{Filter, `inject_message({}) inject_message({})`, "inject_message() exceeded the inject quota of process_message()"},
		{Filter, `add_to_payload({})`, "add_to_payload() argument #1: want a string, number or boolean, got table"},
		{Filter, `inject_payload(1)`, "inject_payload() argument #1: want a string, got number"},
		{Filter, `write_message("Payload", "x")`, "write_message() is only available to decoders"},
		{Decoder, `write_message("Bogus", "x")`, `write_message() argument #1: unknown variable "Bogus"`},
		{Decoder, `write_message("Fields[a]", {})`, "write_message() Fields[a]: cannot store a table"},
		{Decoder, `write_message("Fields[a]", 1, nil, 3)`, "write_message() Fields[a]: field index 3"},
		{Filter, `decode_message("\255")`, "decode_message() argument #1:"},
		{Filter, `encode_message(3)`, "encode_message() argument #1: want a message table, got number"},
		{Filter, `require("../etc/passwd")`, `require() module name "../etc/passwd"`},
		{Filter, `require("nosuch")`, `require() "nosuch": no built-in module and no nosuch.lua`},
		{Filter, `error("boom")`, "boom"},
	}
	for _, c := range cases {
		t.Run(c.body, func(t *testing.T) {
			s, _ := newSandbox(t, "function process_message()\ndo\n"+c.body+"\nend\nreturn 0 end", Config{Kind: c.kind})
			_, _, err := s.ProcessMessage(testMessage())
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "process_message() ") {
				t.Fatalf("err = %v, want process_message() ... %q", err, c.want)
			}
			if s.Terminated() == nil {
				t.Error("not terminated")
			}
			if _, _, err2 := s.ProcessMessage(testMessage()); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("next call: %v, want the same error", err2)
			}
		})
	}
}

// TestStatus checks process_message's return values.
func TestStatus(t *testing.T) {
	cases := []struct {
		ret     string
		status  int
		msg     string
		wantErr string
	}{
		{"return 0", 0, "", ""},
		{`return -1, "bad"`, -1, "bad", ""},
		{`return -2`, -2, "", ""},
		{`return 1, "fatal"`, 1, "fatal", "process_message() returned 1: fatal"},
		{`return "x"`, 0, "", "process_message() must return a numeric status, not string"},
		{`return 0, {}`, 0, "", "must return a string or nil as the error message, not table"},
	}
	for _, c := range cases {
		t.Run(c.ret, func(t *testing.T) {
			s, _ := newSandbox(t, "function process_message() "+c.ret+" end", Config{})
			st, msg, err := s.ProcessMessage(testMessage())
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if st != c.status || msg != c.msg || err != nil {
				t.Fatalf("got %d %q %v", st, msg, err)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"x = ", "load"},
		{"y = 1", "does not define the function process_message"},
		{"error('top')", "initialization " + "SCRIPT:1: top"},
		{"while true do end", "initialization instruction_limit exceeded"},
		{"inject_message({})", "initialization SCRIPT:1: inject_message() cannot inject while the script's top level runs"},
	}
	for _, c := range cases {
		script := writeScript(t, c.src)
		_, err := New(Config{Name: "n", Script: script})
		if want := strings.ReplaceAll(c.want, "SCRIPT", script); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", c.src, err, c.want)
		}
	}
	if _, err := New(Config{Name: "n", Script: "testdata/nonexistent.lua"}); err == nil {
		t.Error("missing script: no error")
	}
}

func TestTimerEvent(t *testing.T) {
	s, r := newSandbox(t, `
		function process_message() return 0 end
		function timer_event(ns, shutdown)
			for i = 1, 10 do inject_message({Type = tostring(shutdown), Timestamp = ns}) end
		end`, Config{})
	if err := s.TimerEvent(5, true); err != nil {
		t.Fatal(err)
	}
	if len(r.injected) != 10 || r.injected[9].Type != "heka.sandbox.true" || r.injected[0].Timestamp != 5 {
		t.Fatalf("injected %d", len(r.injected))
	}
	d, _ := newSandbox(t, `function process_message() return 0 end`, Config{Kind: Decoder})
	if err := d.TimerEvent(1, false); err == nil || d.Terminated() != nil {
		t.Errorf("decoder TimerEvent: %v", err)
	}
	f, _ := newSandbox(t, `function process_message() return 0 end`, Config{})
	if err := f.TimerEvent(1, false); err == nil || f.Terminated() != nil {
		t.Errorf("no timer_event: %v", err)
	}
}

func TestRequire(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/util/strings.lua", `local M = {} function M.twice(s) return s .. s end return M`)
	writeFile(t, dir+"/loop.lua", `require "loop"`)
	s, _ := newSandbox(t, `
		local u = require "util.strings"
		assert(require("util.strings") == u)
		function process_message()
			assert(u.twice("ab") == "abab")
			assert(not pcall(require, "loop"))
			return 0
		end`, Config{ModuleDirs: []string{dir}})
	if st, msg, err := s.ProcessMessage(testMessage()); st != 0 || err != nil {
		t.Fatalf("%d %q %v", st, msg, err)
	}
}

func TestPrint(t *testing.T) {
	s, r := newSandbox(t, `function process_message() for i = 1, 200 do print("line", i, nil) end return 0 end`, Config{})
	if _, _, err := s.ProcessMessage(testMessage()); err != nil {
		t.Fatal(err)
	}
	if len(r.log) != printBurst || r.log[0] != "line\t1\tnil" {
		t.Fatalf("logged %d lines, first %q", len(r.log), r.log[0])
	}
}
