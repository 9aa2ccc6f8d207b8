package cjson

import (
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// FuzzDecode checks that decode never panics, that its errors are
// lua-cjson's, and that what it decodes survives encode and decode again:
// the same values (numbers to encode's 14 digits) and, from the second
// encode on, the same text.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"Type":"nginx","Fields":{"status":200,"path":"\/a","tags":["x"],"ok":true,"gone":null}}`,
		`[1.5e300,-0,0x1F,Infinity,-nan,1e400,0.1,12345678901234567890]`,
		`"\u00e9\ud83d\ude00\b\f\n\r\t\"\\\/\u0000"`,
		`{"a":{"a":{"a":[[[]]]}},"a":1}`,
		"\"\x01\xff\"",
		`[ 0.4eg10 ]`,
		`{ "unexpected eof": `,
	} {
		f.Add(s)
	}
	L := lua.NewState()
	f.Cleanup(L.Close)
	null := Null(L)
	cfg := newConfig()
	// NaN and ±Inf decode by default; encoding them back needs this.
	cfg.encodeInvalid = invalidOn
	f.Fuzz(func(t *testing.T, text string) {
		v1, err := decode(L, cfg, budget.Unlimited, null, text)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "Expected ") && !strings.HasPrefix(msg, "Found too many nested data structures") &&
				msg != "JSON parser does not support UTF-16 or UTF-32" {
				t.Fatalf("decode(%q): error %q is none of lua-cjson's", text, msg)
			}
			return
		}
		e1, err := encode(cfg, budget.Unlimited, null, v1)
		if err != nil {
			t.Fatalf("decode(%q) = %s: encode: %v", text, dump14(L, v1), err)
		}
		v2, err := decode(L, cfg, budget.Unlimited, null, e1)
		if err != nil {
			t.Fatalf("decode(%q): encode gave %q, which decode refuses: %v", text, e1, err)
		}
		if d1, d2 := dump14(L, v1), dump14(L, v2); d1 != d2 {
			t.Fatalf("decode(%q) = %s\nbut decode(encode of it) = %s\nencode gave %q", text, d1, d2, e1)
		}
		e2, err := encode(cfg, budget.Unlimited, null, v2)
		if err != nil {
			t.Fatalf("encode(decode(%q)): %v", e1, err)
		}
		v3, err := decode(L, cfg, budget.Unlimited, null, e2)
		if err != nil {
			t.Fatalf("decode(%q): %v", e2, err)
		}
		if e3, err := encode(cfg, budget.Unlimited, null, v3); err != nil || e3 != e2 {
			t.Fatalf("encode is not stable: %q then %q (%v)", e2, e3, err)
		}
	})
}

// dump14 is show with numbers to 14 significant digits, the precision that
// encode writes.
func dump14(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LNumber:
		return strconv.FormatFloat(float64(v), 'g', 14, 64)
	case *lua.LTable:
		var parts []string
		for k, val := v.Next(lua.LNil); k != lua.LNil; k, val = v.Next(k) {
			parts = append(parts, dump14(L, k)+"="+dump14(L, val))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return show(L, v)
}
