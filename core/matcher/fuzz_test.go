package matcher

import (
	"errors"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"sandpiper/core/message"
)

// FuzzCompile checks that Compile never panics, that its errors are
// *SyntaxError with a column inside the expression or just past it, and
// that a compiled expression returns its source from String and matches the
// naive evaluator on a few fixed messages without panicking.
func FuzzCompile(f *testing.F) {
	for _, b := range benchmarks {
		f.Add(b.expr)
	}
	for _, s := range []string{
		"", "TRUE", "(FALSE || TRUE) && TRUE", `Fields["a b"][1][2] == NIL`, `Fields[x]y] == 1`,
		`Timestamp >= "2026-11-28T10:00:00Z"`, `Uuid =~ /^[0-9a-f]{8}/`, `Payload =~ /a\/b/`,
		`Type == 'it\'s' && Hostname != "a\x41\n"`, "Severity < -1.5e3", "Fields[ok] != FALSE",
		`Payload =~ /^(GET|POST) \/api/`, `Type =~ /(?i)nginx/`, "Pid == 1 ||", "Type == é",
	} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	msgs := []*message.Message{fixture(), bare(), nginxMessage(), randomMessage(r), randomMessage(r)}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q): error %T %v, want *SyntaxError", src, err, err)
			}
			if se.Column < 1 || se.Column > utf8.RuneCountInString(src)+1 || se.Expr != src || se.Msg == "" {
				t.Fatalf("Compile(%q): %+v: column outside the expression", src, se)
			}
			return
		}
		if m.String() != src {
			t.Fatalf("String() = %q, want %q", m.String(), src)
		}
		e, err := parse(src)
		if err != nil {
			t.Fatalf("Compile(%q) succeeded but parse failed: %v", src, err)
		}
		for _, msg := range msgs {
			if got, want := m.Match(msg), naiveMatch(e, msg); got != want {
				t.Fatalf("%s: Match = %v, naive evaluator = %v on %+v", src, got, want, msg)
			}
		}
	})
}
