package cjson

import (
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// newState returns an LState with cjson and cjson.safe preloaded on b, and a
// global `ud` holding a userdata that is not cjson.null.
func newState(t testing.TB, b budget.Budget) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	L.PreloadModule("cjson", Loader(b))
	L.PreloadModule("cjson.safe", SafeLoader(b))
	L.SetGlobal("ud", L.NewUserData())
	return L
}

// run runs script after `local cjson = require "cjson"`, with the global
// `input` set to input, and returns what it returns shown by show and joined
// by ", ", or "error: " and the message of the error it raised.
func run(L *lua.LState, input, script string) string {
	L.SetGlobal("input", lua.LString(input))
	top := L.GetTop()
	if err := L.DoString("local cjson = require 'cjson'\n" + script); err != nil {
		L.SetTop(top)
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			return "error: " + ae.Object.String()
		}
		return "error: " + err.Error()
	}
	var out []string
	for i := top + 1; i <= L.GetTop(); i++ {
		out = append(out, show(L, L.Get(i)))
	}
	L.SetTop(top)
	return strings.Join(out, ", ")
}

// show renders a Lua value deterministically: numbers in full, strings
// quoted, tables with their keys sorted (numbers first), cjson.null as null.
func show(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		return showNumber(float64(v))
	case lua.LString:
		return strconv.Quote(string(v))
	case *lua.LTable:
		type entry struct {
			k lua.LValue
			s string
		}
		var entries []entry
		v.ForEach(func(k, val lua.LValue) {
			entries = append(entries, entry{k, "[" + show(L, k) + "]=" + show(L, val)})
		})
		sort.Slice(entries, func(i, j int) bool {
			a, aNum := entries[i].k.(lua.LNumber)
			b, bNum := entries[j].k.(lua.LNumber)
			switch {
			case aNum && bNum:
				return a < b
			case aNum != bNum:
				return aNum
			}
			return entries[i].s < entries[j].s
		})
		parts := make([]string, len(entries))
		for i, e := range entries {
			parts[i] = e.s
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	if IsNull(L, v) {
		return "null"
	}
	return v.String()
}

func showNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"string", `"test string"`, `"test string"`},
		{"exponent", `-5e3`, `-5000`},
		{"null", `null`, `null`},
		{"true", `true`, `true`},
		{"false", `false`, `false`},
		{"object", `{ "1": "one", "3": "three" }`, `{["1"]="one",["3"]="three"}`},
		{"array with null", `[ "one", null, "three" ]`, `{[1]="one",[2]=null,[3]="three"}`},
		{"nested", `{"a":{"b":[1,{"c":null}]}}`, `{["a"]={["b"]={[1]=1,[2]={["c"]=null}}}}`},
		{"empty object", `{}`, `{}`},
		{"empty array", `[ ]`, `{}`},
		{"repeated key keeps the last", `{"a":1,"a":2}`, `{["a"]=2}`},
		{"whitespace", "\t\n\r [ 1 ] \n", `{[1]=1}`},
		{"numbers", `[ 0.0, -1, 0.3e-3, 1023.2, 1E+2, -0 ]`, `{[1]=0,[2]=-1,[3]=0.0003,[4]=1023.2,[5]=100,[6]=-0}`},
		{"2^53 exact", `9007199254740992`, `9.007199254740992e+15`},
		{"2^53+1 to nearest", `9007199254740993`, `9.007199254740992e+15`},
		{"20 digits to nearest", `12345678901234567890`, `1.2345678901234567e+19`},
		{"overflow", `[1e400, -1e400, 1e-400]`, `{[1]=inf,[2]=-inf,[3]=0}`},
		{"leading zeros", `00123`, `123`},
		{"leading zero fraction", `05.2`, `5.2`},
		{"zero exponent", `0e10`, `0`},
		{"hex", `0x6`, `6`},
		{"negative hex", `-0x1F`, `-31`},
		{"hex float", `0x1.8p1`, `3`},
		{"trailing point", `1.`, `1`},
		{"leading point after sign", `-.5`, `-0.5`},
		{"inf", `[ +Inf, Inf, -Inf ]`, `{[1]=inf,[2]=inf,[3]=-inf}`},
		{"infinity", `[ +Infinity, Infinity, -Infinity ]`, `{[1]=inf,[2]=inf,[3]=-inf}`},
		{"nan", `[ +NaN, NaN, -NaN, nan(x1) ]`, `{[1]=nan,[2]=nan,[3]=nan,[4]=nan}`},
		{"plus sign", `+1`, `1`},
		{"nan tag of 64 bytes", "nan(" + strings.Repeat("a", 62) + ")", `nan`},
		{"nan tag longer than 64 bytes", "nan(" + strings.Repeat("a", 63) + ")", `error: Expected the end but found invalid token at character 4`},
		{"escapes", `"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"`, strconv.Quote("é😀/\b\f\n\r\t\"\\")},
		{"high bits of a BMP escape", `"\uF800"`, strconv.Quote("\uf800")},
		{"escaped NUL", `"a\u0000b"`, strconv.Quote("a\x00b")},
		{"raw control and invalid UTF-8", "\"\x01\xff\x7f\"", strconv.Quote("\x01\xff\x7f")},
		{"NUL ends the text", "[1]\x00garbage", `{[1]=1}`},

		{"infrared", `Infrared`, `error: Expected the end but found invalid token at character 4`},
		{"noodle", `Noodle`, `error: Expected value but found invalid token at character 1`},
		{"empty", ``, `error: Expected value but found T_END at character 1`},
		{"unexpected eof", `{ "unexpected eof": `, `error: Expected value but found T_END at character 21`},
		{"extra data", `{ "extra data": true }, false`, `error: Expected the end but found T_COMMA at character 23`},
		{"two values", `true false`, `error: Expected the end but found T_BOOLEAN at character 6`},
		{"bad escape", ` { "bad escape \q code" } `, `error: Expected object key string but found invalid escape code at character 16`},
		{"bad unicode", ` { "bad unicode \u0f6 escape" } `, `error: Expected object key string but found invalid unicode escape code at character 17`},
		{"bareword", ` [ "bad barewood", test ] `, `error: Expected value but found invalid token at character 20`},
		{"sign then sign", `[ -+12 ]`, `error: Expected value but found invalid number at character 3`},
		{"minus alone", `-`, `error: Expected value but found invalid number at character 1`},
		{"minus letter", `-v`, `error: Expected value but found invalid number at character 1`},
		{"bad exponent", `[ 0.4eg10 ]`, `error: Expected comma or array end but found invalid token at character 6`},
		{"bare exponent", `1e`, `error: Expected the end but found invalid token at character 2`},
		{"hex without digits", `0x`, `error: Expected the end but found invalid token at character 2`},
		{"hex exponent without digits", `0x1p`, `error: Expected the end but found invalid token at character 4`},
		{"leading point", `.5`, `error: Expected value but found invalid token at character 1`},
		{"form feed is no space", "\f1", `error: Expected value but found invalid token at character 1`},
		{"nul", `nul`, `error: Expected value but found invalid token at character 1`},
		{"missing colon", `{"a" 1}`, `error: Expected colon but found T_NUMBER at character 6`},
		{"number key", `{1:2}`, `error: Expected object key string but found T_NUMBER at character 2`},
		{"missing comma", `[1 2]`, `error: Expected comma or array end but found T_NUMBER at character 4`},
		{"missing object comma", `{"a":1 "b":2}`, `error: Expected comma or object end but found T_STRING at character 8`},
		{"trailing comma", `[1,]`, `error: Expected value but found T_ARR_END at character 4`},
		{"trailing object comma", `{"a":1,}`, `error: Expected object key string but found T_OBJ_END at character 8`},
		{"unterminated string", `"abc`, `error: Expected value but found unexpected end of string at character 5`},
		{"NUL in a string", "\"a\x00b\"", `error: Expected value but found unexpected end of string at character 3`},
		{"backslash at the end", `"a\`, `error: Expected value but found invalid escape code at character 3`},
		{"inverted surrogates", `"\uDB00\uD800"`, `error: Expected value but found invalid unicode escape code at character 2`},
		{"two high surrogates", `"\uDB00\uDB00"`, `error: Expected value but found invalid unicode escape code at character 2`},
		{"high surrogate alone", `"\uDB00\"`, `error: Expected value but found invalid unicode escape code at character 2`},
		{"short low surrogate", `"\uDB00\uD"`, `error: Expected value but found invalid unicode escape code at character 2`},
		{"low surrogate alone", `"x\uDC00"`, `error: Expected value but found invalid unicode escape code at character 3`},
		{"UTF-16", "\x00\"\x00\"", `error: JSON parser does not support UTF-16 or UTF-32`},
		{"UTF-16 LE", "\"\x00\"\x00", `error: JSON parser does not support UTF-16 or UTF-32`},
		{"too deep", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), `error: Found too many nested data structures (1001) at character 1001`},
		{"deep enough", strings.Repeat("[", 1000) + strings.Repeat("]", 1000), strings.Repeat("{", 999) + "{}" + strings.Repeat("}", 999)},
	}
	L := newState(t, budget.Unlimited)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(L, c.json, "return cjson.decode(input)")
			if c.name == "deep enough" {
				got = strings.ReplaceAll(got, "[1]=", "")
			}
			if got != c.want {
				t.Errorf("decode(%q)\n got %s\nwant %s", c.json, got, c.want)
			}
		})
	}
}

// nest is a Lua function making n empty tables, each inside the previous.
const nest = `local function nest(n)
	local t = {}
	for i = 2, n do t = {a = t} end
	return t
end
`

func TestEncode(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"null", `cjson.null`, `null`},
		{"nil", `nil`, `null`},
		{"true", `true`, `true`},
		{"false", `false`, `false`},
		{"empty table", `{}`, `{}`},
		{"integer", `10`, `10`},
		{"negative zero", `0/-1`, `-0`},
		{"fraction", `1.5`, `1.5`},
		{"tenth", `0.1`, `0.1`},
		{"third", `1/3`, `0.33333333333333`},
		{"small", `1e-5`, `1e-05`},
		{"negative small", `-1.5e-7`, `-1.5e-07`},
		{"large", `1e300`, `1e+300`},
		{"14 digits", `3.14159265358979`, `3.1415926535898`},
		{"integer beyond 14 digits", `1e15`, `1000000000000000`},
		{"2^53", `2^53`, `9007199254740992`},
		{"beyond 2^53", `2^53 + 2`, `9.007199254741e+15`},
		{"millisecond timestamp", `1795860000123`, `1795860000123`},
		{"NaN", `0/0`, `error: Cannot serialise number: must not be NaN or Inf`},
		{"Inf", `1/0`, `error: Cannot serialise number: must not be NaN or Inf`},
		{"string", `"hello"`, `"hello"`},
		{"escapes", `"\0\1\8\9\10\11\12\13\31 \"\\/\127"`, `"\u0000\u0001\b\t\n\u000b\f\r\u001f \"\\\/\u007f"`},
		{"UTF-8 and invalid UTF-8 as they are", `"é\255\128"`, "\"é\xff\x80\""},
		{"array", `{1, 2, 3}`, `[1,2,3]`},
		{"hole", `{1, nil, 3}`, `[1,null,3]`},
		{"nested", `{a = {1, {b = cjson.null}}}`, `{"a":[1,{"b":null}]}`},
		{"sparse within ratio", `{[3] = "x"}`, `[null,null,"x"]`},
		{"excessively sparse", `{[1] = "one", [11] = "x"}`, `error: Cannot serialise table: excessively sparse array`},
		{"mixed keys", `{1, 2, a = "b"}`, `{"1":1,"2":2,"a":"b"}`},
		{"insertion order", `{b = 1, a = 2}`, `{"b":1,"a":2}`},
		{"fraction key", `{[1.5] = "x"}`, `{"1.5":"x"}`},
		{"zero key", `{[0] = "z"}`, `{"0":"z"}`},
		{"negative key", `{[-1] = "n"}`, `{"-1":"n"}`},
		{"huge integer key", `{[2^40] = "h"}`, `{"1099511627776":"h"}`},
		{"numeric string key", `{["2"] = "numeric string key test"}`, `{"2":"numeric string key test"}`},
		{"infinite key", `{[1/0] = 1}`, `error: Cannot serialise number: must not be NaN or Inf`},
		{"boolean key", `{[false] = "wrong"}`, `error: Cannot serialise boolean: table key must be a number or string`},
		{"table key", `{[{}] = 1}`, `error: Cannot serialise table: table key must be a number or string`},
		{"function", `function() end`, `error: Cannot serialise function: type not supported`},
		{"function in a table", `{f = print}`, `error: Cannot serialise function: type not supported`},
		{"thread", `coroutine.create(function() end)`, `error: Cannot serialise thread: type not supported`},
		{"userdata", `ud`, `error: Cannot serialise userdata: type not supported`},
		{"cycle", `(function() local t = {} t[1] = t return t end)()`, `error: Cannot serialise, excessive nesting (1001)`},
		{"1000 deep", `nest(1000)`, strings.Repeat(`{"a":`, 999) + "{}" + strings.Repeat("}", 999)},
		{"1001 deep", `nest(1001)`, `error: Cannot serialise, excessive nesting (1001)`},
	}
	L := newState(t, budget.Unlimited)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(L, "", nest+"return cjson.encode("+c.value+")")
			if got != strconv.Quote(strings.TrimPrefix(c.want, "error: ")) && !(strings.HasPrefix(c.want, "error: ") && got == c.want) {
				t.Errorf("encode(%s)\n got %s\nwant %s", c.value, got, c.want)
			}
		})
	}
}

func TestDecodeEncodeRoundTrip(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"event", `{"Type":"nginx","Fields":{"status":200,"path":"\/a\/b","tags":["x","y"],"ok":true,"gone":null}}`, ""},
		{"escapes", `["\u0001\b\f\n\r\t\"\\\/\u007f"]`, ""},
		{"unicode escapes come back as UTF-8", `"\u00e9\ud83d\ude00"`, `"é😀"`},
		{"empty array becomes an object", `[]`, `{}`},
		{"numbers", `[1.5,-0,1e+300,0.1,9007199254740992]`, ""},
		{"whitespace goes", ` { "a" : [ 1 , 2 ] } `, `{"a":[1,2]}`},
		{"exponent of an integer goes", `[1e3,1.0,-2E2]`, `[1000,1,-200]`},
		{"beyond 14 digits rounds", `0.12345678901234567`, `0.12345678901235`},
		{"integer beyond 2^53 rounds", `12345678901234567890`, `1.2345678901235e+19`},
	}
	L := newState(t, budget.Unlimited)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.want
			if want == "" {
				want = c.json
			}
			got := run(L, c.json, "return cjson.encode(cjson.decode(input))")
			if got != strconv.Quote(want) {
				t.Errorf("encode(decode(%s))\n got %s\nwant %q", c.json, got, want)
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cases := []struct {
		name, value string
	}{
		{"scalars", `{s = "x", n = 12, f = 1.25, t = true, z = false, null = cjson.null}`},
		{"array of tables", `{{a = 1}, {b = {2, 3}}, {}}`},
		{"bytes", `{s = "\0\1\31\127\128\255/\\\""}`},
		{"big integers", `{2^53, -2^53, 1e15 + 1, 2^31}`},
	}
	L := newState(t, budget.Unlimited)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(L, "", "local v = "+c.value+"\nreturn v, cjson.decode(cjson.encode(v))")
			v, back, ok := strings.Cut(got, ", ")
			if !ok || v != back {
				t.Errorf("decode(encode(%s))\n got %s\nwant %s", c.value, back, v)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	cases := []struct {
		name, script, want string
	}{
		{"defaults", `local convert, ratio, safe = cjson.encode_sparse_array()
			return convert, ratio, safe, cjson.encode_max_depth(), cjson.decode_max_depth(),
			cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(),
			cjson.decode_invalid_numbers()`, `false, 2, 10, 1000, 1000, 14, true, false, true`},
		{"module fields", `return cjson._NAME, cjson._VERSION, type(cjson.null)`, `"cjson", "2.1.0", "userdata"`},
		{"sparse settings returned", `return cjson.encode_sparse_array(true, 3)`, `true, 3, 10`},
		{"sparse convert", `cjson.encode_sparse_array(true)
			return cjson.encode({[1] = "one", [11] = "x"})`, `"{\"1\":\"one\",\"11\":\"x\"}"`},
		{"sparse ratio 2 safe 3", `cjson.encode_sparse_array(true, 2, 3)
			return cjson.encode({[3] = "sparse test"}), cjson.encode({[1] = "one", [4] = "sparse test"}),
				cjson.encode({[1] = "one", [5] = "sparse test"})`,
			`"[null,null,\"sparse test\"]", "[\"one\",null,null,\"sparse test\"]", "{\"1\":\"one\",\"5\":\"sparse test\"}"`},
		{"sparse ratio 0 allows any", `cjson.encode_sparse_array(false, 0)
			return cjson.encode({[11] = "data"})`, `"[null,null,null,null,null,null,null,null,null,null,\"data\"]"`},
		{"encode max depth", `cjson.encode_max_depth(5)
			local nested5 = {{{{{"nested"}}}}}
			return cjson.encode(nested5), select(2, pcall(cjson.encode, {nested5}))`,
			`"[[[[[\"nested\"]]]]]", "Cannot serialise, excessive nesting (6)"`},
		{"encode max depth beyond the hard limit", `cjson.encode_max_depth(2^31 - 1)
			local t = {} t[1] = t
			return cjson.encode(t)`, `error: Cannot serialise, excessive nesting (10001)`},
		{"decode max depth", `cjson.decode_max_depth(2)
			return cjson.encode(cjson.decode("[[1]]")), select(2, pcall(cjson.decode, '[{"a":[1]}]'))`,
			`"[[1]]", "Found too many nested data structures (3) at character 7"`},
		{"decode max depth beyond the hard limit", `cjson.decode_max_depth(2^31 - 1)
			return cjson.decode(string.rep("[", 20000))`, `error: Found too many nested data structures (10001) at character 10001`},
		{"precision", `cjson.encode_number_precision(3)
			return cjson.encode({3.14159, 1234.5, 1234})`, `"[3.14,1.23e+03,1234]"`},
		{"precision range", `return cjson.encode_number_precision(15)`, `error: <string>:2: bad argument #1 to encode_number_precision (expected integer between 1 and 14)`},
		{"max depth range", `return cjson.encode_max_depth(0)`, `error: <string>:2: bad argument #1 to encode_max_depth (expected integer between 1 and 2147483647)`},
		{"max depth is no NaN", `return cjson.encode_max_depth(0/0)`, `error: <string>:2: bad argument #1 to encode_max_depth (expected integer between 1 and 2147483647)`},
		{"settings take numeric strings", `return cjson.encode_max_depth("7")`, `7`},
		{"too many arguments", `return cjson.decode_max_depth(1, 2)`, `error: <string>:2: bad argument #2 to decode_max_depth (found too many arguments)`},
		{"keep buffer", `return cjson.encode_keep_buffer(false), cjson.encode({1}), cjson.encode_keep_buffer("on"), cjson.encode({2})`,
			`false, "[1]", true, "[2]"`},
		{"bad option", `return cjson.encode_keep_buffer("maybe")`, `error: <string>:2: bad argument #1 to encode_keep_buffer (invalid option 'maybe')`},
		{"invalid numbers on", `return cjson.encode_invalid_numbers(true), cjson.encode({0/0, (1/0), -(1/0), [4] = 1})`,
			`true, "[nan,inf,-inf,1]"`},
		{"invalid numbers as null", `return cjson.encode_invalid_numbers("null"), cjson.encode({0/0, (1/0)})`,
			`"null", "[null,null]"`},
		{"invalid number key", `cjson.encode_invalid_numbers("on")
			return cjson.encode({[-(1/0)] = 1})`, `"{\"-inf\":1}"`},
		{"strict decode", `cjson.decode_invalid_numbers(false)
			local out = {}
			for _, s in ipairs({"0x6", "01", "-01", "+1", "Inf", "-Inf", "NaN", "1.5", "-0", "0", "1.", "-"}) do
				local ok, v = pcall(cjson.decode, s)
				out[#out + 1] = ok and cjson.encode(v) or v
			end
			return unpack(out)`,
			`"Expected value but found invalid number at character 1", "Expected value but found invalid number at character 1", ` +
				`"Expected value but found invalid number at character 1", "Expected value but found invalid token at character 1", ` +
				`"Expected value but found invalid token at character 1", "Expected value but found invalid number at character 1", ` +
				`"Expected value but found invalid token at character 1", "1.5", "-0", "0", "1", "Expected value but found invalid number at character 1"`},
		{"new is independent", `local c2 = cjson.new()
			c2.encode_max_depth(3)
			return cjson.encode_max_depth(), c2.encode_max_depth(), c2.null == cjson.null, c2.new().encode_max_depth()`,
			`1000, 3, true, 1000`},
		{"null is one value", `return cjson.decode("null") == cjson.null, cjson.decode("[null]")[1] == cjson.null,
			cjson.decode('{"a":null}').a == cjson.decode("null")`, `true, true, true`},
		{"decode takes a number", `return cjson.decode(123)`, `123`},
		{"decode takes no table", `return cjson.decode({})`, `error: <string>:2: bad argument #1 to decode (string expected, got table)`},
		{"decode needs its argument", `return cjson.decode()`, `error: <string>:2: bad argument #1 to decode (expected 1 argument)`},
		{"encode needs its argument", `return cjson.encode()`, `error: <string>:2: bad argument #1 to encode (expected 1 argument)`},
		{"errors have no position", `return select(2, pcall(cjson.decode, "x"))`, `"Expected value but found invalid token at character 1"`},
		{"safe returns the error", `local safe = require "cjson.safe"
			local v, err = safe.decode("[")
			local v2, err2 = safe.encode(print)
			return v, err, v2, err2, safe.decode("[1]")[1], safe.null == cjson.null`,
			`nil, "Expected value but found T_END at character 2", nil, "Cannot serialise function: type not supported", 1, true`},
		{"safe new is safe", `return require("cjson.safe").new().decode("}")`, `nil, "Expected value but found T_OBJ_END at character 1"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			L := newState(t, budget.Unlimited)
			if got := run(L, "", c.script); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestNullPerState checks that each LState has its own cjson.null, so that a
// script that sets a metatable on it changes no other sandbox's.
func TestNullPerState(t *testing.T) {
	a, b := newState(t, budget.Unlimited), newState(t, budget.Unlimited)
	if got := run(a, "", `setmetatable(cjson.null, {__index = function() return "leak" end})
		return cjson.null.x, cjson.decode("null") == cjson.null`); got != `"leak", true` {
		t.Fatalf("setting a metatable on cjson.null: got %s", got)
	}
	if got := run(b, "", `return getmetatable(cjson.null), cjson.null.x`); !strings.HasPrefix(got, "error: ") {
		t.Errorf("the other state's cjson.null: got %s, want an error for indexing a userdata", got)
	}
	if !IsNull(a, Null(a)) || IsNull(a, Null(b)) || IsNull(b, Null(a)) {
		t.Errorf("IsNull(a, Null(a)) = %v, IsNull(a, Null(b)) = %v, IsNull(b, Null(a)) = %v, want true, false, false",
			IsNull(a, Null(a)), IsNull(a, Null(b)), IsNull(b, Null(a)))
	}
}
