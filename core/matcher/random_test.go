package matcher

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sandpiper/core/message"
)

// The pools below are shared by the random messages and the random
// expressions, so that literals often equal, or sit next to, the values.
var (
	poolStrings = []string{
		"", "a", "ab", "b", "nginx.access", "nginx", "syslog", "GET /index.html HTTP/1.1",
		"error: fatal", "é", "日本", `x"y'z\`, "tab\tnl\n", "\xff", "a\xffb", "\uFFFD", "GET",
	}
	poolInts = []int64{
		0, 1, -1, 6, 7, 500, 503, -5, math.MaxInt64, math.MinInt64,
		1795000000123456789, 1795000000123456790, 1 << 53, 1<<53 + 1,
	}
	poolDoubles = []float64{
		0, math.Copysign(0, -1), 1.5, 500, 0.1, -2.5, 1e300, 9007199254740992, 1.795000000123456789e18,
		math.NaN(), math.Inf(1), math.Inf(-1),
	}
	poolNames   = []string{"status", "host", "ok", "tags", "raw", "a b", "x]y", "ünï"}
	poolRegexes = []string{
		"^GET ", "fatal$", "error|fatal", `^nginx\.access$`, "a", "", "^", "$", "^$", "(?i)get", `\x{FFFD}`,
		"é", "[0-9]+", "^(a|ab)$", "a/b", ".", "^[ab]", `\\`, "(GET|POST) /", "日",
		"b$", "(a|b)$", "[0-9a-f]$", "access$", "^7f", "7f-0000",
	}
)

func randomMessage(r *rand.Rand) *message.Message {
	m := &message.Message{Severity: message.DefaultSeverity}
	for i := range m.Uuid {
		m.Uuid[i] = byte(r.IntN(3) * 0x7f)
	}
	m.Timestamp = poolInts[r.IntN(len(poolInts))]
	strs := []*string{&m.Type, &m.Logger, &m.Payload, &m.EnvVersion, &m.Hostname}
	heads := []message.Header{message.HeaderType, message.HeaderLogger, message.HeaderPayload, message.HeaderEnvVersion, message.HeaderHostname}
	for i, s := range strs {
		switch r.IntN(4) {
		case 0:
		case 1:
			m.MarkPresent(heads[i])
		default:
			*s = poolStrings[r.IntN(len(poolStrings))]
		}
	}
	if r.IntN(2) == 0 {
		m.Severity = int32(r.IntN(10)) - 1
	}
	if r.IntN(2) == 0 {
		m.Pid = int32(poolInts[r.IntN(len(poolInts))])
	}
	if r.IntN(4) == 0 {
		m.MarkPresent(message.HeaderSeverity)
	}
	for n := r.IntN(8); n > 0; n-- {
		f := message.Field{Name: poolNames[r.IntN(len(poolNames))], Type: message.ValueType(r.IntN(5))}
		for k := r.IntN(4); k > 0; k-- {
			switch f.Type {
			case message.String:
				f.Strings = append(f.Strings, poolStrings[r.IntN(len(poolStrings))])
			case message.Bytes:
				f.Bytes = append(f.Bytes, []byte(poolStrings[r.IntN(len(poolStrings))]))
			case message.Integer:
				f.Integers = append(f.Integers, poolInts[r.IntN(len(poolInts))])
			case message.Double:
				f.Doubles = append(f.Doubles, poolDoubles[r.IntN(len(poolDoubles))])
			case message.Bool:
				f.Bools = append(f.Bools, r.IntN(2) == 0)
			}
		}
		m.Fields = append(m.Fields, f)
	}
	return m
}

// randomExpr returns the source of a random expression, mostly valid.
func randomExpr(r *rand.Rand, depth int) string {
	if depth > 0 && r.IntN(3) > 0 {
		switch r.IntN(5) {
		case 0, 1:
			return randomExpr(r, depth-1) + " && " + randomExpr(r, depth-1)
		case 2, 3:
			return randomExpr(r, depth-1) + " || " + randomExpr(r, depth-1)
		default:
			return "(" + randomExpr(r, depth-1) + ")"
		}
	}
	if r.IntN(20) == 0 {
		return []string{"TRUE", "FALSE"}[r.IntN(2)]
	}
	// Most tests are drawn until one compiles, so that long expressions
	// are not nearly all invalid; the rest may not compile.
	t := randomTest(r)
	for i := 0; i < 10 && r.IntN(20) > 0; i++ {
		if _, err := Compile(t); err == nil {
			break
		}
		t = randomTest(r)
	}
	return t
}

func randomTest(r *rand.Rand) string {
	v := varNames[r.IntN(len(varNames))]
	if v == "Fields" {
		v += "[" + renderName(r, poolNames[r.IntN(len(poolNames))]) + "]"
		if r.IntN(2) == 0 {
			v += fmt.Sprintf("[%d]", r.IntN(3))
			if r.IntN(2) == 0 {
				v += fmt.Sprintf("[%d]", r.IntN(3))
			}
		}
	}
	op := opNames[r.IntN(len(opNames))]
	var lit string
	if op == "=~" || op == "!~" {
		lit = "/" + strings.ReplaceAll(poolRegexes[r.IntN(len(poolRegexes))], "/", `\/`) + "/"
	} else {
		switch r.IntN(7) {
		case 0, 1:
			lit = renderString(r, poolStrings[r.IntN(len(poolStrings))])
		case 2:
			lit = strconv.FormatInt(poolInts[r.IntN(len(poolInts))], 10)
		case 3:
			f := poolDoubles[r.IntN(len(poolDoubles))]
			if math.IsInf(f, 0) || math.IsNaN(f) {
				f = -0.5
			}
			lit = strconv.FormatFloat(f, 'g', -1, 64)
			if !strings.ContainsAny(lit, ".e") {
				lit += ".0"
			}
		case 4:
			lit = []string{"TRUE", "FALSE"}[r.IntN(2)]
		case 5:
			lit = "NIL"
		default:
			ts := poolInts[r.IntN(len(poolInts))]
			lit = `"` + time.Unix(0, ts).UTC().Format(time.RFC3339Nano) + `"`
		}
	}
	return v + " " + op + " " + lit
}

// renderString writes s as a literal in random quotes, escaping what must
// be and, at random, what may be.
func renderString(r *rand.Rand, s string) string {
	q := byte('"')
	if r.IntN(2) == 0 {
		q = '\''
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case c == rune(q) || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t' && r.IntN(2) == 0:
			b.WriteString(`\t`)
		case c < utf8.RuneSelf && r.IntN(8) == 0:
			fmt.Fprintf(&b, `\x%02X`, c)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte(q)
	return b.String()
}

func renderName(r *rand.Rand, name string) string {
	if strings.ContainsRune(name, ']') || r.IntN(3) == 0 {
		return renderString(r, name)
	}
	return name
}

// TestDifferential compiles random expressions and checks that Match and
// the naive evaluator agree on random messages.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([]*message.Message, 64)
	for i := range msgs {
		msgs[i] = randomMessage(r)
	}
	msgs = append(msgs, fixture(), bare())
	valid, matched := 0, 0
	for range 4000 {
		src := randomExpr(r, 3)
		m, err := Compile(src)
		if err != nil {
			continue
		}
		valid++
		e, err := parse(src)
		if err != nil {
			t.Fatalf("Compile(%q) succeeded but parse failed: %v", src, err)
		}
		for range 4 {
			msg := msgs[r.IntN(len(msgs))]
			got, want := m.Match(msg), naiveMatch(e, msg)
			if got != want {
				t.Fatalf("%s\non %+v\nMatch = %v, naive evaluator = %v", src, msg, got, want)
			}
			if got {
				matched++
			}
		}
	}
	// Guard against a generator that drifts into trivial cases: most
	// expressions must compile, and matches must be neither rare nor the rule.
	evals := 4 * valid
	if valid < 3000 || matched < evals/5 || matched > evals*4/5 {
		t.Errorf("%d of 4000 expressions compiled, %d of %d evaluations matched", valid, matched, evals)
	}
}
