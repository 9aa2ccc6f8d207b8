package lstring

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// formatFlags are the flags string.format accepts (C Lua's FLAGS).
const formatFlags = "-+ #0"

// maxScratch bounds the format buffer a lib keeps between calls.
const maxScratch = 64 << 10

// spec is one parsed conversion of string.format.
type spec struct {
	minus, plus, space, alt, zero bool
	width                         int
	prec                          int // -1 when absent
	verb                          byte
}

// format implements string.format with C Lua 5.1's semantics on glibc:
// conversions %d %i %u %c %x %X %o %e %E %f %g %G %q %s %%, the flags
// "-+ #0", width and precision of at most two digits. The result is charged
// to the Budget before it becomes a Lua string.
func (x *lib) format(L *lua.LState) int {
	f := checkString(L, 1, "format")
	top := L.GetTop()
	arg := 1
	out := x.scratch[:0]
	for i := 0; i < len(f); {
		c := f[i]
		i++
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i < len(f) && f[i] == '%' {
			out = append(out, '%')
			i++
			continue
		}
		arg++
		if arg > top {
			argError(L, arg, "format", "no value")
		}
		var sp spec
		i = parseSpec(L, f, i, &sp)
		start := len(out)
		switch sp.verb {
		case 'c':
			out = sp.pad(out, "", string([]byte{byte(toInt32(checkNumber(L, arg, "format")))}), false)
		case 'd', 'i':
			out = sp.formatInt(out, toInteger(checkNumber(L, arg, "format")))
		case 'o', 'u', 'x', 'X':
			out = sp.formatUnsigned(out, toUnsigned(checkNumber(L, arg, "format")))
		case 'e', 'E', 'f', 'g', 'G':
			out = sp.formatFloat(out, checkNumber(L, arg, "format"))
		case 'q':
			out = appendQuoted(out, checkString(L, arg, "format"))
			continue
		case 's':
			s := checkString(L, arg, "format")
			if sp.prec < 0 && len(s) >= 100 {
				// C Lua keeps a long string whole rather than format it.
				out = append(out, s...)
				continue
			}
			if j := strings.IndexByte(s, 0); j >= 0 {
				s = s[:j]
			}
			if sp.prec >= 0 && len(s) > sp.prec {
				s = s[:sp.prec]
			}
			out = sp.pad(out, "", s, false)
		default:
			verb := ""
			if sp.verb != 0 {
				verb = string([]byte{sp.verb})
			}
			raisef(L, "invalid option '%%%s' to 'format'", verb)
		}
		// C Lua copies each formatted item as a C string: a NUL ends it.
		if j := strings.IndexByte(string(out[start:]), 0); j >= 0 {
			out = out[:start+j]
		}
	}
	if cap(out) <= maxScratch {
		x.scratch = out
	}
	x.alloc(L, len(out))
	L.Push(lua.LString(out))
	return 1
}

// parseSpec reads the flags, width, precision and conversion letter of the
// item whose '%' is before f[i], and returns the index after it.
func parseSpec(L *lua.LState, f string, i int, sp *spec) int {
	start := i
	for i < len(f) && f[i] != 0 && strings.IndexByte(formatFlags, f[i]) >= 0 {
		switch f[i] {
		case '-':
			sp.minus = true
		case '+':
			sp.plus = true
		case ' ':
			sp.space = true
		case '#':
			sp.alt = true
		case '0':
			sp.zero = true
		}
		i++
	}
	if i-start > len(formatFlags) {
		raisef(L, "invalid format (repeated flags)")
	}
	for n := 0; n < 2 && i < len(f) && isDigit(f[i]); n++ {
		sp.width = sp.width*10 + int(f[i]-'0')
		i++
	}
	sp.prec = -1
	if i < len(f) && f[i] == '.' {
		i++
		sp.prec = 0
		for n := 0; n < 2 && i < len(f) && isDigit(f[i]); n++ {
			sp.prec = sp.prec*10 + int(f[i]-'0')
			i++
		}
	}
	if i < len(f) && isDigit(f[i]) {
		raisef(L, "invalid format (width or precision too long)")
	}
	if i < len(f) {
		sp.verb = f[i]
		i++
	}
	return i
}

// pad appends sign and body padded to the width: zeros between them when
// zeros is set (and '-' is not), spaces otherwise.
func (sp *spec) pad(out []byte, sign, body string, zeros bool) []byte {
	n := sp.width - len(sign) - len(body)
	switch {
	case n <= 0:
		out = append(out, sign...)
		out = append(out, body...)
	case sp.minus:
		out = append(out, sign...)
		out = append(out, body...)
		out = appendRepeat(out, ' ', n)
	case zeros:
		out = append(out, sign...)
		out = appendRepeat(out, '0', n)
		out = append(out, body...)
	default:
		out = appendRepeat(out, ' ', n)
		out = append(out, sign...)
		out = append(out, body...)
	}
	return out
}

func appendRepeat(out []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		out = append(out, c)
	}
	return out
}

func (sp *spec) sign(negative bool) string {
	switch {
	case negative:
		return "-"
	case sp.plus:
		return "+"
	case sp.space:
		return " "
	}
	return ""
}

// digits applies an integer precision: at least prec digits, and none for
// zero at precision 0.
func (sp *spec) digits(d string) string {
	if sp.prec == 0 && d == "0" {
		return ""
	}
	if len(d) < sp.prec {
		return strings.Repeat("0", sp.prec-len(d)) + d
	}
	return d
}

func (sp *spec) formatInt(out []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		u = -u
	}
	d := sp.digits(strconv.FormatUint(u, 10))
	return sp.pad(out, sp.sign(v < 0), d, sp.zero && sp.prec < 0)
}

func (sp *spec) formatUnsigned(out []byte, u uint64) []byte {
	var d, prefix string
	switch sp.verb {
	case 'o':
		d = sp.digits(strconv.FormatUint(u, 8))
		if sp.alt && (d == "" || d[0] != '0') {
			d = "0" + d
		}
	case 'u':
		d = sp.digits(strconv.FormatUint(u, 10))
	case 'x', 'X':
		d = sp.digits(strconv.FormatUint(u, 16))
		if sp.alt && u != 0 {
			prefix = "0x"
		}
		if sp.verb == 'X' {
			d = strings.ToUpper(d)
			prefix = strings.ToUpper(prefix)
		}
	}
	return sp.pad(out, prefix, d, sp.zero && sp.prec < 0)
}

func (sp *spec) formatFloat(out []byte, f float64) []byte {
	upper := sp.verb == 'E' || sp.verb == 'G'
	sign := sp.sign(math.Signbit(f))
	if math.IsInf(f, 0) || math.IsNaN(f) {
		body := "inf"
		if math.IsNaN(f) {
			body = "nan"
		}
		if upper {
			body = strings.ToUpper(body)
		}
		return sp.pad(out, sign, body, false)
	}
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	f = math.Abs(f)
	var body string
	switch sp.verb {
	case 'e', 'E':
		body = strconv.FormatFloat(f, 'e', prec, 64)
		if sp.alt && prec == 0 {
			body = strings.Replace(body, "e", ".e", 1)
		}
	case 'f':
		body = strconv.FormatFloat(f, 'f', prec, 64)
		if sp.alt && prec == 0 {
			body += "."
		}
	default:
		body = formatG(f, prec, sp.alt, false)
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return sp.pad(out, sign, body, sp.zero)
}

// formatG is C's %g of a finite number at precision prec: %e when the
// exponent is below -4 or at least the precision, %f otherwise, and trailing
// zeros removed unless alt ('#') is set.
func formatG(f float64, prec int, alt, upper bool) string {
	if prec == 0 {
		prec = 1
	}
	e := strconv.FormatFloat(f, 'e', prec-1, 64)
	x, _ := strconv.Atoi(e[strings.LastIndexByte(e, 'e')+1:])
	var body string
	if x < -4 || x >= prec {
		body = e
	} else {
		body = strconv.FormatFloat(f, 'f', prec-1-x, 64)
	}
	if alt {
		if !strings.Contains(body, ".") {
			if k := strings.IndexByte(body, 'e'); k >= 0 {
				body = body[:k] + "." + body[k:]
			} else {
				body += "."
			}
		}
	} else if dot := strings.IndexByte(body, '.'); dot >= 0 {
		mant, exp := body, ""
		if k := strings.IndexByte(body, 'e'); k >= 0 {
			mant, exp = body[:k], body[k:]
		}
		mant = strings.TrimRight(mant, "0")
		mant = strings.TrimSuffix(mant, ".")
		body = mant + exp
	}
	if upper {
		body = strings.ToUpper(body)
	}
	return body
}

// toInt32 converts as C's (int) cast of a double does on amd64: the minimum
// int for NaN and values out of range.
func toInt32(f float64) int32 {
	if f != f || f >= 1<<31 || f <= -(1<<31)-1 {
		return math.MinInt32
	}
	return int32(f)
}

// toUnsigned converts as C's (unsigned long) cast of a double does on amd64.
func toUnsigned(f float64) uint64 {
	if f >= 1<<63 {
		return uint64(toInteger(f-(1<<63))) ^ (1 << 63)
	}
	return uint64(toInteger(f))
}

// appendQuoted appends s as %q writes it: between double quotes, with '"',
// '\\' and newline escaped by a backslash, "\r" for carriage return and
// "\000" for NUL.
func appendQuoted(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			out = append(out, '\\', c)
		case '\r':
			out = append(out, `\r`...)
		case 0:
			out = append(out, `\000`...)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
