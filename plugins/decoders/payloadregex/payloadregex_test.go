package payloadregex

import (
	"strings"
	"testing"
	"time"

	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

const apache = `
match_regex = '^(?P<RemoteIP>\S+) \S+ \S+ \[(?P<Timestamp>[^\]]+)\] "(?P<Method>[A-Z]+) (?P<Url>[^\s]+)[^"]*" (?P<StatusCode>\d+) (?P<RequestSize>\d+)(?: (?P<Severity>\w+))?'
timestamp_layout = "02/Jan/2006:15:04:05 -0700"
[severity_map]
WARNING = 4
[message_fields]
Type = "ApacheLogfile"
Logger = "%Logger%.apache"
"Url|uri" = "%Url%"
Method = "%Method%"
Status = "%StatusCode%"
"RequestSize|B" = "%RequestSize%"
"Payload|raw" = "%Payload%"
`

func build(t *testing.T, options string) (pipeline.Decoder, error) {
	t.Helper()
	d, err := pipelinetest.Build(pipelinetest.Env(t, "re", "PayloadRegexDecoder"), "PayloadRegexDecoder", options)
	if err != nil {
		return nil, err
	}
	return d.(pipeline.Decoder), nil
}

func TestDecode(t *testing.T) {
	d, err := build(t, apache)
	if err != nil {
		t.Fatal(err)
	}
	in := &pipelinetest.Input{Decoder: d}
	lines := strings.Join([]string{
		`10.0.0.1 - - [28/Nov/2026:10:00:00 +0100] "GET /index.html HTTP/1.1" 200 1234`,
		`not an access log line`,
		`10.0.0.2 - - [28/Nov/2026:10:00:01 +0000] "POST /api HTTP/1.1" 500 7 WARNING`,
		`10.0.0.3 - - [31/Nov/2026:10:00:01 +0000] "POST /api HTTP/1.1" 500 7`,
		`10.0.0.4 - - [28/Nov/2026:10:00:01 +0000] "POST /api HTTP/1.1" 500 7 LOUD`,
	}, "\n")
	if err := in.NewStream(pipeline.Source{Logger: "access.log", Hostname: "web1"}).ReadFrom(t.Context(), strings.NewReader(lines), nil); err != nil {
		t.Fatal(err)
	}
	packs := in.Packs()
	if len(packs) != 2 {
		t.Fatalf("%d messages, want 2; errors %v", len(packs), in.Errors())
	}
	m := packs[0].Message
	wantTs := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).UnixNano()
	if m.Type != "ApacheLogfile" || m.Logger != "access.log.apache" || m.Hostname != "web1" || m.Timestamp != wantTs || m.Severity != 7 {
		t.Errorf("headers of %s", m.AppendJSON(nil))
	}
	if !strings.HasPrefix(m.Payload, "10.0.0.1 ") {
		t.Errorf("Payload %q, want the record", m.Payload)
	}
	wantFields := []struct{ name, repr, value string }{
		{"Method", "", "GET"}, {"Payload", "raw", m.Payload}, {"RequestSize", "B", "1234"}, {"Status", "", "200"}, {"Url", "uri", "/index.html"},
	}
	if len(m.Fields) != len(wantFields) {
		t.Fatalf("fields of %s", m.AppendJSON(nil))
	}
	for i, w := range wantFields {
		f := m.Fields[i]
		if f.Name != w.name || f.Representation != w.repr || len(f.Strings) != 1 || f.Strings[0] != w.value {
			t.Errorf("field %d = %+v, want %+v", i, f, w)
		}
	}
	if sev := packs[1].Message.Severity; sev != 4 {
		t.Errorf("Severity %d, want 4 from severity_map", sev)
	}
	errs := in.Errors()
	want := []string{`match_regex does not match "not an access log line"`, `Timestamp "31/Nov/2026:10:00:01 +0000" does not match`, `Severity "LOUD"`}
	if len(errs) != len(want) {
		t.Fatalf("errors %v", errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %v, want %s…", i, errs[i], w)
		}
	}
}

func TestHeaders(t *testing.T) {
	d, err := build(t, `
match_regex = '^(?P<pid>\d+) (?P<id>\S+) (?P<Timestamp>\S+) (?P<sev>\d)$'
timestamp_layout = "15:04:05"
timestamp_location = "America/New_York"
[message_fields]
Pid = "%pid%"
Uuid = "%id%"
Severity = "%sev%"
EnvVersion = "v%sev%"
Payload = ""
Hostname = "%Hostname%-%Type%"
`)
	if err != nil {
		t.Fatal(err)
	}
	var got []*pipeline.Pack
	err = d.Decode(pipeline.Record{Data: []byte("42 0b9a2a3c-5c5f-4f4e-9c5a-1d2e3f405162 10:11:12 3")}, &pipeline.Source{Hostname: "h", Type: "t"}, func(p *pipeline.Pack) { got = append(got, p) })
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %d messages", err, len(got))
	}
	m := got[0].Message
	ny, _ := time.LoadLocation("America/New_York")
	ts := time.Unix(0, m.Timestamp).In(ny)
	today := time.Now().In(ny)
	if m.Pid != 42 || m.Uuid.String() != "0b9a2a3c-5c5f-4f4e-9c5a-1d2e3f405162" || m.Severity != 3 || m.EnvVersion != "v3" || m.Payload != "" || m.Hostname != "h-t" ||
		ts.Hour() != 10 || ts.Minute() != 11 || ts.YearDay() != today.YearDay() || len(m.Fields) != 0 {
		t.Errorf("message %s (time %v)", m.AppendJSON(nil), ts)
	}
}

// TestYearlessTimestamp: a layout without a year takes the current one and
// keeps the date it read, January 1 included.
func TestYearlessTimestamp(t *testing.T) {
	d, err := build(t, "match_regex = '^(?P<Timestamp>.+)$'\ntimestamp_layout = 'Jan _2 15:04:05'")
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().UTC().Year()
	for _, tt := range []struct {
		line string
		want time.Time
	}{
		{"Mar  5 10:11:12", time.Date(year, time.March, 5, 10, 11, 12, 0, time.UTC)},
		{"Jan  1 00:00:01", time.Date(year, time.January, 1, 0, 0, 1, 0, time.UTC)},
	} {
		var got []*pipeline.Pack
		err := d.Decode(pipeline.Record{Data: []byte(tt.line)}, &pipeline.Source{}, func(p *pipeline.Pack) { got = append(got, p) })
		if err != nil || len(got) != 1 {
			t.Fatalf("%q: %v, %d messages", tt.line, err, len(got))
		}
		if ts := time.Unix(0, got[0].Message.Timestamp).UTC(); !ts.Equal(tt.want) {
			t.Errorf("%q: Timestamp %v, want %v", tt.line, ts, tt.want)
		}
	}
}

func TestUnmatchedCounted(t *testing.T) {
	d, err := build(t, "match_regex = '^x'\nlog_errors = false")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, line := range []string{"x1", "y", "z"} {
		if err := d.Decode(pipeline.Record{Data: []byte(line)}, &pipeline.Source{}, func(*pipeline.Pack) { n++ }); err != nil {
			t.Error(err)
		}
	}
	report := map[string]any{}
	d.(pipeline.Reporter).Report(func(k string, v any) { report[k] = v })
	if n != 1 || report["unmatched"] != int64(2) {
		t.Errorf("%d messages, report %v; want 1 and 2 unmatched", n, report)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct{ options, want string }{
		{``, `re: match_regex: required`},
		{`match_regex = '('`, `re: match_regex "(": error parsing regexp`},
		{"match_regex = 'a'\ntimestamp_location = 'Mars/Olympus'", `re: timestamp_location "Mars/Olympus"`},
		{"match_regex = '(?P<a>a)'\n[message_fields]\nx = '%b%'", `re: message_fields x = "%b%": %b% is neither a capture`},
		{"match_regex = '(?P<Timestamp>a)'\ntimestamp_layout = ''", `re: timestamp_layout: required`},
	}
	for _, tt := range tests {
		if _, err := build(t, tt.options); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %s…", tt.options, err, tt.want)
		}
	}
}
