package matcher

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"sandpiper/core/message"
)

const fixtureUuid = "0123abcd-4567-489a-bcde-f0123456789a"

// fixture returns the message most tests match against. Its timestamp is
// one that float64 cannot tell from its neighbours.
func fixture() *message.Message {
	u, err := message.ParseUUID(fixtureUuid)
	if err != nil {
		panic(err)
	}
	m := &message.Message{
		Uuid:       u,
		Timestamp:  1795000000123456789,
		Type:       "nginx.access",
		Logger:     "nginx",
		Severity:   6,
		Payload:    `GET /index.html HTTP/1.1 error it's "quoted" \ back` + "\n",
		EnvVersion: "1.0",
		Pid:        1234,
		Hostname:   "web-1",
	}
	m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{500}})
	m.AddField(message.Field{Name: "request_time", Type: message.Double, Doubles: []float64{1.5}})
	m.AddField(message.Field{Name: "method", Type: message.String, Strings: []string{"GET"}})
	m.AddField(message.Field{Name: "body", Type: message.Bytes, Bytes: [][]byte{[]byte("abc")}})
	m.AddField(message.Field{Name: "ok", Type: message.Bool, Bools: []bool{true, false}})
	m.AddField(message.Field{Name: "tag", Type: message.String, Strings: []string{"first-0", "first-1"}})
	m.AddField(message.Field{Name: "tag", Type: message.String, Strings: []string{"second-0"}})
	m.AddField(message.Field{Name: "empty", Type: message.Integer})
	m.AddField(message.Field{Name: "neg", Type: message.Integer, Integers: []int64{-5}})
	m.AddField(message.Field{Name: "big", Type: message.Integer, Integers: []int64{math.MaxInt64}})
	m.AddField(message.Field{Name: "a b", Type: message.String, Strings: []string{"spaced"}})
	m.AddField(message.Field{Name: "x]y", Type: message.String, Strings: []string{"bracket"}})
	m.AddField(message.Field{Name: "nan", Type: message.Double, Doubles: []float64{math.NaN()}})
	return m
}

// bare is a message with no optional header present.
func bare() *message.Message {
	return &message.Message{Timestamp: 1, Severity: message.DefaultSeverity}
}

// check compiles expr, matches it against m, and asks the naive evaluator
// the same question.
func check(t *testing.T, expr string, m *message.Message, want bool) {
	t.Helper()
	c, err := Compile(expr)
	if err != nil {
		t.Errorf("Compile(%q): %v", expr, err)
		return
	}
	if got := c.Match(m); got != want {
		t.Errorf("%s: Match = %v, want %v", expr, got, want)
	}
	e, err := parse(expr)
	if err != nil {
		t.Fatalf("parse(%q): %v", expr, err)
	}
	if got := naiveMatch(e, m); got != want {
		t.Errorf("%s: naive evaluator = %v, want %v", expr, got, want)
	}
}

var relOps = []string{"==", "!=", "<", "<=", ">", ">="}

// Results of the six relational operators, in relOps' order, when the
// message's value is above, equal to or below the literal.
var (
	valueAbove = []bool{false, true, false, false, true, true}
	valueEqual = []bool{true, false, false, true, false, true}
	valueBelow = []bool{false, true, true, true, false, false}
)

// TestRelational runs the six relational operators on every kind of
// variable, with a literal below, equal to and above the message's value.
func TestRelational(t *testing.T) {
	tests := []struct {
		variable            string
		below, equal, above string // literals, as written in an expression
	}{
		{"Uuid", `"0123abcd"`, `"` + fixtureUuid + `"`, `"0123abcd-5"`},
		{"Type", `"nginx"`, `"nginx.access"`, `'nginx.b'`},
		{"Logger", `"ngin"`, `"nginx"`, `"nginy"`},
		{"Payload", `"GET"`, `'GET /index.html HTTP/1.1 error it\'s "quoted" \\ back\n'`, `"GET0"`},
		{"EnvVersion", `"0.9"`, `"1.0"`, `"1.1"`},
		{"Hostname", `"web-0"`, `"web-1"`, `"web-2"`},
		{"Timestamp", "1795000000123456788", "1795000000123456789", "1795000000123456790"},
		{"Timestamp", `"2026-11-18T11:06:40.123456788Z"`, `"2026-11-18T11:06:40.123456789Z"`, `"2026-11-18T12:06:40.12345679+01:00"`},
		{"Timestamp", "1.7949e18", "1795000000123456789", "1.7951e18"},
		{"Severity", "5", "6", "7"},
		{"Severity", "-1", "6.0", "6.5"},
		{"Pid", "1233", "1234", "1.235e3"},
		{"Fields[status]", "499", "500", "501"},
		{"Fields[status]", "499.5", "500.0", "5.005e2"},
		{"Fields[status][0][0]", "-500", "500", "+501"},
		{"Fields[request_time]", "1", "1.5", "2"},
		{"Fields[request_time]", ".5", "1.5", "1.6"},
		{"Fields[method]", `"GEA"`, `"GET"`, `"GEU"`},
		{"Fields[body]", `"abb"`, `"abc"`, `"abd"`},
		{"Fields[tag]", `"first"`, `"first-0"`, `"first-1"`},
		{"Fields[tag][0][1]", `"first-0"`, `"first-1"`, `"first-2"`},
		{"Fields[tag][1]", `"second"`, `"second-0"`, `"third"`},
		{"Fields['tag'][1][0]", `"second"`, `"second-0"`, `"third"`},
		{"Fields[neg]", "-6", "-5", "-4"},
		{"Fields[neg]", "-5.5", "-5.0", "-4.5"},
		{"Fields[big]", "9223372036854775806", "9223372036854775807", "9.3e18"},
		{"Fields[a b]", `"sp"`, `"spaced"`, `"spade"`},
		{`Fields["a b"]`, `"sp"`, `"spaced"`, `"spade"`},
		{`Fields['x]y']`, `"b"`, `"bracket"`, `"c"`},
	}
	m := fixture()
	for _, tt := range tests {
		for i, op := range relOps {
			check(t, tt.variable+" "+op+" "+tt.below, m, valueAbove[i])
			check(t, tt.variable+" "+op+" "+tt.equal, m, valueEqual[i])
			check(t, tt.variable+" "+op+" "+tt.above, m, valueBelow[i])
		}
	}
}

// TestNowhere runs every operator with every kind of literal against
// elements that do not exist and against values of another type: all false,
// != included.
func TestNowhere(t *testing.T) {
	variables := []string{
		"Fields[missing]", "Fields[tag][2]", "Fields[tag][0][2]", "Fields[empty]",
		"Fields[ok][0][2]", "Fields[Status]",
	}
	literals := []string{`"500"`, "500", "1.5", "TRUE", "FALSE", `""`, "0"}
	m := fixture()
	for _, v := range variables {
		for _, op := range relOps {
			for _, lit := range literals {
				if (lit == "TRUE" || lit == "FALSE") && op != "==" && op != "!=" {
					continue
				}
				check(t, v+" "+op+" "+lit, m, false)
			}
		}
		check(t, v+" =~ //", m, false)
		check(t, v+" !~ /x/", m, false)
		check(t, v+" == NIL", m, true)
		check(t, v+" != NIL", m, false)
	}
	mismatches := []struct{ variable, literals string }{
		{"Fields[status]", `"500" "" TRUE FALSE`},
		{"Fields[request_time]", `"1.5" TRUE FALSE`},
		{"Fields[method]", `0 1.5 TRUE FALSE`},
		{"Fields[body]", `0 TRUE`},
		{"Fields[ok]", `1 0 1.0 "true" "TRUE"`},
	}
	for _, mm := range mismatches {
		for _, lit := range strings.Fields(mm.literals) {
			for _, op := range relOps {
				if (lit == "TRUE" || lit == "FALSE") && op != "==" && op != "!=" {
					continue
				}
				check(t, mm.variable+" "+op+" "+lit, m, false)
			}
		}
	}
	for _, v := range []string{"Fields[status]", "Fields[request_time]", "Fields[ok]"} {
		check(t, v+" =~ //", m, false)
		check(t, v+" !~ /x/", m, false)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		// Constants, precedence and parentheses.
		{"TRUE", true},
		{"FALSE", false},
		{"TRUE || FALSE && FALSE", true},
		{"(TRUE || FALSE) && FALSE", false},
		{"FALSE && FALSE || TRUE", true},
		{"FALSE && (FALSE || TRUE)", false},
		{"((TRUE))", true},
		{"TRUE && TRUE && TRUE && FALSE", false},
		{"FALSE || FALSE || FALSE || TRUE", true},
		{`Type == "nginx.access" && Severity == 6 || FALSE`, true},
		{`Type == "nginx.access" && (Severity == 7 || Pid == 1234)`, true},
		{`Type == "x" || Severity == 6 && Pid == 1`, false},
		{`(Type == "x" || Severity == 6) && Pid == 1234`, true},
		{"\tType\n==\r'nginx.access'  ", true},
		{`Type=="nginx.access"&&Severity<7`, true},

		// Booleans.
		{"Fields[ok] == TRUE", true},
		{"Fields[ok] != TRUE", false},
		{"Fields[ok] == FALSE", false},
		{"Fields[ok] != FALSE", true},
		{"Fields[ok][0][1] == FALSE", true},
		{"Fields[ok][0][1] != TRUE", true},
		{"Fields[ok][0][1] == TRUE", false},

		// NIL: fields and optional headers.
		{"Fields[status] != NIL", true},
		{"Fields[status] == NIL", false},
		{"Fields[tag][1] != NIL", true},
		{"Fields[tag][1][0] != NIL", true},
		{"Fields[tag][0][1] != NIL", true},
		{"Fields[ok][0][1] != NIL", true},
		{"Fields[nan] != NIL", true},
		{"Type != NIL", true},
		{"Logger != NIL && Payload != NIL && EnvVersion != NIL && Hostname != NIL", true},
		{"Severity != NIL && Pid != NIL", true},
		{"Severity == NIL || Pid == NIL", false},

		// Regexes, literal and not.
		{"Payload =~ /error|fatal/", true},
		{"Payload !~ /error|fatal/", false},
		{"Payload =~ /^GET /", true},
		{"Payload =~ /^POST /", false},
		{"Payload !~ /^POST /", true},
		{`Payload =~ /back\n$/`, true},
		{`Payload =~ /HTTP\/1\.1/`, true},
		{`Payload =~ /\.html/`, true},
		{`Payload =~ /it's "quoted" \\ back/`, true},
		{`Payload =~ /(?i)get \/INDEX/`, true},
		{"Payload =~ //", true},
		{"Payload !~ //", false},
		{"Type =~ /^nginx\\.access$/", true},
		{"Type =~ /^nginx\\.acces$/", false},
		{"Type !~ /^nginx\\.acces$/", true},
		{"Type =~ /access$/", true},
		{"Type =~ /^nginx/ && Type =~ /nginx$/", false},
		{"Uuid =~ /^0123abcd-/", true},
		{"Uuid =~ /^0123ABCD-/", false},
		{"Uuid =~ /^[0-9a-f]{8}-[0-9a-f]{4}-4/", true},
		{"Uuid !~ /^[0-9a-f]{8}-[0-9a-f]{4}-4/", false},
		{"Uuid =~ /89a$/", true},
		{"Logger =~ /^ngin/", true},
		{"Logger !~ /^ngin/", false},
		{`EnvVersion =~ /^\d+\.\d+$/`, true},
		{`EnvVersion !~ /^\d+\.\d+$/`, false},
		{"Hostname =~ /-1$/", true},
		{"Hostname !~ /-1$/", false},
		{"Hostname =~ /^web-[0-9]+$/", true},
		{"Type =~ /^(nginx|apache)\\./", true},
		{"Fields[body] =~ /^ab/", true},
		{"Fields[body] =~ /b+c$/", true},
		{"Fields[body] !~ /b+c$/", false},
		{"Fields[method] =~ /^G.T$/", true},
		{"Fields[tag][1] =~ /second/", true},
		{"Fields[tag][0][1] =~ /-1$/", true},

		// Escapes in strings.
		{`Type == "nginx\x2eaccess"`, true},
		{`Payload =~ /it's/ && Payload == 'GET /index.html HTTP/1.1 error it\'s "quoted" \\ back\n'`, true},
		{`Payload == "GET /index.html HTTP/1.1 error it's \"quoted\" \\ back\n"`, true},
		{`Payload == "GET /index.html HTTP/1.1 error it's \"quoted\" \\ back\r"`, false},
		{`Hostname == "web\t1"`, false},

		// NaN compares unequal to everything.
		{"Fields[nan] == 0", false},
		{"Fields[nan] != 0", true},
		{"Fields[nan] < 0 || Fields[nan] >= 0", false},

		// Heka's examples.
		{`Type == "nginx.access" && Severity == 6`, true},
		{`(Severity == 7 || Payload == "Test Payload") && Type == "nginx.access"`, false},
		{`Fields[method] != "bar"`, true},
		{`Fields[tag][1][0] == "second-0"`, true},
		{`Timestamp >= "2026-11-18T00:00:00Z"`, true},
	}
	m := fixture()
	for _, tt := range tests {
		check(t, tt.expr, m, tt.want)
	}
}

// TestAbsentHeaders checks that absent headers read as their defaults, as
// in Heka, and that NIL tells absent from present.
func TestAbsentHeaders(t *testing.T) {
	explicit := bare()
	explicit.MarkPresent(message.HeaderType)
	explicit.MarkPresent(message.HeaderSeverity)
	explicit.MarkPresent(message.HeaderPid)
	tests := []struct {
		m    *message.Message
		expr string
		want bool
	}{
		{bare(), `Type == ""`, true},
		{bare(), `Type != "x"`, true},
		{bare(), `Type == NIL`, true},
		{bare(), `Logger == NIL && Payload == NIL && EnvVersion == NIL && Hostname == NIL`, true},
		{bare(), `Severity == 7 && Severity == NIL`, true},
		{bare(), `Pid == 0 && Pid == NIL`, true},
		{bare(), `Uuid == "00000000-0000-0000-0000-000000000000"`, true},
		{bare(), `Fields[status] == NIL`, true},
		{explicit, `Type == "" && Type != NIL`, true},
		{explicit, `Severity == 7 && Severity != NIL`, true},
		{explicit, `Pid == 0 && Pid != NIL`, true},
		{explicit, `Logger != NIL`, false},
	}
	for _, tt := range tests {
		check(t, tt.expr, tt.m, tt.want)
	}
}

// TestTimestampExact checks that integers compare exactly, as int64 with
// integer literals and by exact value with decimals: the three timestamps
// are one float64 apart from none of them.
func TestTimestampExact(t *testing.T) {
	ts := fixture().Timestamp
	if float64(ts) != float64(ts+1) || float64(ts) != float64(ts-1) {
		t.Fatal("the fixture no longer needs int64 to tell its neighbours apart")
	}
	m := fixture()
	m.AddField(message.Field{Name: "d53", Type: message.Double, Doubles: []float64{1 << 53}})
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{"Timestamp == 1795000000123456789", true},
		{"Timestamp == 1795000000123456788", false},
		{"Timestamp != 1795000000123456790", true},
		{"Timestamp > 1795000000123456788", true},
		{"Timestamp < 1795000000123456790", true},
		{`Timestamp == "2026-11-18T11:06:40.123456789Z"`, true},
		{`Timestamp == "2026-11-18T11:06:40.12345679Z"`, false},
		{`Timestamp > "2026-11-18T11:06:40.123456788Z"`, true},
		{`Timestamp == "2026-11-18T06:06:40.123456789-05:00"`, true},
		// A decimal literal is a float64 (1795000000123456788.0 reads as
		// 1795000000123456768), compared with the integer exactly.
		{"Timestamp == 1795000000123456788.0", false},
		{"Timestamp > 1795000000123456788.0", true},
		{"Timestamp >= 1.795000000123456768e18", true},
		{"Timestamp == 1.795000000123456789e18", false},
		{"Timestamp != 1.795000000123456789e18", true},
		{"Timestamp < 1.7950000001234568e18", false}, // 1795000000123456768
		{"Fields[big] == 9223372036854775807", true},
		{"Fields[big] == 9223372036854775806", false},
		// 9.223372036854775807e18 is 2^63, beyond every int64.
		{"Fields[big] == 9.223372036854775807e18", false},
		{"Fields[big] < 9.223372036854775807e18", true},
		{"Fields[big] > -9.3e18", true},
		// 2^53 as a double against the integer 2^53+1, which float64 rounds to 2^53.
		{"Fields[d53] == 9007199254740993", false},
		{"Fields[d53] < 9007199254740993", true},
		{"Fields[d53] == 9007199254740992", true},
		{"Fields[d53] >= 9007199254740994.0", false},
		{"Fields[status] < 500.5", true},
		{"Fields[status] > 499.5", true},
		{"Fields[status] == 500.0", true},
		{"Fields[nan] != 1", true},
		{"Fields[nan] == 1", false},
		{"Fields[nan] < 1", false},
		{"Fields[nan] >= 1", false},
	} {
		check(t, tt.expr, m, tt.want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		expr   string
		column int
		msg    string
	}{
		{"", 1, "empty expression"},
		{"   ", 4, "empty expression"},
		{"Type == ", 9, `expected a quoted string, a number, TRUE, FALSE, NIL or a regex after "=="`},
		{"Type == )", 9, `expected a quoted string, a number, TRUE, FALSE, NIL or a regex after "==", found ")"`},
		{"Type", 5, `expected an operator (== != < <= > >= =~ !~) after "Type", found the end`},
		{"Type 'x'", 6, `expected an operator`},
		{"Type = 'x'", 6, `unexpected "="; did you mean "=="?`},
		{"Type ! 'x'", 6, `unexpected character '!'`},
		{"Type == 'x' & Type == 'y'", 13, `unexpected character '&'`},
		{"Type == 'x' | Type == 'y'", 13, `unexpected character '|'`},
		{"Type == 'x' Type == 'y'", 13, `expected "&&", "||" or the end of the expression, found "Type"`},
		{"Type == 'x')", 12, `expected "&&", "||" or the end of the expression, found ")"`},
		{"(Type == 'x'", 13, `expected ")" to close the "(" at column 1, found the end`},
		{"((Type == 'x')", 15, `expected ")" to close the "(" at column 1`},
		{"()", 2, `expected a variable, TRUE, FALSE or "(", found ")"`},
		{"Type == 'x' &&", 15, `expected a variable, TRUE, FALSE or "(", found the end`},
		{"&& TRUE", 1, `expected a variable, TRUE, FALSE or "("`},
		{"Typo == 'x'", 1, `unknown variable "Typo"`},
		{"type == 'x'", 1, `unknown variable "type"`},
		{"NIL == 'x'", 1, `unknown variable "NIL"`},
		{"Type == 'x", 9, "unterminated string: no closing '"},
		{`Type == "x\"`, 9, `unterminated string: no closing "`},
		{`Type == "a\qb"`, 11, `unknown escape "\q" in a string`},
		{`Type == "\x4"`, 10, `\x needs two hexadecimal digits`},
		{`Type == "\xg0"`, 10, `\x needs two hexadecimal digits, found "\\xg0"`},
		{"Type =~ /abc", 9, "unterminated regex: no closing /"},
		{`Type =~ /abc\/`, 9, "unterminated regex: no closing /"},
		{"Type =~ /a(/", 9, "invalid regex /a(/: error parsing regexp: missing closing )"},
		{"Type =~ 'a'", 9, `"=~" needs a regex (/…/), found "'a'"`},
		{"Type !~ NIL", 9, `"!~" needs a regex`},
		{"Type == /a/", 6, `a regex needs =~ or !~, not "=="`},
		{"Type == 1", 9, "Type is a string: compare it with a quoted string, not a number"},
		{"Uuid < 1.5", 8, "Uuid is a string"},
		{"Hostname == TRUE", 13, "Hostname is not a boolean: it cannot be compared with TRUE"},
		{`Severity == "x"`, 13, "Severity is a number: compare it with a number, not a string"},
		{`Pid == '1'`, 8, "Pid is a number"},
		{`Severity =~ /1/`, 13, "Severity is a number: compare it with a number, not a regex"},
		{`Severity == FALSE`, 13, "Severity is not a boolean"},
		{`Timestamp > "yesterday"`, 13, `Timestamp compares with a number of nanoseconds or an RFC 3339 time; "yesterday" is neither`},
		{`Timestamp > "2026-11-28"`, 13, `Timestamp compares with a number of nanoseconds or an RFC 3339 time`},
		{`Timestamp > "3000-01-01T00:00:00Z"`, 13, `time "3000-01-01T00:00:00Z" is outside the range of int64 nanoseconds`},
		{`Timestamp == NIL`, 14, "Timestamp is always present: it cannot be compared with NIL"},
		{`Uuid != NIL`, 9, "Uuid is always present"},
		{`Type < NIL`, 6, `NIL can only be tested with == or !=, not "<"`},
		{`Fields[x] >= NIL`, 11, `NIL can only be tested with == or !=, not ">="`},
		{`Fields[ok] < TRUE`, 12, `TRUE and FALSE can only be tested with == or !=, not "<"`},
		{`Fields[ok] == 'a' && Fields[ok] > FALSE`, 33, `TRUE and FALSE can only be tested`},
		{"Fields == 1", 7, `expected "[" and a field name after Fields`},
		{"Fields [a] == 1", 7, `expected "[" and a field name after Fields`},
		{"Fields[a == 1", 7, `unterminated field name: no "]"`},
		{"Fields[] == 1", 8, "empty field name"},
		{`Fields[""] == 1`, 8, "empty field name"},
		{`Fields["a"x] == 1`, 11, `expected "]" after the field name`},
		{`Fields["a] == 1`, 8, `unterminated string`},
		{"Fields[a][] == 1", 11, `expected a decimal index after "["`},
		{"Fields[a][-1] == 1", 11, `expected a decimal index after "["`},
		{"Fields[a][1 ] == 1", 12, `expected "]" after the index`},
		{"Fields[a][0][0x1] == 1", 15, `expected "]" after the index`},
		{"Fields[a][99999999999] == 1", 11, "index 99999999999 is too large"},
		{"Fields[a][0][0][0] == 1", 16, "unexpected character '['"},
		{"Fields[a] == 99999999999999999999", 14, "integer 99999999999999999999 out of the int64 range"},
		{"Fields[a] == 1e999", 14, "number 1e999 out of the float64 range"},
		{"Fields[a] == 1e", 14, `malformed number "1e": no digits in the exponent`},
		{"Fields[a] == 1.2.3", 14, `malformed number "1.2."`},
		{"Fields[a] == 12ab", 14, `malformed number "12a"`},
		{"Fields[a] == -", 14, `malformed number "-"`},
		{"Fields[a] == .", 14, `malformed number "."`},
		{"Fields[a] == - 1", 14, `malformed number "-"`},
		{"Fields[a] == nil", 14, `expected a quoted string, a number, TRUE, FALSE, NIL or a regex after "==", found "nil"`},
		{"Fields[a] == true", 14, `expected a quoted string, a number, TRUE, FALSE, NIL or a regex after "==", found "true"`},
		{"Fields[a] == 1 || 2", 19, `expected a variable, TRUE, FALSE or "(", found "2"`},
		// Columns count characters, not bytes.
		{"Type == 'é' && Typé == 'x'", 16, `unknown variable "Typ"`},
		{"Fields[日本] == 1 && Pid == 'x'", 27, "Pid is a number"},
		{"Type == 'x' && ☃", 16, "unexpected character '☃'"},
		{strings.Repeat("(", maxDepth+1) + "TRUE" + strings.Repeat(")", maxDepth+1), maxDepth + 1, "parentheses nested deeper than 200"},
	}
	for _, tt := range tests {
		m, err := Compile(tt.expr)
		if err == nil {
			t.Errorf("Compile(%q) = %v, want an error", tt.expr, m)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q): error %T, want *SyntaxError", tt.expr, err)
			continue
		}
		if se.Expr != tt.expr || se.Column != tt.column || !strings.HasPrefix(se.Msg, tt.msg) {
			t.Errorf("Compile(%q):\n got column %d: %s (expr %q)\nwant column %d: %s", tt.expr, se.Column, se.Msg, se.Expr, tt.column, tt.msg)
		}
		want := fmt.Sprintf("matcher: column %d: %s in %q", se.Column, se.Msg, tt.expr)
		if err.Error() != want {
			t.Errorf("Error() = %s, want %s", err, want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Compile("Type == ")
	want := `matcher: column 9: expected a quoted string, a number, TRUE, FALSE, NIL or a regex after "==" in "Type == "`
	if err == nil || err.Error() != want {
		t.Errorf("Compile(%q) error = %v, want %s", "Type == ", err, want)
	}
}

func TestDeepNesting(t *testing.T) {
	expr := strings.Repeat("(", maxDepth) + "Type == 'nginx.access'" + strings.Repeat(")", maxDepth)
	check(t, expr, fixture(), true)
	long := strings.Repeat("FALSE || ", 10000) + "Pid == 1234"
	check(t, long, fixture(), true)
}

func TestStringAndMustCompile(t *testing.T) {
	const expr = ` Type  == 'x' `
	if got := MustCompile(expr).String(); got != expr {
		t.Errorf("String() = %q, want %q", got, expr)
	}
	defer func() {
		err, ok := recover().(*SyntaxError)
		if !ok || err.Column != 1 {
			t.Errorf("MustCompile(%q) panicked with %v, want the *SyntaxError at column 1", "Typo", err)
		}
	}()
	MustCompile("Typo == 'x'")
}

func TestLiteralRegex(t *testing.T) {
	tests := []struct {
		pattern string
		kind    strKind
		lits    string // the strings, joined by "|"
		ok      bool
	}{
		{"^GET ", strPrefix, "GET ", true},
		{`\.php$`, strSuffix, ".php", true},
		{"foo", strContains, "foo", true},
		{"^x$", strIn, "x", true},
		{`\Ax\z`, strIn, "x", true},
		{"", strContains, "", true},
		{"^", strPrefix, "", true},
		{"$", strSuffix, "", true},
		{"^$", strIn, "", true},
		{"^é日本$", strIn, "é日本", true},
		{`a\.b\*c`, strContains, "a.b*c", true},
		{`\x41`, strContains, "A", true},
		{"(?:abc)", strContains, "abc", true},
		{"(abc)", strContains, "abc", true},
		{"a|b", strContains, "a|b", true},
		{"error|fatal", strContains, "error|fatal", true},
		{"^(GET|POST) ", strPrefix, "GET |POST ", true},
		{"(GET|HEAD)$", strSuffix, "GET|HEAD", true},
		{"^(abc|abd)$", strIn, "abc|abd", true},
		{"^5[0-9][0-9]$", 0, "", false},
		{"^5[0-4]$", strIn, "50|51|52|53|54", true},
		{"x[ab]y[cd]", strContains, "xayc|xayd|xbyc|xbyd", true},
		{"a|", strContains, "a|", true},
		{"a.c", 0, "", false},
		{"(?i)abc", 0, "", false},
		{"(?m)^abc", 0, "", false},
		{"^^abc", 0, "", false},
		{"abc$$", 0, "", false},
		{"(^a)", 0, "", false},
		{`\bword`, 0, "", false},
		{"a+", 0, "", false},
		{"a?", 0, "", false},
		{"[^a]", 0, "", false},
		{`\x{FFFD}`, 0, "", false},
		{"x\uFFFDy", 0, "", false},
		{`[\x{FFFC}-\x{FFFE}]`, 0, "", false},
		{"a(", 0, "", false},
	}
	for _, tt := range tests {
		kind, lits, ok := literalRegex(tt.pattern)
		got := strings.Join(lits, "|")
		if ok != tt.ok || ok && (kind != tt.kind || got != tt.lits) {
			t.Errorf("literalRegex(%q) = %v, %q, %v; want %v, %q, %v", tt.pattern, kind, got, ok, tt.kind, tt.lits, tt.ok)
		}
	}
}

// TestInvalidUTF8 checks the regexes that stay with regexp because of
// U+FFFD: regexp matches it against a byte of invalid UTF-8.
func TestInvalidUTF8(t *testing.T) {
	m := fixture()
	m.Type = "a\xffb"
	m.Fields[3].Bytes[0] = []byte("\xff")
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{`Type =~ /\x{FFFD}/`, true},
		{`Type =~ /a.b/`, true},
		{`Type == "a\xffb"`, true},
		{`Type =~ /^a/`, true},
		{`Fields[body] =~ /^\x{FFFD}$/`, true},
		{`Fields[body] == "\xff"`, true},
		{`Fields[body] == "\xfe"`, false},
	} {
		check(t, tt.expr, m, tt.want)
	}
}

func TestMatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race, sync.Pool drops items at random and regexp allocates the machines it pools; make test runs this test without -race too")
	}
	m := fixture()
	for _, expr := range append(benchExprs(),
		`Uuid == "`+fixtureUuid+`"`,
		"Uuid =~ /^[0-9a-f]{8}-/",
		"Uuid =~ /^0123/",
		"Fields[body] =~ /b+c/ && Fields[body] > 'a'",
		"Fields[tag][1][0] != NIL && Fields[ok] == TRUE",
		"Timestamp > '2026-01-01T00:00:00Z' && Pid == NIL",
	) {
		c := MustCompile(expr)
		c.Match(m)
		if n := testing.AllocsPerRun(100, func() { c.Match(m) }); n != 0 {
			t.Errorf("%s: %v allocations per Match, want 0", expr, n)
		}
	}
}

func ExampleCompile() {
	m, err := Compile(`Type == "nginx.access" && Fields[status] >= 500`)
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := message.New(0)
	msg.Type = "nginx.access"
	msg.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{502}})
	fmt.Println(m.Match(msg))

	_, err = Compile(`Severity == "high"`)
	fmt.Println(err)
	// Output:
	// true
	// matcher: column 13: Severity is a number: compare it with a number, not a string in "Severity == \"high\""
}
