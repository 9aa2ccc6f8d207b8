package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"sandpiper/core/message"
	"sandpiper/sandbox"
)

// Spec is one loaded spec file: the script under test, how to configure
// it, and its cases.
type Spec struct {
	Path           string         // the spec file, as given to Load
	Script         string         // the script's path: the spec's script joined to the spec file's folder
	Kind           sandbox.Kind   // filter or decoder
	TickerInterval int64          // seconds; timer_events need it > 0, as Heka calls timer_event only then
	PreserveData   bool           // preserve_data: restart cases restore the globals the last stop saved
	Limits         sandbox.Limits // zero fields take Heka's defaults
	Config         map[string]any // what read_config returns
	Cases          []*Case
}

// Case is one case of a spec.
type Case struct {
	Name string

	inputs       []input
	timerEvents  []int64
	expectCount  int // -1: not checked on its own
	expectStatus int
	expectError  *textMatch
	expects      []*messageExpect
	cont         bool // continue: same sandbox as the previous case
	restart      bool // stop the previous case's sandbox and start it again
}

// input is one message for process_message: a message decoded from the
// spec, or a raw line that becomes the Payload of a message made at run
// time, stamped by the fake clock.
type input struct {
	msg  *message.Message
	line string
	raw  bool
}

// The file layout of a spec; free-form tables (config, case.message,
// case.expect) stay generic and are checked by their own decoders.
type specFile struct {
	Script         string         `toml:"script"`
	Type           string         `toml:"type"`
	TickerInterval int64          `toml:"ticker_interval"`
	PreserveData   bool           `toml:"preserve_data"`
	Limits         limitsFile     `toml:"limits"`
	Config         map[string]any `toml:"config"`
	Case           []caseFile     `toml:"case"`
}

type limitsFile struct {
	Memory       int64 `toml:"memory_limit"`
	Instructions int64 `toml:"instruction_limit"`
	Output       int64 `toml:"output_limit"`
}

type caseFile struct {
	Name         string           `toml:"name"`
	Messages     string           `toml:"messages"`
	Message      []map[string]any `toml:"message"`
	Lines        []string         `toml:"lines"`
	LinesFile    string           `toml:"lines_file"`
	TimerEvents  []int64          `toml:"timer_events"`
	ExpectCount  *int             `toml:"expect_count"`
	ExpectStatus *int             `toml:"expect_status"`
	ExpectError  *string          `toml:"expect_error"`
	Expect       []map[string]any `toml:"expect"`
	Continue     bool             `toml:"continue"`
	Restart      bool             `toml:"restart"`
}

// Load reads and checks the spec file at path: its keys (an unknown key is
// an error naming it and, where it can be found, its line), its fixtures,
// its expectations, and that the script exists and compiles. Every error
// starts with path.
func Load(path string) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, pathError(err)
	}
	s, err := parseSpec(path, src)
	if err != nil {
		return nil, err
	}
	if err := checkScript(s.Script); err != nil {
		return nil, fmt.Errorf("%s: script %s", path, err)
	}
	return s, nil
}

// pathError words a file error as "path: what failed", without the
// operation, which reads oddly after the spec's own prefix.
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// checkScript compiles the script without running it, so that a syntax
// error is reported once, for the spec, with its line.
func checkScript(name string) error {
	src, err := os.ReadFile(name)
	if err != nil {
		return pathError(err)
	}
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		var pe *parse.Error
		if errors.As(err, &pe) {
			if pe.Pos.Line == parse.EOF {
				return fmt.Errorf("%s: at the end: %s", name, pe.Message)
			}
			return fmt.Errorf("%s:%d:%d: %s near %q", name, pe.Pos.Line, pe.Pos.Column, pe.Message, pe.Token)
		}
		return fmt.Errorf("%s: %v", name, err)
	}
	if _, err := lua.Compile(chunk, name); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// parseSpec decodes and checks the spec in src; fixture files and the
// script are found relative to path's folder.
func parseSpec(path string, src []byte) (*Spec, error) {
	var f specFile
	md, err := toml.Decode(string(src), &f)
	if err != nil {
		// toml's errors carry the line: "toml: line 3 (last key ...)".
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "toml: "))
	}
	order, err := keyOrder(path, src, md)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	s := &Spec{
		Path:           path,
		TickerInterval: f.TickerInterval,
		PreserveData:   f.PreserveData,
		Limits:         sandbox.Limits{Memory: f.Limits.Memory, Instructions: f.Limits.Instructions, Output: f.Limits.Output},
	}
	fail := func(format string, a ...any) (*Spec, error) {
		return nil, fmt.Errorf("%s: "+format, append([]any{path}, a...)...)
	}
	if s.Config, err = sandbox.ConfigValues(f.Config); err != nil {
		return fail("%v", err)
	}
	if f.Script == "" {
		return fail("no script (want script = \"NAME.lua\", relative to the spec)")
	}
	s.Script = filepath.Join(dir, filepath.FromSlash(f.Script))
	switch f.Type {
	case "filter":
		s.Kind = sandbox.Filter
	case "decoder":
		s.Kind = sandbox.Decoder
	case "":
		return fail("no type (want type = \"filter\" or \"decoder\")")
	default:
		return fail("type %q: want \"filter\" or \"decoder\"", f.Type)
	}
	if f.TickerInterval < 0 {
		return fail("ticker_interval %d: want 0 or more seconds", f.TickerInterval)
	}
	for _, l := range []struct {
		name string
		v    int64
	}{{"memory_limit", f.Limits.Memory}, {"instruction_limit", f.Limits.Instructions}, {"output_limit", f.Limits.Output}} {
		if l.v < 0 {
			return fail("limits.%s %d: want more than 0 (or leave it out for Heka's default)", l.name, l.v)
		}
	}
	if len(f.Case) == 0 {
		return fail("no [[case]]")
	}
	names := make(map[string]bool)
	for i := range f.Case {
		c, err := s.parseCase(dir, i, &f.Case[i], order)
		if err != nil {
			if f.Case[i].Name != "" {
				return fail("case %d (%q): %v", i+1, f.Case[i].Name, err)
			}
			return fail("case %d: %v", i+1, err)
		}
		if names[c.Name] {
			return fail("case %d: name %q is used twice", i+1, c.Name)
		}
		names[c.Name] = true
		s.Cases = append(s.Cases, c)
	}
	return s, nil
}

func (s *Spec) parseCase(dir string, i int, cf *caseFile, order map[string][]string) (*Case, error) {
	c := &Case{Name: cf.Name, timerEvents: cf.TimerEvents, expectCount: -1, cont: cf.Continue || cf.Restart, restart: cf.Restart}
	if c.Name == "" {
		return nil, errors.New("no name")
	}
	if c.cont && i == 0 {
		return nil, errors.New("continue or restart in the first case: there is no case before it")
	}
	sources := 0
	for _, given := range []bool{cf.Messages != "", len(cf.Message) > 0, len(cf.Lines) > 0, cf.LinesFile != ""} {
		if given {
			sources++
		}
	}
	if sources > 1 {
		return nil, errors.New("give one of messages, [[case.message]], lines and lines_file")
	}
	switch {
	case cf.Messages != "":
		msgs, err := readMessages(filepath.Join(dir, filepath.FromSlash(cf.Messages)))
		if err != nil {
			return nil, fmt.Errorf("messages: %v", err)
		}
		for _, m := range msgs {
			c.inputs = append(c.inputs, input{msg: m})
		}
	case len(cf.Message) > 0:
		for j, table := range cf.Message {
			js := appendJSON(nil, table, instancePath(i, "message", j), order)
			m := new(message.Message)
			if err := m.UnmarshalJSON(js); err != nil {
				return nil, fmt.Errorf("[[case.message]] %d: %v", j+1, err)
			}
			c.inputs = append(c.inputs, input{msg: m})
		}
	case cf.LinesFile != "":
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(cf.LinesFile)))
		if err != nil {
			return nil, fmt.Errorf("lines_file: %v", pathError(err))
		}
		text := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
		for _, l := range strings.Split(text, "\n") {
			c.inputs = append(c.inputs, input{line: l, raw: true})
		}
	default:
		for _, l := range cf.Lines {
			c.inputs = append(c.inputs, input{line: l, raw: true})
		}
	}
	if len(c.timerEvents) > 0 {
		switch {
		case s.Kind != sandbox.Filter:
			return nil, errors.New("timer_events: only filters have timer_event")
		case s.TickerInterval == 0:
			return nil, errors.New("timer_events need a ticker_interval: Heka calls timer_event only for a filter with one")
		}
		for j := 1; j < len(c.timerEvents); j++ {
			if c.timerEvents[j] < c.timerEvents[j-1] {
				return nil, fmt.Errorf("timer_events: %d after %d: the clock only goes forward", c.timerEvents[j], c.timerEvents[j-1])
			}
		}
	}
	if cf.ExpectStatus != nil {
		c.expectStatus = *cf.ExpectStatus
		if c.expectStatus > 0 {
			return nil, fmt.Errorf("expect_status %d: a status above 0 terminates the script; use expect_error", c.expectStatus)
		}
	}
	if cf.ExpectError != nil {
		tm, err := parseText(*cf.ExpectError)
		if err != nil {
			return nil, fmt.Errorf("expect_error: %v", err)
		}
		c.expectError = &tm
	}
	for j, table := range cf.Expect {
		e, err := parseMessageExpect(table)
		if err != nil {
			return nil, fmt.Errorf("[[case.expect]] %d: %v", j+1, err)
		}
		c.expects = append(c.expects, e)
	}
	if cf.ExpectCount != nil {
		c.expectCount = *cf.ExpectCount
		if c.expectCount < len(c.expects) {
			return nil, fmt.Errorf("expect_count %d with %d [[case.expect]]: want at least as many messages as are described", c.expectCount, len(c.expects))
		}
	}
	return c, nil
}

// readMessages reads a file of JSON lines, reporting the first bad line.
func readMessages(path string) ([]*message.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(err)
	}
	defer f.Close()
	r := message.NewJSONReader(f, 0)
	var msgs []*message.Message
	for {
		m := new(message.Message)
		err := r.Next(m)
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		msgs = append(msgs, m)
	}
}

// pathSep joins the parts of a key path inside keyOrder's map: a byte that
// no sensible key holds.
const pathSep = "\x1f"

// instancePath names the j-th table of the array name in case i, as
// keyOrder does.
func instancePath(i int, name string, j int) string {
	return "case[" + strconv.Itoa(i) + "]" + pathSep + name + "[" + strconv.Itoa(j) + "]"
}

// keyOrder returns, for every table of the document, its keys in the order
// written, so that the fields of an inline message keep their order; a
// table's path is its keys joined by pathSep, with "[i]" after each array of
// tables. It also reports the keys the spec does not know, with their line.
func keyOrder(path string, src []byte, md toml.MetaData) (map[string][]string, error) {
	undecoded := make(map[string]bool)
	for _, k := range md.Undecoded() {
		if !freeForm(k) {
			undecoded[k.String()] = true
		}
	}
	order := make(map[string][]string)
	current := make(map[string]int) // array of tables → index of its last element
	resolve := func(k toml.Key) string {
		var b strings.Builder
		for i, part := range k {
			if i > 0 {
				b.WriteString(pathSep)
			}
			b.WriteString(part)
			if md.Type(k[:i+1]...) == "ArrayHash" {
				b.WriteString("[" + strconv.Itoa(current[b.String()]) + "]")
			}
		}
		return b.String()
	}
	var errs []error
	seen := make(map[string]int) // key → occurrences so far, to find its line
	for _, k := range md.Keys() {
		parent := resolve(k[:len(k)-1])
		last := k[len(k)-1]
		name := k.String()
		seen[name]++
		if undecoded[name] {
			where := ""
			if k[0] == "case" && len(k) > 1 {
				where = fmt.Sprintf(" in case %d", current["case"]+1)
			}
			line := keyLine(src, last, seen[name])
			if line > 0 {
				errs = append(errs, fmt.Errorf("%s:%d: unknown key %q%s", path, line, name, where))
			} else {
				errs = append(errs, fmt.Errorf("%s: unknown key %q%s", path, name, where))
			}
		}
		if md.Type(k...) == "ArrayHash" {
			self := parent
			if self != "" {
				self += pathSep
			}
			self += last
			n, ok := current[self]
			if !ok {
				n = -1
				order[parent] = append(order[parent], last)
			}
			current[self] = n + 1
			continue
		}
		order[parent] = append(order[parent], last)
	}
	return order, errors.Join(errs...)
}

// freeForm reports whether k lies inside a table whose keys are not the
// spec's own: [config], and the messages and expectations, which their own
// decoders check.
func freeForm(k toml.Key) bool {
	switch {
	case len(k) >= 2 && k[0] == "config":
		return true
	case len(k) >= 3 && k[0] == "case" && (k[1] == "message" || k[1] == "expect"):
		return true
	}
	return false
}

// keyLine returns the line of the n-th line of src that assigns the key
// (bare or quoted), or 0. toml reports no position for a key it decoded
// without complaint, so an unknown key's line is found by reading.
func keyLine(src []byte, key string, n int) int {
	re := regexp.MustCompile(`^\s*(?:[A-Za-z0-9_.-]*\.)?(?:` + regexp.QuoteMeta(key) + `|"` + regexp.QuoteMeta(key) + `"|'` + regexp.QuoteMeta(key) + `')\s*=`)
	for i, l := range bytes.Split(src, []byte("\n")) {
		if re.Match(l) {
			if n--; n == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// appendJSONArray appends xs as a JSON array, each element by appendJSON.
func appendJSONArray[T any](b []byte, xs []T, path string, order map[string][]string) []byte {
	b = append(b, '[')
	for i, e := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, e, path+"["+strconv.Itoa(i)+"]", order)
	}
	return append(b, ']')
}

// appendJSON appends v, a value decoded from TOML, in JSON, so that a
// message written as a TOML table goes through message.UnmarshalJSON like
// any fixture. path names v in order, which gives each table's key order.
func appendJSON(b []byte, v any, path string, order map[string][]string) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, `"NaN"`...)
		case math.IsInf(x, 1):
			return append(b, `"Infinity"`...)
		case math.IsInf(x, -1):
			return append(b, `"-Infinity"`...)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0" // a DOUBLE stays a DOUBLE in the JSON form
		}
		return append(b, s...)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return appendJSONString(b, x.Format(time.RFC3339Nano))
	case []any:
		return appendJSONArray(b, x, path, order)
	case []map[string]any:
		return appendJSONArray(b, x, path, order)
	case map[string]any:
		b = append(b, '{')
		for i, k := range orderedKeys(x, order[path]) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k], path+pathSep+k, order)
		}
		return append(b, '}')
	}
	// toml decodes into no other type; a value of one would read as a
	// string the message decoder then refuses where it wants another type.
	return appendJSONString(b, fmt.Sprint(v))
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	js, _ := json.Marshal(s) // a string always marshals
	return append(b, js...)
}

// orderedKeys returns m's keys in the order written where known, the rest
// (inside inline arrays, which toml does not list) sorted after them.
func orderedKeys(m map[string]any, written []string) []string {
	keys := make([]string, 0, len(m))
	done := make(map[string]bool, len(m))
	for _, k := range written {
		if _, ok := m[k]; ok && !done[k] {
			keys = append(keys, k)
			done[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}
