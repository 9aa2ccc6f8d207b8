package cjson

import (
	"math"
	"strconv"
)

// maxExactInteger is 2^53: every integer of at most this magnitude is exact
// in a float64, which is what gopher-lua's numbers are.
const maxExactInteger = 1 << 53

// appendNumber writes f as encode does: integers of magnitude up to 2^53 in
// full, as lua-cjson does for Lua 5.3's integers, so that an id or a
// millisecond timestamp survives; other numbers as C's "%.<precision>g".
func appendNumber(buf []byte, f float64, precision int) []byte {
	if f == math.Trunc(f) && math.Abs(f) <= maxExactInteger {
		if f == 0 && math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return strconv.AppendInt(buf, int64(f), 10)
	}
	return strconv.AppendFloat(buf, f, 'g', precision, 64)
}

// parseNumber reads the longest number at the start of s as C's strtod does,
// which is what lua-cjson decodes numbers with: an optional sign, then a
// decimal number with optional fraction and exponent, a hexadecimal one
// (0x1F, 0x1.8p3), inf, infinity or nan (any case, nan optionally followed by
// a parenthesised tag). It returns the value, correctly rounded to the
// nearest float64 as glibc's strtod rounds, and the bytes read: 0 when s does
// not start with a number.
func parseNumber(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case hasPrefixFold(s[i:], "infinity"):
		return math.Inf(int(sign)), i + len("infinity")
	case hasPrefixFold(s[i:], "inf"):
		return math.Inf(int(sign)), i + len("inf")
	case hasPrefixFold(s[i:], "nan"):
		return math.NaN(), i + len("nan") + nanTag(s[i+len("nan"):])
	}
	if i+1 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' {
		if v, n := parseHex(s[i+2:]); n > 0 {
			return sign * v, i + 2 + n
		}
		// "0x" with no hex digit after it: strtod reads the 0 alone.
	}
	start := i
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	i += exponent(s[i:], 'e')
	v, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !isRange(err) {
		return 0, 0
	}
	return sign * v, i
}

// parseHex reads the part of a hexadecimal number after its 0x: digits with
// an optional point, then an optional binary exponent.
func parseHex(s string) (float64, int) {
	i, digits := 0, 0
	for i < len(s) && isHex(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHex(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	mantissa := s[:i]
	n := exponent(s[i:], 'p')
	exp := "p0"
	if n > 0 {
		exp = s[i : i+n]
	}
	v, err := strconv.ParseFloat("0x"+mantissa+exp, 64)
	if err != nil && !isRange(err) {
		return 0, 0
	}
	return v, i + n
}

// exponent returns the length of the exponent at the start of s, introduced
// by the letter mark in either case: 0 unless at least one digit follows the
// mark and its optional sign, as strtod leaves a bare "e" unread.
func exponent(s string, mark byte) int {
	if len(s) == 0 || s[0]|0x20 != mark {
		return 0
	}
	i := 1
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return 0
	}
	return i
}

// maxNanTag bounds the look-ahead for a nan tag's closing parenthesis, so
// that decode cannot be made to scan far past what it then charges for.
const maxNanTag = 64

// nanTag returns the length of the "(chars)" that glibc's strtod accepts
// after nan, or 0 when s does not start with one of at most maxNanTag bytes.
func nanTag(s string) int {
	if len(s) == 0 || s[0] != '(' {
		return 0
	}
	for i := 1; i < min(len(s), maxNanTag); i++ {
		c := s[i]
		switch {
		case c == ')':
			return i + 1
		case isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_':
		default:
			return 0
		}
	}
	return 0
}

// invalidJSONNumber reports whether s starts with a number that strtod reads
// but JSON does not allow (a leading plus sign or zero, hexadecimal, inf,
// nan), which decode refuses when decode_invalid_numbers is off. Like
// lua-cjson it lets other malformed numbers through to strtod, which rejects
// them.
func invalidJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '+' {
		return true
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		return i+1 < len(s) && (s[i+1]|0x20 == 'x' || isDigit(s[i+1]))
	}
	if s[i] <= '9' {
		return false
	}
	return hasPrefixFold(s[i:], "inf") || hasPrefixFold(s[i:], "nan")
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// in any case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}
