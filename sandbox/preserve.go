package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"
)

// The preservation file holds the script's data globals in a binary form
// of Sandpiper's own that is read, never executed:
//
//	magic "sandpiper-preserve\x01"
//	body:  uvarint T (tables), then T tables, each: uvarint P (pairs),
//	       then P pairs of key value
//	value: 'f' | 't' | 'n' 8-byte little-endian float64 |
//	       's' uvarint length, bytes | 'T' uvarint table number
//	crc32 (IEEE) of the body, 4 bytes little-endian
//
// Table 0 holds the globals. Tables are numbered in the order the walk
// first meets them, so shared references and cycles come back as they
// were. Functions, userdata, metatables, the environment's own globals and
// the tables of loaded modules are not saved.
const preserveMagic = "sandpiper-preserve\x01"

const preserveVersionKey = "_PRESERVATION_VERSION"

var errCorrupt = errors.New("corrupt preservation data")

// preserve writes the globals to Config.PreservePath atomically.
func (s *Sandbox) preserve() error {
	data := s.encodeGlobals()
	path := s.cfg.PreservePath
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("sandbox %s: preserve data: %w", s.cfg.Name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sandbox %s: preserve data: %w", s.cfg.Name, err)
	}
	return nil
}

func (s *Sandbox) encodeGlobals() []byte {
	modules := make(map[*lua.LTable]bool)
	loaded := s.loadedTable()
	for k, v := loaded.Next(lua.LNil); k != lua.LNil; k, v = loaded.Next(k) {
		if t, ok := v.(*lua.LTable); ok {
			modules[t] = true
		}
	}
	ids := map[*lua.LTable]uint64{}
	var order []*lua.LTable
	saveable := func(v lua.LValue) bool {
		switch x := v.(type) {
		case lua.LString, lua.LNumber, lua.LBool:
			return true
		case *lua.LTable:
			return !modules[x]
		}
		return false
	}
	id := func(t *lua.LTable) uint64 {
		if n, ok := ids[t]; ok {
			return n
		}
		ids[t] = uint64(len(order))
		order = append(order, t)
		return ids[t]
	}
	var body []byte
	appendValue := func(v lua.LValue) {
		switch x := v.(type) {
		case lua.LBool:
			if x {
				body = append(body, 't')
			} else {
				body = append(body, 'f')
			}
		case lua.LNumber:
			body = append(body, 'n')
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(float64(x)))
		case lua.LString:
			body = append(body, 's')
			body = binary.AppendUvarint(body, uint64(len(x)))
			body = append(body, x...)
		case *lua.LTable:
			body = append(body, 'T')
			body = binary.AppendUvarint(body, id(x))
		}
	}
	g := s.state.G.Global
	id(g)
	var pairs [][2]lua.LValue
	for i := 0; i < len(order); i++ {
		t := order[i]
		pairs = pairs[:0]
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			if !saveable(k) || !saveable(v) {
				continue
			}
			if t == g {
				if ks, ok := k.(lua.LString); ok && s.builtinGlobals[string(ks)] == v {
					continue
				}
			}
			pairs = append(pairs, [2]lua.LValue{k, v})
		}
		body = binary.AppendUvarint(body, uint64(len(pairs)))
		for _, p := range pairs {
			appendValue(p[0])
			appendValue(p[1])
		}
	}
	head := binary.AppendUvarint(nil, uint64(len(order)))
	out := make([]byte, 0, len(preserveMagic)+len(head)+len(body)+4)
	out = append(out, preserveMagic...)
	out = append(out, head...)
	out = append(out, body...)
	return binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(out[len(preserveMagic):]))
}

// restore loads Config.PreservePath into the globals. A missing file is a
// first start; a corrupt one, or one saved under another
// _PRESERVATION_VERSION, starts clean with a line in the log.
func (s *Sandbox) restore() {
	path := s.cfg.PreservePath
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err == nil && fi.Size() > s.limits.Memory {
		s.logf("preserve data %s: %d bytes is more than the memory limit; starting clean", path, fi.Size())
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		s.logf("preserve data %s: %v; starting clean", path, err)
		return
	}
	s.restoreData(path, data)
}

// restoreData restores the globals from data, read from path.
func (s *Sandbox) restoreData(path string, data []byte) {
	saved, err := decodePreserved(data)
	if err != nil {
		s.logf("preserve data %s: %v; starting clean", path, err)
		return
	}
	if need := preservedSize(saved); need > s.limits.Memory {
		s.logf("preserve data %s: restoring needs about %d bytes, more than the memory limit; starting clean", path, need)
		return
	}
	g := s.state.G.Global
	version := func(v lua.LValue) lua.LValue {
		if v == lua.LNil {
			return lua.LNumber(0)
		}
		return v
	}
	had, want := lua.LValue(lua.LNil), version(g.RawGetString(preserveVersionKey))
	for _, p := range saved[0] {
		if p.key.v == lua.LString(preserveVersionKey) {
			had = p.value.v
		}
	}
	if had = version(had); had != want {
		s.logf("preserve data %s: saved under %s %v, the script has %v; starting clean",
			path, preserveVersionKey, had, want)
		return
	}
	// A global that the script's top level made a table, and that was
	// saved as a table, keeps its identity (and whatever functions the
	// script put in it): the saved entries are filled into it, and every
	// saved reference to that table refers to it.
	tables := make([]*lua.LTable, len(saved))
	tables[0] = g
	for _, p := range saved[0] {
		if cur, ok := g.RawGet(p.key.v).(*lua.LTable); ok && p.value.ref > 0 && tables[p.value.ref] == nil {
			tables[p.value.ref] = cur
		}
	}
	for i := range tables {
		if tables[i] == nil {
			tables[i] = s.state.NewTable()
		}
	}
	resolve := func(v preservedValue) lua.LValue {
		if v.ref >= 0 {
			return tables[v.ref]
		}
		return v.v
	}
	for i, pairs := range saved {
		for _, p := range pairs {
			if i == 0 {
				// The environment's globals are not the file's to set.
				if ks, ok := p.key.v.(lua.LString); ok && s.builtinGlobals[string(ks)] != nil {
					continue
				}
			}
			tables[i].RawSet(resolve(p.key), resolve(p.value))
		}
	}
}

// preservedSize estimates the memory the decoded tables take once
// restored, counting the array part gopher-lua allocates up to a table's
// largest integer key: a few bytes of file can ask for t[1000000].
func preservedSize(tables [][]preservedPair) int64 {
	var n int64
	for _, pairs := range tables {
		top := 0
		for _, p := range pairs {
			if k, ok := p.key.v.(lua.LNumber); ok && p.key.ref < 0 {
				if i := int(k); float64(i) == float64(k) && i > top && i < maxArrayIndex {
					top = i
				}
			}
		}
		n += sizeTable + sizeValue*int64(top) + sizeEntry*int64(len(pairs))
	}
	return n
}

// preservedValue is a decoded value: v, or the table numbered ref when
// ref >= 0.
type preservedValue struct {
	v   lua.LValue
	ref int
}

type preservedPair struct{ key, value preservedValue }

// decodePreserved parses data into the pairs of each table. It checks
// every length and reference against the data, so a corrupt or truncated
// file is an error, never a panic or an allocation larger than the file.
func decodePreserved(data []byte) ([][]preservedPair, error) {
	if len(data) < len(preserveMagic)+4 || string(data[:len(preserveMagic)]) != preserveMagic {
		return nil, fmt.Errorf("%w: not a Sandpiper preservation file", errCorrupt)
	}
	body := data[len(preserveMagic) : len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch (truncated or damaged)", errCorrupt)
	}
	d := preserveDecoder{b: body}
	n := d.uvarint()
	if d.err != nil || n == 0 || n > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: bad table count", errCorrupt)
	}
	tables := make([][]preservedPair, n)
	for i := range tables {
		count := d.uvarint()
		if count > uint64(len(d.b))/2 {
			return nil, fmt.Errorf("%w: bad pair count at byte %d", errCorrupt, d.off)
		}
		pairs := make([]preservedPair, 0, count)
		for ; count > 0 && d.err == nil; count-- {
			k := d.value(n)
			v := d.value(n)
			if d.err != nil {
				break
			}
			if kn, ok := k.v.(lua.LNumber); ok && k.ref < 0 && math.IsNaN(float64(kn)) {
				return nil, fmt.Errorf("%w: NaN key at byte %d", errCorrupt, d.off)
			}
			pairs = append(pairs, preservedPair{k, v})
		}
		if d.err != nil {
			return nil, d.err
		}
		tables[i] = pairs
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last table", errCorrupt, len(d.b))
	}
	return tables, nil
}

type preserveDecoder struct {
	b   []byte
	off int
	err error
}

func (d *preserveDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", errCorrupt, what, d.off)
	}
	d.b = nil
}

func (d *preserveDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad length")
		return 0
	}
	d.b, d.off = d.b[n:], d.off+n
	return v
}

func (d *preserveDecoder) value(tables uint64) preservedValue {
	v := preservedValue{v: lua.LNil, ref: -1}
	if len(d.b) == 0 {
		d.fail("missing value")
		return v
	}
	tag := d.b[0]
	d.b, d.off = d.b[1:], d.off+1
	switch tag {
	case 'f':
		v.v = lua.LFalse
	case 't':
		v.v = lua.LTrue
	case 'n':
		if len(d.b) < 8 {
			d.fail("truncated number")
			return v
		}
		v.v = lua.LNumber(math.Float64frombits(binary.LittleEndian.Uint64(d.b)))
		d.b, d.off = d.b[8:], d.off+8
	case 's':
		n := d.uvarint()
		if d.err != nil || n > uint64(len(d.b)) {
			d.fail("truncated string")
			return v
		}
		v.v = lua.LString(d.b[:n])
		d.b, d.off = d.b[n:], d.off+int(n)
	case 'T':
		n := d.uvarint()
		if d.err != nil || n >= tables {
			d.fail("bad table reference")
			return v
		}
		v.ref = int(n)
	default:
		d.fail(fmt.Sprintf("unknown tag %q", tag))
	}
	return v
}
