package sandbox

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/core/framing"
	"sandpiper/core/message"
)

// openAPI installs Heka's sandbox functions as globals.
func (s *Sandbox) openAPI() {
	L := s.state
	g := L.G.Global
	for name, fn := range map[string]lua.LGFunction{
		"read_config":     s.readConfig,
		"read_message":    s.readMessage,
		"read_next_field": s.readNextField,
		"write_message":   s.writeMessage,
		"inject_message":  s.injectMessage,
		"inject_payload":  s.injectPayload,
		"add_to_payload":  s.addToPayload,
		"decode_message":  s.decodeMessage,
		"encode_message":  s.encodeMessage,
	} {
		g.RawSetString(name, L.NewFunction(fn))
	}
	s.builtinGlobals = make(map[string]lua.LValue)
	for k, v := g.Next(lua.LNil); k != lua.LNil; k, v = g.Next(k) {
		if ks, ok := k.(lua.LString); ok {
			s.builtinGlobals[string(ks)] = v
		}
	}
}

// argError raises "fn() argument #n: msg", the form of every misuse error.
func argError(L *lua.LState, fn string, n int, format string, args ...any) {
	L.RaiseError("%s() argument #%d: %s", fn, n, fmt.Sprintf(format, args...))
}

// optIndex reads an optional non-negative index argument (fi, ai).
func optIndex(L *lua.LState, fn string, n int) int {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		if v < 0 || float64(v) != float64(int(v)) {
			argError(L, fn, n, "want a non-negative integer index, got %v", v)
		}
		return int(v)
	default:
		argError(L, fn, n, "want a number, got %s", v.Type())
	}
	return 0
}

// readConfig is read_config(name): the plugin's config value, nil when
// absent.
func (s *Sandbox) readConfig(L *lua.LState) int {
	name, ok := L.Get(1).(lua.LString)
	if !ok {
		argError(L, "read_config", 1, "want a string, got %s", L.Get(1).Type())
	}
	L.Push(configValue(L, s.cfg.Config[string(name)]))
	return 1
}

func configValue(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case string:
		return lua.LString(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case bool:
		return lua.LBool(x)
	case []any:
		t := L.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(configValue(L, e))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, configValue(L, e))
		}
		return t
	}
	return lua.LNil
}

// fieldName returns NAME from "Fields[NAME]".
func fieldName(v string) (string, bool) {
	if len(v) > 8 && strings.HasPrefix(v, "Fields[") && v[len(v)-1] == ']' {
		return v[7 : len(v)-1], true
	}
	return "", false
}

// readMessage is read_message(var[, fi[, ai]]).
func (s *Sandbox) readMessage(L *lua.LState) int {
	name, ok := L.Get(1).(lua.LString)
	if !ok {
		argError(L, "read_message", 1, "want a string, got %s", L.Get(1).Type())
	}
	m := s.current
	if m == nil {
		L.Push(lua.LNil)
		return 1
	}
	// Fields come first: most reads are of fields.
	if fname, ok := fieldName(string(name)); ok {
		fi, ai := 0, 0
		if L.GetTop() > 1 {
			fi, ai = optIndex(L, "read_message", 2), optIndex(L, "read_message", 3)
		}
		if f := m.Field(fname, fi); f != nil {
			L.Push(fieldValue(f, ai))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	}
	switch name {
	case "Payload":
		L.Push(lua.LString(m.Payload))
	case "Type":
		L.Push(lua.LString(m.Type))
	case "Logger":
		L.Push(lua.LString(m.Logger))
	case "Hostname":
		L.Push(lua.LString(m.Hostname))
	case "EnvVersion":
		L.Push(lua.LString(m.EnvVersion))
	case "Timestamp":
		L.Push(lua.LNumber(m.Timestamp))
	case "Severity":
		L.Push(lua.LNumber(m.Severity))
	case "Pid":
		L.Push(lua.LNumber(m.Pid))
	case "Uuid":
		L.Push(lua.LString(m.Uuid[:]))
	case "raw":
		if err := s.ctr.Alloc(m.Size()); err != nil {
			L.RaiseError("read_message() %v", err)
		}
		L.Push(lua.LString(m.Marshal()))
	default:
		L.Push(lua.LNil)
	}
	return 1
}

// fieldValue returns element ai of f as a Lua value, nil when absent.
// INTEGER values become numbers and lose precision beyond 2^53.
func fieldValue(f *message.Field, ai int) lua.LValue {
	if ai >= f.Len() {
		return lua.LNil
	}
	switch f.Type {
	case message.String:
		return lua.LString(f.Strings[ai])
	case message.Bytes:
		return lua.LString(f.Bytes[ai])
	case message.Integer:
		return lua.LNumber(f.Integers[ai])
	case message.Double:
		return lua.LNumber(f.Doubles[ai])
	case message.Bool:
		return lua.LBool(f.Bools[ai])
	}
	return lua.LNil
}

// readNextField is read_next_field(): value_type, name, value,
// representation and count of the next field of the message, nil after the
// last.
func (s *Sandbox) readNextField(L *lua.LState) int {
	m := s.current
	if m == nil || s.fieldIter >= len(m.Fields) {
		L.Push(lua.LNil)
		return 1
	}
	f := &m.Fields[s.fieldIter]
	s.fieldIter++
	L.Push(lua.LNumber(f.Type))
	L.Push(lua.LString(f.Name))
	L.Push(fieldValue(f, 0))
	L.Push(lua.LString(f.Representation))
	L.Push(lua.LNumber(f.Len()))
	return 5
}

// writeMessage is write_message(var, value[, representation[, fi[, ai]]]),
// for decoders: it changes the message being decoded.
func (s *Sandbox) writeMessage(L *lua.LState) int {
	const fn = "write_message"
	if s.cfg.Kind != Decoder {
		L.RaiseError("write_message() is only available to decoders")
	}
	name, ok := L.Get(1).(lua.LString)
	if !ok {
		argError(L, fn, 1, "want a string, got %s", L.Get(1).Type())
	}
	m := s.current
	if m == nil {
		L.RaiseError("write_message() no message is being decoded")
	}
	v := L.Get(2)
	str := func() string {
		switch x := v.(type) {
		case lua.LString:
			return string(x)
		case lua.LNumber:
			return x.String()
		case *lua.LNilType:
			return ""
		}
		argError(L, fn, 2, "%s wants a string, got %s", name, v.Type())
		return ""
	}
	num := func() float64 {
		switch x := v.(type) {
		case lua.LNumber:
			return float64(x)
		case *lua.LNilType:
			return 0
		case lua.LString:
			if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				return f
			}
		}
		argError(L, fn, 2, "%s wants a number, got %s", name, v.Type())
		return 0
	}
	// What is written stays in the message, outside the Lua heap.
	s.hold(L, fn, valueSize(v))
	switch name {
	case "Payload":
		m.Payload = str()
	case "Type":
		m.Type = str()
	case "Logger":
		m.Logger = str()
	case "Hostname":
		m.Hostname = str()
	case "EnvVersion":
		m.EnvVersion = str()
	case "Timestamp":
		m.Timestamp = int64(num())
	case "Severity":
		if v == lua.LNil {
			m.Severity = message.DefaultSeverity
			break
		}
		m.Severity = int32(num())
		m.MarkPresent(message.HeaderSeverity)
	case "Pid":
		m.Pid = int32(num())
		if v != lua.LNil {
			m.MarkPresent(message.HeaderPid)
		}
	case "Uuid":
		u, err := parseUUID(str())
		if err != nil {
			argError(L, fn, 2, "Uuid: %v", err)
		}
		m.Uuid = u
	default:
		fname, ok := fieldName(string(name))
		if !ok {
			argError(L, fn, 1, "unknown variable %q (want a header name or Fields[name])", name)
		}
		var rep *string
		switch r := L.Get(3).(type) {
		case *lua.LNilType:
		case lua.LString:
			rs := string(r)
			rep = &rs
		default:
			argError(L, fn, 3, "want a string representation, got %s", r.Type())
		}
		fi, ai := optIndex(L, fn, 4), optIndex(L, fn, 5)
		// Finding the field compares its name with every field's.
		s.charge(L, fn, len(m.Fields)*(1+len(fname)/bytesPerStep), 0)
		s.hold(L, fn, len(fname))
		if err := writeField(m, fname, v, rep, fi, ai); err != nil {
			L.RaiseError("write_message() %s: %v", name, err)
		}
	}
	return 0
}

// hold counts n bytes the call keeps outside the Lua heap against the
// memory limit.
func (s *Sandbox) hold(L *lua.LState, fn string, n int) {
	s.heldBytes += int64(n)
	s.charge(L, fn, 1, n)
}

// valueSize is what a Lua value stored in a message takes.
func valueSize(v lua.LValue) int {
	if str, ok := v.(lua.LString); ok {
		return len(str) + sizeString
	}
	return sizeValue
}

// parseUUID accepts Heka's 16 raw bytes or the 36-character text form.
func parseUUID(s string) (message.UUID, error) {
	var u message.UUID
	if len(s) == 16 {
		copy(u[:], s)
		return u, nil
	}
	return message.ParseUUID(s)
}

// writeField sets element ai of instance fi of field name to v. nil
// removes the instance. A number written to an INTEGER field stays an
// integer when it is integral; otherwise the Lua type decides: string →
// STRING, number → DOUBLE, boolean → BOOL, and an instance of another type
// is replaced.
func writeField(m *message.Message, name string, v lua.LValue, rep *string, fi, ai int) error {
	var idx = -1
	seen := 0
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			if seen == fi {
				idx = i
				break
			}
			seen++
		}
	}
	if v == lua.LNil {
		if idx >= 0 {
			m.Fields = append(m.Fields[:idx], m.Fields[idx+1:]...)
		}
		return nil
	}
	if idx < 0 {
		if fi != seen {
			return fmt.Errorf("field index %d: the message has %d instances", fi, seen)
		}
		m.Fields = append(m.Fields, message.Field{Name: name, Type: luaType(v)})
		idx = len(m.Fields) - 1
	}
	f := &m.Fields[idx]
	t := luaType(v)
	if f.Type == message.Integer && t == message.Double {
		if n := float64(v.(lua.LNumber)); n == float64(int64(n)) {
			t = message.Integer
		}
	}
	if f.Type == message.Bytes && t == message.String {
		t = message.Bytes
	}
	if t != f.Type {
		*f = message.Field{Name: name, Type: t, Representation: f.Representation}
	}
	if rep != nil {
		f.Representation = *rep
	}
	n := f.Len()
	if ai > n {
		return fmt.Errorf("array index %d: the field has %d values", ai, n)
	}
	switch t {
	case message.String:
		setAt(&f.Strings, ai, string(v.(lua.LString)))
	case message.Bytes:
		setAt(&f.Bytes, ai, []byte(v.(lua.LString)))
	case message.Integer:
		setAt(&f.Integers, ai, int64(v.(lua.LNumber)))
	case message.Double:
		setAt(&f.Doubles, ai, float64(v.(lua.LNumber)))
	case message.Bool:
		setAt(&f.Bools, ai, bool(v.(lua.LBool)))
	default:
		return fmt.Errorf("cannot store a %s", v.Type())
	}
	return nil
}

func setAt[T any](s *[]T, i int, v T) {
	if i == len(*s) {
		*s = append(*s, v)
		return
	}
	(*s)[i] = v
}

// luaType is the value_type a Lua value takes by default; -1 for values
// that cannot be stored.
func luaType(v lua.LValue) message.ValueType {
	switch v.(type) {
	case lua.LString:
		return message.String
	case lua.LNumber:
		return message.Double
	case lua.LBool:
		return message.Bool
	}
	return -1
}

// injectMessage is inject_message(table | bytes).
func (s *Sandbox) injectMessage(L *lua.LState) int {
	const fn = "inject_message"
	var m *message.Message
	switch v := L.Get(1).(type) {
	case *lua.LTable:
		var err error
		if m, err = tableToMessage(v); err != nil {
			L.RaiseError("inject_message() argument #1: %v", err)
		}
	case lua.LString:
		m = &message.Message{}
		if err := m.Unmarshal([]byte(v)); err != nil {
			L.RaiseError("inject_message() argument #1: %v", err)
		}
	default:
		argError(L, fn, 1, "want a message table or protobuf string, got %s", v.Type())
	}
	s.inject(L, fn, m, false)
	return 0
}

// inject checks the quota and the output limit, fills the headers as
// Heka did, and delivers (filters) or queues (decoders) m.
func (s *Sandbox) inject(L *lua.LState, fn string, m *message.Message, payload bool) {
	if s.callName == initCall {
		L.RaiseError("%s() cannot inject while the script's top level runs", fn)
	}
	if s.injectLeft == 0 {
		L.RaiseError("%s() exceeded the inject quota of %s", fn, s.callName)
	}
	if s.injectLeft > 0 {
		s.injectLeft--
	}
	size := int64(m.Size())
	if payload {
		// The payload and its type and name, which become fields.
		size = int64(len(m.Payload) + len(m.Fields[0].Strings[0]) + len(m.Fields[1].Strings[0]))
	}
	s.callOutput = max(s.callOutput, size)
	if size > s.limits.Output {
		s.ctr.fail(errOutput)
		L.RaiseError("%s() %v (%d bytes > %d)", fn, errOutput, size, s.limits.Output)
	}
	if s.cfg.Kind == Decoder {
		if in := s.current; in != nil {
			copyUnsetHeaders(m, in)
		}
		s.fillRequired(m)
		// Queued messages are memory the script holds until the call
		// returns: they count against its memory limit.
		s.hold(L, fn, m.Size()+queuedMessageOverhead)
		s.pending = append(s.pending, m)
		return
	}
	s.fillRequired(m)
	if payload {
		m.Type = "heka.sandbox-output"
	} else {
		m.Type = "heka.sandbox." + m.Type
	}
	m.Logger = s.cfg.Name
	if s.cfg.Hostname != "" {
		m.Hostname = s.cfg.Hostname
	}
	if err := s.deliver(m); err != nil {
		L.RaiseError("%s() %v", fn, err)
	}
}

func (s *Sandbox) fillRequired(m *message.Message) {
	if m.Uuid == (message.UUID{}) {
		m.Uuid = message.NewUUID()
	}
	if m.Timestamp == 0 {
		m.Timestamp = s.now()
	}
}

// queuedMessageOverhead is the memory of a queued message beyond its
// encoded size: the Message and Field structs.
const queuedMessageOverhead = 256

// copyUnsetHeaders gives m the headers of in that m lacks, as Heka's
// SandboxDecoder did: Uuid, Timestamp, Type, Hostname, Logger, Severity and
// Pid (not Payload nor EnvVersion).
func copyUnsetHeaders(m, in *message.Message) {
	if m.Uuid == (message.UUID{}) {
		m.Uuid = in.Uuid
	}
	if m.Timestamp == 0 {
		m.Timestamp = in.Timestamp
	}
	if !m.Has(message.HeaderType) {
		m.Type = in.Type
	}
	if !m.Has(message.HeaderHostname) {
		m.Hostname = in.Hostname
	}
	if !m.Has(message.HeaderLogger) {
		m.Logger = in.Logger
	}
	if !m.Has(message.HeaderSeverity) && in.Has(message.HeaderSeverity) {
		m.Severity = in.Severity
		m.MarkPresent(message.HeaderSeverity)
	}
	if !m.Has(message.HeaderPid) && in.Has(message.HeaderPid) {
		m.Pid = in.Pid
		m.MarkPresent(message.HeaderPid)
	}
}

// appendOutput appends the arguments from index first on to the payload
// buffer: strings as they are, numbers as Lua prints them, booleans.
func (s *Sandbox) appendOutput(L *lua.LState, fn string, first int) {
	for i := first; i <= L.GetTop(); i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			s.payload = append(s.payload, v...)
		case lua.LNumber:
			s.payload = append(s.payload, v.String()...)
		case lua.LBool:
			s.payload = strconv.AppendBool(s.payload, bool(v))
		default:
			argError(L, fn, i, "want a string, number or boolean, got %s", v.Type())
		}
		if int64(len(s.payload)) > s.limits.Output {
			s.ctr.fail(errOutput)
			L.RaiseError("%s() %v (%d bytes > %d)", fn, errOutput, len(s.payload), s.limits.Output)
		}
	}
	s.callOutput = max(s.callOutput, int64(len(s.payload)))
}

// addToPayload is add_to_payload(...).
func (s *Sandbox) addToPayload(L *lua.LState) int {
	s.appendOutput(L, "add_to_payload", 1)
	return 0
}

// injectPayload is inject_payload([type[, name[, ...]]]): the payload
// buffer plus the arguments after name, as a message with Fields
// payload_type and payload_name.
func (s *Sandbox) injectPayload(L *lua.LState) int {
	const fn = "inject_payload"
	ptype, pname := "txt", ""
	for i, dst := range []*string{&ptype, &pname} {
		switch v := L.Get(i + 1).(type) {
		case *lua.LNilType:
		case lua.LString:
			*dst = string(v)
		default:
			argError(L, fn, i+1, "want a string, got %s", v.Type())
		}
	}
	s.appendOutput(L, fn, 3)
	m := &message.Message{Severity: message.DefaultSeverity, Payload: string(s.payload)}
	s.payload = s.payload[:0]
	m.AddField(message.Field{Name: "payload_type", Representation: "file-extension", Strings: []string{ptype}})
	m.AddField(message.Field{Name: "payload_name", Strings: []string{pname}})
	s.inject(L, fn, m, true)
	return 0
}

// decodeMessage is decode_message(bytes): the message as a table.
func (s *Sandbox) decodeMessage(L *lua.LState) int {
	b, ok := L.Get(1).(lua.LString)
	if !ok {
		argError(L, "decode_message", 1, "want a protobuf string, got %s", L.Get(1).Type())
	}
	var m message.Message
	if err := m.Unmarshal([]byte(b)); err != nil {
		L.RaiseError("decode_message() argument #1: %v", err)
	}
	if err := s.ctr.Alloc(2 * len(b)); err != nil {
		L.RaiseError("decode_message() %v", err)
	}
	L.Push(messageToTable(L, &m))
	return 1
}

// encodeMessage is encode_message(table[, framed]): the message as
// protobuf bytes, with Heka's stream framing (record separator, header,
// unit separator) when framed is true.
func (s *Sandbox) encodeMessage(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		argError(L, "encode_message", 1, "want a message table, got %s", L.Get(1).Type())
	}
	m, err := tableToMessage(t)
	if err != nil {
		L.RaiseError("encode_message() argument #1: %v", err)
	}
	s.fillRequired(m)
	size := int64(m.Size())
	s.callOutput = max(s.callOutput, size)
	if size > s.limits.Output {
		s.ctr.fail(errOutput)
		L.RaiseError("encode_message() %v (%d bytes > %d)", errOutput, size, s.limits.Output)
	}
	if !lua.LVAsBool(L.Get(2)) {
		L.Push(lua.LString(m.Marshal()))
		return 1
	}
	header := framing.AppendHeader(nil, framing.Header{MessageLength: uint32(size)})
	b := make([]byte, 0, 3+len(header)+int(size))
	b = append(b, framing.RecordSeparator, byte(len(header)))
	b = append(b, header...)
	b = append(b, framing.UnitSeparator)
	L.Push(lua.LString(m.MarshalAppend(b)))
	return 1
}
