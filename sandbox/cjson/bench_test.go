package cjson

import (
	"encoding/json"
	"math"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
)

// event is a typical log event of about 1 KB: an nginx access line with its
// parsed fields, in the message JSON form.
const event = `{"Uuid":"7a1f3c2e-9b4d-4e8a-b6f0-2d5c8e1a9f30","Timestamp":"2026-11-28T10:00:00.123456789Z",` +
	`"Type":"nginx.access","Logger":"nginx_decoder","Severity":6,` +
	`"Payload":"203.0.113.9 - - [28/Nov/2026:10:00:00 +0000] \"GET /api/v1/items?page=2&sort=desc HTTP/1.1\" 200 5123 \"https://shop.example.com/list\" \"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\"",` +
	`"EnvVersion":"1.0","Pid":4242,"Hostname":"web-01.eu-west-1.example.com",` +
	`"Fields":{"remote_addr":"203.0.113.9","method":"GET","path":"/api/v1/items","query":"page=2&sort=desc",` +
	`"protocol":"HTTP/1.1","status":200,"body_bytes_sent":5123,"request_time":0.012,"upstream_response_time":0.011,` +
	`"http_referer":"https://shop.example.com/list","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",` +
	`"tags":["web","prod","eu-west-1"],"cache_hit":false,"retries":0,"upstream":"10.0.3.17:8080",` +
	`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","bytes_in":734,"geo":{"country":"NL","city":"Amsterdam"}}}`

// benchState returns an LState with cjson loaded on a budget too large to
// refuse, so that the charging is measured, and the module's function name.
func benchState(b *testing.B, name string) (*lua.LState, lua.LValue) {
	L := lua.NewState()
	b.Cleanup(L.Close)
	L.PreloadModule("cjson", Loader(&budget.Fixed{StepsLeft: math.MaxInt64, BytesLeft: math.MaxInt64}))
	if err := L.DoString(`cjson = require "cjson"`); err != nil {
		b.Fatal(err)
	}
	return L, L.GetField(L.GetGlobal("cjson"), name)
}

// BenchmarkDecode decodes the event with cjson.decode called from Lua, beside
// encoding/json decoding it into a map[string]any.
func BenchmarkDecode(b *testing.B) {
	b.Run("cjson", func(b *testing.B) {
		L, decode := benchState(b, "decode")
		text := lua.LString(event)
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			L.Push(decode)
			L.Push(text)
			L.Call(1, 1)
			L.Pop(1)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		data := []byte(event)
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncode encodes the decoded event with cjson.encode called from
// Lua, beside encoding/json encoding the same event as a map[string]any.
func BenchmarkEncode(b *testing.B) {
	b.Run("cjson", func(b *testing.B) {
		L, encode := benchState(b, "encode")
		L.SetGlobal("input", lua.LString(event))
		if err := L.DoString(`event = cjson.decode(input)`); err != nil {
			b.Fatal(err)
		}
		value := L.GetGlobal("event")
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			L.Push(encode)
			L.Push(value)
			L.Call(1, 1)
			L.Pop(1)
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		var m map[string]any
		if err := json.Unmarshal([]byte(event), &m); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(event)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
