package message

import (
	"math"
	"math/rand/v2"
	"strings"
)

// randomMessage returns a message whose headers and fields are drawn from r:
// every header sometimes absent, sometimes explicitly present at its default;
// fields of every type, repeated names, empty arrays, unicode and awkward
// strings, extreme integers and doubles (NaN, infinities, -0).
// Every field's values are in the slice of its own Type, so the message has a
// JSON form.
func randomMessage(r *rand.Rand) *Message {
	m := &Message{Severity: DefaultSeverity}
	_, _ = rChaCha(r).Read(m.Uuid[:])
	m.Timestamp = randomInt(r)
	strs := []*string{&m.Type, &m.Logger, &m.Payload, &m.EnvVersion, &m.Hostname}
	heads := []Header{HeaderType, HeaderLogger, HeaderPayload, HeaderEnvVersion, HeaderHostname}
	for i, s := range strs {
		switch r.IntN(4) {
		case 0: // absent
		case 1:
			m.MarkPresent(heads[i])
		default:
			*s = randomString(r)
		}
	}
	switch r.IntN(4) {
	case 0:
	case 1:
		m.MarkPresent(HeaderSeverity)
	default:
		m.Severity = int32(r.IntN(12)) - 2
	}
	switch r.IntN(4) {
	case 0:
	case 1:
		m.MarkPresent(HeaderPid)
	default:
		m.Pid = int32(r.Uint32())
	}
	names := []string{"status", "bytes", "host", "latency", "ok", "tags", "raw", "ünïcode", ""}
	for n := r.IntN(12); n > 0; n-- {
		f := Field{Name: names[r.IntN(len(names))], Type: ValueType(r.IntN(5))}
		if r.IntN(3) == 0 {
			f.Representation = []string{"ms", "B", "count", "µs"}[r.IntN(4)]
		}
		k := r.IntN(4)
		if r.IntN(8) == 0 {
			k = 0
		}
		for ; k > 0; k-- {
			switch f.Type {
			case String:
				f.Strings = append(f.Strings, randomString(r))
			case Bytes:
				b := make([]byte, r.IntN(20))
				_, _ = rChaCha(r).Read(b)
				f.Bytes = append(f.Bytes, b)
			case Integer:
				f.Integers = append(f.Integers, randomInt(r))
			case Double:
				f.Doubles = append(f.Doubles, randomDouble(r))
			case Bool:
				f.Bools = append(f.Bools, r.IntN(2) == 0)
			}
		}
		m.Fields = append(m.Fields, f)
	}
	return m
}

func rChaCha(r *rand.Rand) *rand.ChaCha8 {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(r.Uint32())
	}
	return rand.NewChaCha8(seed)
}

func randomInt(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return math.MaxInt64
	case 1:
		return math.MinInt64
	case 2:
		return int64(r.IntN(2000)) - 1000
	case 3:
		return 1795000000123456789 // a 2026 timestamp, ns exact
	default:
		return int64(r.Uint64())
	}
}

func randomDouble(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1)
	case 2:
		return math.Inf(-1)
	case 3:
		return math.Copysign(0, -1)
	case 4:
		return float64(r.IntN(100)) // integral doubles must stay DOUBLE
	case 5:
		return math.SmallestNonzeroFloat64
	case 6:
		return math.MaxFloat64
	default:
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20))
	}
}

var awkward = []string{
	"", " ", "plain", "with \"quotes\" and \\backslashes\\", "tab\there\nnewline\r",
	"日本語のテキスト", "emoji 🦆", "\x00nul\x01ctl\x1f", "</script>&<>", "\u2028\u2029",
	"GET /index.html HTTP/1.1",
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		var b strings.Builder
		for n := r.IntN(30); n > 0; n-- {
			b.WriteRune(rune(r.IntN(0x2000)))
		}
		return b.String()
	}
	return awkward[r.IntN(len(awkward))]
}
