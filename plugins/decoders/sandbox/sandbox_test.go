package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
	"sandpiper/lua_modules"
	luasandbox "sandpiper/sandbox"
)

func TestMain(m *testing.M) {
	luasandbox.BuiltinModules = lua_modules.FS
	os.Exit(m.Run())
}

// build builds a SandboxDecoder whose configuration directory is this
// package's testdata.
func build(t *testing.T, options string, check bool) (*Decoder, error) {
	t.Helper()
	env := pipelinetest.Env(t, "dec", "SandboxDecoder")
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	env.ConfigDir = dir
	env.Check = check
	d, err := pipelinetest.Build(env, "SandboxDecoder", options)
	if err != nil {
		return nil, err
	}
	dec := d.(*Decoder)
	if !check {
		t.Cleanup(func() { dec.Close() })
	}
	return dec, nil
}

const splitOptions = `
filename = "split.lua"
module_directory = "modules"
pool_size = 3
[config]
type = "item"
`

func decode(d pipeline.Decoder, payload string) ([]*pipeline.Pack, error) {
	var got []*pipeline.Pack
	err := d.Decode(pipeline.Record{Data: []byte(payload), Signer: "ops"}, &pipeline.Source{Logger: "app.log", Hostname: "h"}, func(p *pipeline.Pack) { got = append(got, p) })
	return got, err
}

func payloads(packs []*pipeline.Pack) string {
	var s []string
	for _, p := range packs {
		pos := "?"
		if f := p.Message.Field("pos", 0); f != nil && len(f.Doubles) == 1 {
			pos = fmt.Sprint(f.Doubles[0]) // a Lua number is a DOUBLE
		}
		s = append(s, p.Message.Payload+":"+pos)
	}
	return strings.Join(s, ",")
}

func TestDecode(t *testing.T) {
	d, err := build(t, splitOptions, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Workers() != 3 {
		t.Errorf("Workers = %d, want 3", d.Workers())
	}
	tests := []struct {
		payload string
		want    string
		err     string
	}{
		{" a , b,c ", "a:1,b:2,c:3", ""},
		{"bad", "", "decode: bad line"},
		{"x,y", "x:1,y:2", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		got, err := decode(d, tt.payload)
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) || pipeline.IsFatal(err) {
			t.Errorf("%q: error %v, want %q", tt.payload, err, tt.err)
		}
		if payloads(got) != tt.want {
			t.Errorf("%q: got %s, want %s", tt.payload, payloads(got), tt.want)
		}
		for _, p := range got {
			m := p.Message
			if m.Type != "item" || m.Logger != "app.log" || m.Hostname != "h" || p.Signer != "ops" || p.Raw != nil {
				t.Errorf("%q: message %s, signer %q", tt.payload, m.AppendJSON(nil), p.Signer)
			}
		}
	}
	report := map[string]any{}
	d.Report(func(k string, v any) { report[k] = v })
	if report["calls"] != int64(4) || report["errors"] != int64(1) || report["injected"] != int64(5) {
		t.Errorf("report %v", report)
	}
}

// The shipped decoders/kv.lua, found among the built-in modules.
func TestShippedScript(t *testing.T) {
	d, err := build(t, "filename = \"decoders/kv.lua\"\n[config]\ntype = \"kv\"", false)
	if err != nil {
		t.Fatal(err)
	}
	in := &pipelinetest.Input{Decoder: d}
	if err := in.NewStream(pipeline.Source{}).ReadFrom(t.Context(), strings.NewReader("a=1 b=\"x y\"\nnot kv\nc=2.5\n"), nil); err != nil {
		t.Fatal(err)
	}
	packs := in.Packs()
	if len(packs) != 2 || len(in.Errors()) != 1 {
		t.Fatalf("%d messages, errors %v; want 2 and 1", len(packs), in.Errors())
	}
	m := packs[0].Message
	if f := m.Field("a", 0); m.Type != "kv" || f == nil || f.Integers[0] != 1 || m.Field("b", 0).Strings[0] != "x y" {
		t.Errorf("first message %s", m.AppendJSON(nil))
	}
	if f := packs[1].Message.Field("c", 0); f == nil || f.Doubles[0] != 2.5 {
		t.Errorf("second message %s", packs[1].Message.AppendJSON(nil))
	}
}

func TestTerminated(t *testing.T) {
	d, err := build(t, splitOptions+"\n", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(d, "loop"); !pipeline.IsFatal(err) || !strings.Contains(err.Error(), "instruction_limit") {
		t.Fatalf("error %v, want a fatal instruction_limit error", err)
	}
	if got, err := decode(d, "a"); !pipeline.IsFatal(err) || len(got) != 0 {
		t.Errorf("after termination: %d messages, error %v; want a fatal error", len(got), err)
	}
	report := map[string]any{}
	d.Report(func(k string, v any) { report[k] = v })
	if s, _ := report["terminated"].(string); !strings.Contains(s, "instruction_limit") {
		t.Errorf("report %v names no termination", report)
	}
}

// Many goroutines decode at once; each call gets its own messages, in order.
func TestConcurrent(t *testing.T) {
	d, err := build(t, splitOptions, false)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				in := fmt.Sprintf("g%d-%d,a,b,c,d", g, i)
				got, err := decode(d, in)
				want := fmt.Sprintf("g%d-%d:1,a:2,b:3,c:4,d:5", g, i)
				if err != nil || payloads(got) != want {
					errs <- fmt.Errorf("%s: got %s, %v", in, payloads(got), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct{ options, want string }{
		{``, `dec: filename: required`},
		{`filename = "nope.lua"`, `dec: filename "nope.lua": `},
		{`filename = "broken.lua"`, `dec: `},
		{`filename = "modules"`, `dec: filename "modules": `},
		{"filename = \"split.lua\"\nmodule_directory = \"nodir\"", `dec: module_directory "nodir": stat `},
		{"filename = \"split.lua\"\nmemory_limit = -1", `dec: memory_limit -1: must not be negative`},
		{"filename = \"split.lua\"\npool_size = -2", `dec: pool_size -2: must not be negative`},
	}
	for _, tt := range tests {
		for _, check := range []bool{false, true} {
			_, err := build(t, tt.options, check)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("%q (check %v): error %v, want %s…", tt.options, check, err, tt.want)
			}
		}
	}
}

// sandpiper check builds one sandbox and stops it.
func TestCheck(t *testing.T) {
	d, err := build(t, splitOptions, true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Workers() != 1 {
		t.Errorf("Workers = %d in check mode, want 1", d.Workers())
	}
	if _, err := decode(d, "a"); err == nil {
		t.Error("a checked decoder still decodes")
	}
}
