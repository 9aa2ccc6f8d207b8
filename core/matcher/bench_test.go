package matcher

import (
	"testing"

	"sandpiper/core/message"
)

// nginxMessage is a decoded nginx access log line with ten fields.
func nginxMessage() *message.Message {
	m := message.New(1795000000123456789)
	m.Type = "nginx.access"
	m.Logger = "nginx"
	m.Hostname = "web-1"
	m.Severity = 6
	m.Pid = 4242
	m.Payload = `203.0.113.9 - - [28/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 503 1024 "-" "curl/8.5.0"`
	str := func(name, v string) {
		m.AddField(message.Field{Name: name, Type: message.String, Strings: []string{v}})
	}
	str("remote_addr", "203.0.113.9")
	str("remote_user", "-")
	str("request_method", "GET")
	str("request_uri", "/index.html")
	str("server_protocol", "HTTP/1.1")
	m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{503}})
	m.AddField(message.Field{Name: "body_bytes_sent", Type: message.Integer, Representation: "B", Integers: []int64{1024}})
	str("http_referer", "-")
	str("user_agent", "curl/8.5.0")
	m.AddField(message.Field{Name: "request_time", Type: message.Double, Representation: "s", Doubles: []float64{0.25}})
	return m
}

var benchmarks = []struct {
	name string
	expr string
}{
	{"HeaderEq", `Type == "nginx.access"`},
	{"FieldNumeric", `Fields[status] >= 500`},
	{"Regex", `Payload =~ /error|fatal/`},
	{"RegexRE2", `Payload =~ /" 5\d\d /`},
	{"RegexPrefix", `Payload =~ /^203\.0\.113\./`},
	{"Nil", `Fields[user_agent] != NIL`},
	{"Mix", `Type == "nginx.access" && (Fields[status] >= 500 || Fields[request_time] > 1.5) && Hostname != "localhost" || Logger == "syslog" && Severity <= 3`},
}

func benchExprs() []string {
	var out []string
	for _, b := range benchmarks {
		out = append(out, b.expr)
	}
	return out
}

// BenchmarkMatch runs each expression compiled and, beside it, on the naive
// evaluator.
func BenchmarkMatch(b *testing.B) {
	msg := nginxMessage()
	for _, bm := range benchmarks {
		m := MustCompile(bm.expr)
		e, err := parse(bm.expr)
		if err != nil {
			b.Fatal(err)
		}
		if m.Match(msg) != naiveMatch(e, msg) {
			b.Fatalf("%s: the evaluators disagree", bm.expr)
		}
		b.Run(bm.name+"/compiled", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(msg)
			}
		})
		b.Run(bm.name+"/naive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				naiveMatch(e, msg)
			}
		})
	}
}

// BenchmarkCompile measures the one-time cost of compiling the mixed
// expression.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MustCompile(benchmarks[len(benchmarks)-1].expr)
	}
}
