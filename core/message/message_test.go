package message

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestNewUUIDIsVersion4(t *testing.T) {
	seen := map[UUID]bool{}
	for range 1000 {
		u := NewUUID()
		if u[6]>>4 != 4 {
			t.Fatalf("%s: version nibble %x, want 4", u, u[6]>>4)
		}
		if u[8]>>6 != 2 {
			t.Fatalf("%s: variant bits %b, want 10", u, u[8]>>6)
		}
		if seen[u] {
			t.Fatalf("%s generated twice", u)
		}
		seen[u] = true
	}
}

func TestUUIDStringAndParse(t *testing.T) {
	u := UUID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	const canonical = "01234567-89ab-cdef-fedc-ba9876543210"
	if got := u.String(); got != canonical {
		t.Fatalf("String() = %q, want %q", got, canonical)
	}
	for _, in := range []string{canonical, "0123456789ABCDEFFEDCBA9876543210", "01234567-89AB-CDEF-FEDC-BA9876543210"} {
		got, err := ParseUUID(in)
		if err != nil || got != u {
			t.Errorf("ParseUUID(%q) = %s, %v; want %s", in, got, err, u)
		}
	}
	for _, bad := range []string{"", "0123", canonical + "0", "01234567_89ab-cdef-fedc-ba9876543210", "g1234567-89ab-cdef-fedc-ba9876543210"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) succeeded, want an error", bad)
		}
	}
}

func TestValueTypeNames(t *testing.T) {
	for vt := String; vt <= Bool; vt++ {
		got, err := ParseValueType(vt.String())
		if err != nil || got != vt {
			t.Errorf("ParseValueType(%q) = %v, %v", vt.String(), got, err)
		}
	}
	if _, err := ParseValueType("INT"); err == nil {
		t.Error(`ParseValueType("INT") succeeded`)
	}
	if got := ValueType(9).String(); got != "ValueType(9)" {
		t.Errorf("ValueType(9).String() = %q", got)
	}
}

func TestHasFollowsValueOrExplicitPresence(t *testing.T) {
	m := New(1)
	for h := HeaderType; h <= HeaderHostname; h++ {
		if m.Has(h) {
			t.Errorf("new message has header %d", h)
		}
		m.MarkPresent(h)
		if !m.Has(h) {
			t.Errorf("header %d marked present but Has is false", h)
		}
	}
	m.Reset()
	m.Type, m.Severity, m.Pid = "t", 3, 9
	if !m.Has(HeaderType) || !m.Has(HeaderSeverity) || !m.Has(HeaderPid) || m.Has(HeaderLogger) {
		t.Errorf("Has does not follow the values set: %+v", m)
	}
}

func TestFieldLookupByInstance(t *testing.T) {
	m := New(0)
	m.AddField(Field{Name: "a", Type: Integer, Integers: []int64{1, 2}})
	m.AddField(Field{Name: "b", Strings: []string{"x"}})
	m.AddField(Field{Name: "a", Type: Integer, Integers: []int64{3}})
	tests := []struct {
		name string
		fi   int
		want int64 // first value, or -1 for no such instance
	}{{"a", 0, 1}, {"a", 1, 3}, {"a", 2, -1}, {"c", 0, -1}}
	for _, tt := range tests {
		f := m.Field(tt.name, tt.fi)
		switch {
		case tt.want < 0 && f != nil:
			t.Errorf("Field(%q, %d) = %+v, want nil", tt.name, tt.fi, f)
		case tt.want >= 0 && (f == nil || f.Integers[0] != tt.want):
			t.Errorf("Field(%q, %d) = %+v, want first value %d", tt.name, tt.fi, f, tt.want)
		}
	}
	if n := m.Field("a", 0).Len(); n != 2 {
		t.Errorf("Len() = %d, want 2", n)
	}
}

func TestResetAndNewFieldReuseStorage(t *testing.T) {
	m := New(0)
	f := m.NewField("a", Integer)
	f.Integers = append(f.Integers, 1, 2, 3)
	f.Representation = "ms"
	backing := &f.Integers[0]
	m.Reset()
	if len(m.Fields) != 0 || m.Severity != DefaultSeverity || m.Uuid != (UUID{}) {
		t.Fatalf("Reset left %+v", m)
	}
	g := m.NewField("b", Double)
	if g.Name != "b" || g.Type != Double || g.Representation != "" || len(g.Integers) != 0 {
		t.Fatalf("reused field not emptied: %+v", g)
	}
	g.Integers = append(g.Integers, 7)
	if &g.Integers[0] != backing {
		t.Error("NewField after Reset did not reuse the field's storage")
	}
}

func TestCopyIsDeep(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		m := randomMessage(r)
		before := fmt.Sprintf("%+v", *m)
		c := m.Copy()
		if got := fmt.Sprintf("%+v", *c); got != before {
			t.Fatalf("copy differs:\n%s\n%s", before, got)
		}
		for i := range c.Fields {
			f := &c.Fields[i]
			for j := range f.Strings {
				f.Strings[j] += "!"
			}
			for _, b := range f.Bytes {
				for k := range b {
					b[k] ^= 0xff
				}
			}
			for j := range f.Integers {
				f.Integers[j]++
			}
			for j := range f.Doubles {
				f.Doubles[j] = 42
			}
			for j := range f.Bools {
				f.Bools[j] = !f.Bools[j]
			}
		}
		if len(c.Fields) > 0 {
			c.Fields[0].Name = "renamed"
		}
		if after := fmt.Sprintf("%+v", *m); after != before {
			t.Fatalf("changing the copy changed the original:\n%s\n%s", before, after)
		}
	}
}
