package sandbox

import (
	"fmt"
	"math"
	"sort"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/message"
)

// tableToMessage builds a message from Heka's message table:
//
//	{Uuid=, Timestamp=, Type=, Logger=, Severity=, Payload=, EnvVersion=,
//	 Pid=, Hostname=, Fields = {name = value, ...} or {{name=, value=}, ...}}
//
// A field value is a string, number, boolean, an array of one of those, or
// a table {value = v or {v, ...}, value_type = n, representation = s}.
// Numbers are DOUBLE unless value_type is 2 (INTEGER); strings are BYTES
// when value_type is 1. Hash-form fields are taken in name order, so the
// message does not depend on Lua's table order.
func tableToMessage(t *lua.LTable) (*message.Message, error) {
	m := &message.Message{Severity: message.DefaultSeverity}
	str := func(key string, dst *string, h message.Header) error {
		switch v := t.RawGetString(key).(type) {
		case *lua.LNilType:
		case lua.LString:
			*dst = string(v)
			m.MarkPresent(h)
		case lua.LNumber:
			*dst = v.String()
			m.MarkPresent(h)
		default:
			return fmt.Errorf("%s: want a string, got %s", key, v.Type())
		}
		return nil
	}
	num := func(key string) (float64, bool, error) {
		switch v := t.RawGetString(key).(type) {
		case *lua.LNilType:
			return 0, false, nil
		case lua.LNumber:
			return float64(v), true, nil
		default:
			return 0, false, fmt.Errorf("%s: want a number, got %s", key, v.Type())
		}
	}
	for _, h := range []struct {
		key string
		dst *string
		h   message.Header
	}{
		{"Type", &m.Type, message.HeaderType},
		{"Logger", &m.Logger, message.HeaderLogger},
		{"Payload", &m.Payload, message.HeaderPayload},
		{"EnvVersion", &m.EnvVersion, message.HeaderEnvVersion},
		{"Hostname", &m.Hostname, message.HeaderHostname},
	} {
		if err := str(h.key, h.dst, h.h); err != nil {
			return nil, err
		}
	}
	if ts, ok, err := num("Timestamp"); err != nil {
		return nil, err
	} else if ok {
		m.Timestamp = int64(ts)
	}
	if sev, ok, err := num("Severity"); err != nil {
		return nil, err
	} else if ok {
		m.Severity = int32(sev)
		m.MarkPresent(message.HeaderSeverity)
	}
	if pid, ok, err := num("Pid"); err != nil {
		return nil, err
	} else if ok {
		m.Pid = int32(pid)
		m.MarkPresent(message.HeaderPid)
	}
	switch u := t.RawGetString("Uuid").(type) {
	case *lua.LNilType:
	case lua.LString:
		id, err := parseUUID(string(u))
		if err != nil {
			return nil, fmt.Errorf("Uuid: %v", err)
		}
		m.Uuid = id
	default:
		return nil, fmt.Errorf("Uuid: want a string, got %s", u.Type())
	}
	switch fields := t.RawGetString("Fields").(type) {
	case *lua.LNilType:
	case *lua.LTable:
		if err := tableFields(m, fields); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("Fields: want a table, got %s", fields.Type())
	}
	return m, nil
}

func tableFields(m *message.Message, fields *lua.LTable) error {
	if fields.RawGetInt(1) != lua.LNil {
		for i := 1; ; i++ {
			e := fields.RawGetInt(i)
			if e == lua.LNil {
				return nil
			}
			et, ok := e.(*lua.LTable)
			if !ok {
				return fmt.Errorf("Fields[%d]: want a table {name=, value=}, got %s", i, e.Type())
			}
			name, ok := et.RawGetString("name").(lua.LString)
			if !ok {
				return fmt.Errorf("Fields[%d].name: want a string, got %s", i, et.RawGetString("name").Type())
			}
			if err := addField(m, string(name), et, true); err != nil {
				return err
			}
		}
	}
	var names []string
	for k, _ := fields.Next(lua.LNil); k != lua.LNil; k, _ = fields.Next(k) {
		ks, ok := k.(lua.LString)
		if !ok {
			return fmt.Errorf("Fields: key %v: want a field name", k)
		}
		names = append(names, string(ks))
	}
	sort.Strings(names)
	for _, name := range names {
		if err := addField(m, name, fields.RawGetString(name), false); err != nil {
			return err
		}
	}
	return nil
}

// addField adds the field name with value v. In the array form (spec) v
// is always the {name=, value=, ...} table.
func addField(m *message.Message, name string, v lua.LValue, spec bool) error {
	f := message.Field{Name: name}
	vt := message.ValueType(-1)
	if t, ok := v.(*lua.LTable); ok && (spec || t.RawGetString("value") != lua.LNil) {
		v = t.RawGetString("value")
		switch x := t.RawGetString("value_type").(type) {
		case *lua.LNilType:
		case lua.LNumber:
			if x < 0 || x > 4 || x != lua.LNumber(int(x)) {
				return fmt.Errorf("Fields[%s].value_type: want 0 to 4, got %v", name, x)
			}
			vt = message.ValueType(x)
		default:
			return fmt.Errorf("Fields[%s].value_type: want a number, got %s", name, x.Type())
		}
		switch x := t.RawGetString("representation").(type) {
		case *lua.LNilType:
		case lua.LString:
			f.Representation = string(x)
		default:
			return fmt.Errorf("Fields[%s].representation: want a string, got %s", name, x.Type())
		}
	}
	values := []lua.LValue{v}
	if t, ok := v.(*lua.LTable); ok {
		values = values[:0]
		for i := 1; ; i++ {
			e := t.RawGetInt(i)
			if e == lua.LNil {
				break
			}
			values = append(values, e)
		}
		if len(values) == 0 {
			return fmt.Errorf("Fields[%s]: want a value or an array of values, got an empty table", name)
		}
	}
	if values[0] == lua.LNil {
		return fmt.Errorf("Fields[%s]: missing value", name)
	}
	if vt < 0 {
		vt = luaType(values[0])
		if vt < 0 {
			return fmt.Errorf("Fields[%s]: cannot store a %s", name, values[0].Type())
		}
	}
	f.Type = vt
	for i, e := range values {
		bad := func() error {
			return fmt.Errorf("Fields[%s] value #%d: a %s value cannot be a %s", name, i+1, vt, e.Type())
		}
		switch vt {
		case message.String, message.Bytes:
			s, ok := e.(lua.LString)
			if !ok {
				return bad()
			}
			if vt == message.String {
				f.Strings = append(f.Strings, string(s))
			} else {
				f.Bytes = append(f.Bytes, []byte(s))
			}
		case message.Integer, message.Double:
			n, ok := e.(lua.LNumber)
			if !ok {
				return bad()
			}
			if vt == message.Double {
				f.Doubles = append(f.Doubles, float64(n))
			} else {
				if math.IsNaN(float64(n)) || math.Abs(float64(n)) >= 1<<63 {
					return fmt.Errorf("Fields[%s] value #%d: %v is not an int64", name, i+1, n)
				}
				f.Integers = append(f.Integers, int64(n))
			}
		case message.Bool:
			b, ok := e.(lua.LBool)
			if !ok {
				return bad()
			}
			f.Bools = append(f.Bools, bool(b))
		}
	}
	m.AddField(f)
	return nil
}

// messageToTable is decode_message's table: the headers, and Fields as an
// array of {name=, value_type=, representation=, value={...}}.
func messageToTable(L *lua.LState, m *message.Message) *lua.LTable {
	t := L.CreateTable(0, 10)
	t.RawSetString("Uuid", lua.LString(m.Uuid[:]))
	t.RawSetString("Timestamp", lua.LNumber(m.Timestamp))
	for _, h := range []struct {
		key string
		v   string
		h   message.Header
	}{
		{"Type", m.Type, message.HeaderType},
		{"Logger", m.Logger, message.HeaderLogger},
		{"Payload", m.Payload, message.HeaderPayload},
		{"EnvVersion", m.EnvVersion, message.HeaderEnvVersion},
		{"Hostname", m.Hostname, message.HeaderHostname},
	} {
		if m.Has(h.h) {
			t.RawSetString(h.key, lua.LString(h.v))
		}
	}
	t.RawSetString("Severity", lua.LNumber(m.Severity))
	if m.Has(message.HeaderPid) {
		t.RawSetString("Pid", lua.LNumber(m.Pid))
	}
	if len(m.Fields) > 0 {
		fields := L.CreateTable(len(m.Fields), 0)
		for i := range m.Fields {
			f := &m.Fields[i]
			ft := L.CreateTable(0, 4)
			ft.RawSetString("name", lua.LString(f.Name))
			ft.RawSetString("value_type", lua.LNumber(f.Type))
			if f.Representation != "" {
				ft.RawSetString("representation", lua.LString(f.Representation))
			}
			vals := L.CreateTable(f.Len(), 0)
			for ai := 0; ai < f.Len(); ai++ {
				vals.Append(fieldValue(f, ai))
			}
			ft.RawSetString("value", vals)
			fields.Append(ft)
		}
		t.RawSetString("Fields", fields)
	}
	return t
}
