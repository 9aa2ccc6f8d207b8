package all

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"sandpiper/core/pipeline"
)

var update = flag.Bool("update", false, "rewrite the plugin reference of docs/configuration.md")

// marker ends the hand-written part of docs/configuration.md; what follows
// it is generated from the registrations by this test.
const marker = "<!-- plugin reference: generated from the plugins' declarations by go test ./plugins/all -update; do not edit below -->"

// option is one option a plugin's configuration struct declares.
type option struct {
	name, kind, def, doc string
}

// options lists the options of a configuration struct from its toml and
// doc tags, with the defaults it holds as made by Config.
func options(cfg any) []option {
	return fields(reflect.ValueOf(cfg).Elem())
}

// fields lists the options of struct v: its tagged fields and, in their
// place, those of the structs it embeds untagged, whose keys TOML reads as
// v's own.
func fields(v reflect.Value) []option {
	var out []option
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch {
		case name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct:
			out = append(out, fields(v.Field(i))...)
		case name != "" && name != "-":
			out = append(out, option{name: name, kind: kindOf(f.Type), def: defaultOf(v.Field(i)), doc: f.Tag.Get("doc")})
		}
	}
	return out
}

func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Slice, reflect.Array:
		return "list of " + kindOf(t.Elem())
	case reflect.Pointer:
		return kindOf(t.Elem())
	default:
		return "table"
	}
}

func defaultOf(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return "—"
		}
		return fmt.Sprintf("%q", v.String())
	case reflect.Slice, reflect.Map, reflect.Pointer:
		if v.IsNil() || v.Len() == 0 {
			return "—"
		}
		return fmt.Sprintf("`%v`", v.Interface())
	case reflect.Struct:
		return "—"
	default:
		return fmt.Sprint(v.Interface())
	}
}

// folder returns the plugin's folder relative to the repository root, from
// the package of its configuration type.
func folder(cfg any) string {
	return strings.TrimPrefix(reflect.TypeOf(cfg).Elem().PkgPath(), "sandpiper/")
}

func reference() string {
	var b strings.Builder
	b.WriteString("\n## Plugin reference\n\nEvery plugin type, by kind, with its own options (the options every plugin of a kind takes are above). Each plugin's README, linked, says more and gives an example.\n")
	kind := pipeline.Kind(-1)
	for _, r := range pipeline.Registered() {
		if r.Kind != kind {
			kind = r.Kind
			fmt.Fprintf(&b, "\n### %ss\n", strings.ToUpper(kind.String()[:1])+kind.String()[1:])
		}
		cfg := r.Config()
		fmt.Fprintf(&b, "\n#### %s\n\n%s ([README](../%s/README.md))\n", r.Type, r.Summary, folder(cfg))
		var defaults []string
		for _, d := range []struct{ what, typ string }{{"splitter", r.DefaultSplitter}, {"decoder", r.DefaultDecoder}, {"encoder", r.DefaultEncoder}} {
			if d.typ != "" {
				defaults = append(defaults, fmt.Sprintf("%s `%s`", d.what, d.typ))
			}
		}
		switch {
		case r.Kind == pipeline.KindOutput && r.OwnFraming:
			defaults = append(defaults, "Heka's stream framing always (written by the output itself)")
		case r.Kind == pipeline.KindOutput:
			defaults = append(defaults, fmt.Sprintf("use_framing `%v`", r.DefaultFraming))
		}
		if len(defaults) > 0 {
			fmt.Fprintf(&b, "\nDefaults: %s.\n", strings.Join(defaults, ", "))
		}
		opts := options(cfg)
		if len(opts) == 0 {
			b.WriteString("\nNo options of its own.\n")
			continue
		}
		b.WriteString("\n| option | type | default | meaning |\n|---|---|---|---|\n")
		for _, o := range opts {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.name, o.kind, o.def, strings.ReplaceAll(o.doc, "|", "\\|"))
		}
	}
	return b.String()
}

func TestConfigurationReference(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("%s lacks the marker line %s", path, marker)
	}
	want := head + marker + "\n" + reference()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Fatalf("%s's plugin reference is out of date with the plugins' declarations: run go test ./plugins/all -update", path)
	}
}

// TestEveryOptionDocumented checks each registered plugin: a summary, a doc
// tag on every option, and a README in its folder that names every option.
func TestEveryOptionDocumented(t *testing.T) {
	regs := pipeline.Registered()
	if len(regs) < 20 {
		t.Fatalf("only %d plugin types registered", len(regs))
	}
	var types []string
	for _, r := range regs {
		types = append(types, r.Type)
		cfg := r.Config()
		if r.Summary == "" {
			t.Errorf("%s has no Summary", r.Type)
		}
		readme, err := os.ReadFile(filepath.Join("..", "..", folder(cfg), "README.md"))
		if err != nil {
			t.Errorf("%s: %v", r.Type, err)
			continue
		}
		for _, o := range options(cfg) {
			if o.doc == "" {
				t.Errorf("%s: option %s has no doc tag", r.Type, o.name)
			}
			if !strings.Contains(string(readme), "`"+o.name+"`") && !strings.Contains(string(readme), "."+o.name+"]`") {
				t.Errorf("%s: its README does not name the option `%s`", r.Type, o.name)
			}
		}
	}
	sort.Strings(types)
	for _, want := range []string{"LogstreamerInput", "StdinInput", "TcpInput", "UdpInput", "TokenSplitter", "RegexSplitter",
		"HekaFramingSplitter", "NullSplitter", "ProtobufDecoder", "SandboxDecoder", "JsonDecoder", "PayloadRegexDecoder",
		"SandboxFilter", "CounterFilter", "ProtobufEncoder", "PayloadEncoder", "JsonEncoder", "TextEncoder",
		"FileOutput", "TcpOutput", "LogOutput"} {
		if i := sort.SearchStrings(types, want); i == len(types) || types[i] != want {
			t.Errorf("plugin type %s is not registered", want)
		}
	}
}
