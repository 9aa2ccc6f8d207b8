package message

import (
	"encoding/base64"
	"strconv"
	"time"
	"unicode"
)

// AppendText appends a readable rendering of m to b, for people rather than
// programs: one header per line, absent headers left out, strings quoted so
// that control characters and line breaks stay visible, and one line per
// field with its type, its representation and its values. It ends with a
// newline.
func (m *Message) AppendText(b []byte) []byte {
	var u [36]byte
	m.Uuid.Format(&u)
	b = append(b, "Uuid:       "...)
	b = append(b, u[:]...)
	b = append(b, "\nTimestamp:  "...)
	b = time.Unix(0, m.Timestamp).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '\n')
	b = appendTextString(b, m, HeaderType, "Type:       ", m.Type)
	b = appendTextString(b, m, HeaderLogger, "Logger:     ", m.Logger)
	if m.Has(HeaderSeverity) {
		b = append(b, "Severity:   "...)
		b = strconv.AppendInt(b, int64(m.Severity), 10)
		b = append(b, '\n')
	}
	b = appendTextString(b, m, HeaderPayload, "Payload:    ", m.Payload)
	b = appendTextString(b, m, HeaderEnvVersion, "EnvVersion: ", m.EnvVersion)
	if m.Has(HeaderPid) {
		b = append(b, "Pid:        "...)
		b = strconv.AppendInt(b, int64(m.Pid), 10)
		b = append(b, '\n')
	}
	b = appendTextString(b, m, HeaderHostname, "Hostname:   ", m.Hostname)
	if len(m.Fields) == 0 {
		return b
	}
	b = append(b, "Fields:\n"...)
	for i := range m.Fields {
		b = m.Fields[i].appendText(b)
	}
	return b
}

func appendTextString(b []byte, m *Message, h Header, label, s string) []byte {
	if !m.Has(h) {
		return b
	}
	b = append(b, label...)
	b = strconv.AppendQuote(b, s)
	return append(b, '\n')
}

func (f *Field) appendText(b []byte) []byte {
	b = append(b, "  "...)
	b = strconv.AppendQuote(b, f.Name)
	b = append(b, ' ')
	b = append(b, f.Type.String()...)
	if r := f.Representation; r != "" {
		b = append(b, " ("...)
		if plainText(r) {
			b = append(b, r...)
		} else {
			b = strconv.AppendQuote(b, r)
		}
		b = append(b, ')')
	}
	b = append(b, ':')
	n := f.Len()
	for i := range n {
		b = append(b, ' ')
		switch f.Type {
		case String:
			b = strconv.AppendQuote(b, f.Strings[i])
		case Bytes:
			b = append(b, "base64:"...)
			b = base64.StdEncoding.AppendEncode(b, f.Bytes[i])
		case Integer:
			b = strconv.AppendInt(b, f.Integers[i], 10)
		case Double:
			b = strconv.AppendFloat(b, f.Doubles[i], 'g', -1, 64)
		case Bool:
			b = strconv.AppendBool(b, f.Bools[i])
		}
	}
	if n == 0 {
		b = append(b, " (no values)"...)
	}
	return append(b, '\n')
}

// plainText reports whether s reads unambiguously without quotes: printable,
// with no space, quote, backslash or parenthesis.
func plainText(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == ' ' || r == '"' || r == '(' || r == ')' || r == '\\' {
			return false
		}
	}
	return true
}
