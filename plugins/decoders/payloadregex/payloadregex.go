// Package payloadregex is the PayloadRegexDecoder: a regular expression
// with named groups parses each record, and a template of headers and
// fields makes the message from what it captured.
package payloadregex

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "PayloadRegexDecoder",
		Kind:    pipeline.KindDecoder,
		Summary: "parses records with a regular expression into headers and fields",
		Config: func() any {
			return &config{TimestampLayout: time.RFC3339Nano, TimestampLocation: "UTC", LogErrors: true}
		},
		New: newPayloadRegexDecoder,
	})
}

type config struct {
	MatchRegex        string            `toml:"match_regex" doc:"The regular expression (Go RE2 syntax) each record must match; its named groups (?P<name>...) are the captures."`
	MessageFields     map[string]string `toml:"message_fields" doc:"Headers and fields to set, by name (name|unit gives a field a representation), to templates where %name% is a capture."`
	SeverityMap       map[string]int32  `toml:"severity_map" doc:"Severity numbers by the text a Severity capture holds."`
	TimestampLayout   string            `toml:"timestamp_layout" doc:"The layout, in Go's reference time, of a Timestamp capture."`
	TimestampLocation string            `toml:"timestamp_location" doc:"The time zone (IANA name) of timestamps whose layout has none."`
	LogErrors         bool              `toml:"log_errors" doc:"A record that does not match fails (true) or is dropped and only counted (false)."`
}

// Decoder is the PayloadRegexDecoder. It is safe for concurrent use.
type Decoder struct {
	re        *regexp.Regexp
	targets   []target
	timestamp int // the submatch index of a Timestamp capture, 0 for none
	severity  int // the submatch index of a Severity capture, 0 for none
	sevMap    map[string]int32
	layout    string
	loc       *time.Location
	noYear    bool // layout has no year: the current one is taken
	noDate    bool // layout has no date either: today's is taken
	logErrors bool

	unmatched atomic.Int64
}

// target is one entry of message_fields: a header, or a field with its
// representation, and the template of its value.
type target struct {
	key    string // as configured, for errors
	header string // the header set, "" for a field
	field  string
	repr   string
	tmpl   []part
}

// part is a piece of a template: literal text, a capture (by submatch
// index) or a header of the record's message.
type part struct {
	lit     string
	capture int
	header  string
}

// headers are the names message_fields sets as headers rather than fields.
var headers = map[string]bool{"Type": true, "Logger": true, "Hostname": true, "Payload": true, "EnvVersion": true, "Pid": true, "Severity": true, "Uuid": true, "Timestamp": true}

// inputHeaders are the headers of the record's message a template may
// name when no capture has the name.
var inputHeaders = map[string]bool{"Type": true, "Logger": true, "Hostname": true, "Payload": true}

var variable = regexp.MustCompile(`%(\w+)%`)

func newPayloadRegexDecoder(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	if cfg.MatchRegex == "" {
		return nil, fmt.Errorf("%s: match_regex: required", env.Name)
	}
	re, err := regexp.Compile(cfg.MatchRegex)
	if err != nil {
		return nil, fmt.Errorf("%s: match_regex %q: %w", env.Name, cfg.MatchRegex, err)
	}
	loc, err := time.LoadLocation(cfg.TimestampLocation)
	if err != nil {
		return nil, fmt.Errorf("%s: timestamp_location %q: %w", env.Name, cfg.TimestampLocation, err)
	}
	d := &Decoder{re: re, sevMap: cfg.SeverityMap, layout: cfg.TimestampLayout, loc: loc, logErrors: cfg.LogErrors}
	d.timestamp = max(re.SubexpIndex("Timestamp"), 0)
	d.severity = max(re.SubexpIndex("Severity"), 0)
	if d.timestamp > 0 && cfg.TimestampLayout == "" {
		return nil, fmt.Errorf("%s: timestamp_layout: required to read the Timestamp capture", env.Name)
	}
	d.noYear, d.noDate = layoutLacks(cfg.TimestampLayout)
	keys := make([]string, 0, len(cfg.MessageFields))
	for k := range cfg.MessageFields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t, err := compile(re, k, cfg.MessageFields[k])
		if err != nil {
			return nil, fmt.Errorf("%s: message_fields %s = %q: %w", env.Name, k, cfg.MessageFields[k], err)
		}
		d.targets = append(d.targets, t)
	}
	return d, nil
}

// compile parses the message_fields entry key = value.
func compile(re *regexp.Regexp, key, value string) (target, error) {
	t := target{key: key}
	name, repr, hasRepr := strings.Cut(key, "|")
	if name == "" {
		return t, errors.New("no name")
	}
	if headers[name] && !hasRepr {
		t.header = name
	} else {
		t.field, t.repr = name, repr
	}
	last := 0
	for _, m := range variable.FindAllStringSubmatchIndex(value, -1) {
		if m[0] > last {
			t.tmpl = append(t.tmpl, part{lit: value[last:m[0]]})
		}
		v := value[m[2]:m[3]]
		switch i := re.SubexpIndex(v); {
		case i > 0:
			t.tmpl = append(t.tmpl, part{capture: i})
		case inputHeaders[v]:
			t.tmpl = append(t.tmpl, part{header: v})
		default:
			return t, fmt.Errorf("%%%s%% is neither a capture of match_regex nor Type, Logger, Hostname or Payload", v)
		}
		last = m[1]
	}
	if last < len(value) {
		t.tmpl = append(t.tmpl, part{lit: value[last:]})
	}
	return t, nil
}

// Decode matches the record and makes its message: the record's message
// (pipeline.NewPayloadMessage) with the Timestamp and Severity captures
// applied, then every message_fields entry in the order of their names.
func (d *Decoder) Decode(rec pipeline.Record, src *pipeline.Source, emit func(*pipeline.Pack)) error {
	m := pipeline.NewPayloadMessage(rec, src, time.Now().UnixNano())
	payload := m.Payload
	loc := d.re.FindStringSubmatchIndex(payload)
	if loc == nil {
		if !d.logErrors {
			d.unmatched.Add(1)
			return nil
		}
		return fmt.Errorf("match_regex does not match %q", abbreviate(payload))
	}
	capture := func(i int) string {
		if loc[2*i] < 0 {
			return ""
		}
		return payload[loc[2*i]:loc[2*i+1]]
	}
	// A Timestamp or Severity group that took no part in the match
	// leaves the header as it is.
	if d.timestamp > 0 && loc[2*d.timestamp] >= 0 {
		if err := d.setTimestamp(m, capture(d.timestamp)); err != nil {
			return err
		}
	}
	if d.severity > 0 && loc[2*d.severity] >= 0 {
		if err := d.setSeverity(m, capture(d.severity)); err != nil {
			return err
		}
	}
	var sb strings.Builder
	for _, t := range d.targets {
		sb.Reset()
		for _, p := range t.tmpl {
			switch {
			case p.capture > 0:
				sb.WriteString(capture(p.capture))
			case p.header != "":
				sb.WriteString(inputHeader(p.header, src, payload))
			default:
				sb.WriteString(p.lit)
			}
		}
		if err := d.set(m, t, sb.String()); err != nil {
			return fmt.Errorf("message_fields %s: %w", t.key, err)
		}
	}
	emit(&pipeline.Pack{Message: m, Signer: rec.Signer})
	return nil
}

// inputHeader returns the header name of the record's message.
func inputHeader(name string, src *pipeline.Source, payload string) string {
	switch name {
	case "Type":
		return src.Type
	case "Logger":
		return src.Logger
	case "Hostname":
		return src.Hostname
	}
	return payload
}

// set applies one message_fields entry with its value.
func (d *Decoder) set(m *message.Message, t target, v string) error {
	switch t.header {
	case "":
		m.AddField(message.Field{Name: t.field, Type: message.String, Representation: t.repr, Strings: []string{v}})
	case "Type":
		m.Type = v
	case "Logger":
		m.Logger = v
	case "Hostname":
		m.Hostname = v
	case "Payload":
		m.Payload = v
	case "EnvVersion":
		m.EnvVersion = v
	case "Pid":
		pid, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("Pid %q: not a 32-bit integer", v)
		}
		m.Pid = int32(pid)
		m.MarkPresent(message.HeaderPid)
	case "Severity":
		return d.setSeverity(m, v)
	case "Uuid":
		u, err := message.ParseUUID(v)
		if err != nil {
			return fmt.Errorf("Uuid %q: %w", v, err)
		}
		m.Uuid = u
	case "Timestamp":
		return d.setTimestamp(m, v)
	}
	return nil
}

// layoutLacks reports whether layout has no year, and no date at all, by
// reading back a time it formatted: what the layout lacks parses as year 0
// and January 1. A parsed January 1 cannot tell this, since it is a date.
func layoutLacks(layout string) (year, date bool) {
	t, err := time.Parse(layout, time.Date(2001, time.February, 3, 4, 5, 6, 0, time.UTC).Format(layout))
	if err != nil {
		return false, false
	}
	return t.Year() == 0, t.Year() == 0 && t.YearDay() == 1
}

// setTimestamp sets m's Timestamp from s, in timestamp_layout. A layout
// without a year takes the current one, and one with neither year nor date
// today's date, as Heka did for syslog's "Jan _2 15:04:05".
func (d *Decoder) setTimestamp(m *message.Message, s string) error {
	t, err := time.ParseInLocation(d.layout, s, d.loc)
	if err != nil {
		return fmt.Errorf("Timestamp %q does not match timestamp_layout %q", s, d.layout)
	}
	if d.noYear {
		now := time.Now().In(t.Location())
		y, mo, day := t.Date()
		if d.noDate {
			y, mo, day = now.Date()
		} else {
			y = now.Year()
		}
		t = time.Date(y, mo, day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	}
	m.Timestamp = t.UnixNano()
	return nil
}

// setSeverity sets m's Severity from s: a name of severity_map, or a
// number.
func (d *Decoder) setSeverity(m *message.Message, s string) error {
	sev, ok := d.sevMap[s]
	if !ok {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("Severity %q: neither in severity_map nor a number", s)
		}
		sev = int32(n)
	}
	m.Severity = sev
	m.MarkPresent(message.HeaderSeverity)
	return nil
}

// abbreviate shortens a record for an error message.
func abbreviate(s string) string {
	const n = 100
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Report adds the records dropped because they did not match, with
// log_errors = false (others are failed records, counted by the input).
func (d *Decoder) Report(add func(key string, value any)) {
	add("unmatched", d.unmatched.Load())
}
