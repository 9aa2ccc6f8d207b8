package framing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ReaderOptions configures a Reader.
type ReaderOptions struct {
	// MaxMessageSize is the largest message accepted; a record announcing a
	// longer one is skipped as garbage and counted in Stats.Oversize. 0 (or
	// less) means DefaultMaxMessageSize.
	MaxMessageSize int
	// Keys holds the HMAC keys of the trusted signers, by "signer_version"
	// (for example "ops_1": signer "ops", hmac_key_version 1), as Heka's
	// [input.signer.ops_1] tables do. A signed record whose signer and
	// version have no key is dropped. Unsigned records are accepted whatever
	// Keys holds, as in Heka; Record.Signer tells them apart.
	Keys map[string][]byte
}

// Validate reports the first problem of o, in key name order: a maximum
// size beyond what message_length can express, an empty key, or a key whose
// name is not "signer_version" with a decimal version without leading zeros
// (such a key could never match a record).
func (o ReaderOptions) Validate() error {
	if uint64(max(o.MaxMessageSize, 0)) > math.MaxUint32 {
		return fmt.Errorf("framing: reader MaxMessageSize %d exceeds %d", o.MaxMessageSize, uint64(math.MaxUint32))
	}
	for _, name := range slices.Sorted(maps.Keys(o.Keys)) {
		if _, ok := keySigner(name); !ok {
			return fmt.Errorf("framing: key name %q: want signer_version, e.g. \"ops_1\"", name)
		}
		if len(o.Keys[name]) == 0 {
			return fmt.Errorf("framing: key %q is empty", name)
		}
	}
	return nil
}

// keySigner returns the signer of the key name "signer_version" ("ops" for
// "ops_1"), and whether name has that form.
func keySigner(name string) (string, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return "", false
	}
	v, err := strconv.ParseUint(name[i+1:], 10, 32)
	if err != nil || strconv.FormatUint(v, 10) != name[i+1:] {
		return "", false
	}
	return name[:i], true
}

// Record is one record read by a Reader.
type Record struct {
	Header Header
	// Message holds the message bytes. It and Header.Hmac point into the
	// Reader's buffer and are valid until the next call to Next or Reset.
	Message []byte
	// Signer is the verified signer name of a signed message, "" for an
	// unsigned one.
	Signer string
	// Size is the record's length in the stream, framing included: with
	// Stats.BytesSkipped, where the record ends in the stream.
	Size int
}

// DropReason says why a Reader dropped a well-framed record.
type DropReason uint8

// The reasons a record is dropped.
const (
	// UnknownSigner: no key for the record's signer_version.
	UnknownSigner DropReason = iota + 1
	// BadSignature: the HMAC does not match the message, or its hash
	// function is neither MD5 nor SHA1.
	BadSignature
)

// Drop describes the last record a Reader dropped, for the caller to log.
type Drop struct {
	Reason     DropReason
	Signer     string
	KeyVersion uint32
	Hash       HashFunction
}

// String describes d, naming the signer:
// `bad signature from signer "ops" key version 1 (MD5)`.
func (d Drop) String() string {
	switch d.Reason {
	case UnknownSigner:
		return fmt.Sprintf("unknown signer %q key version %d (no key %q)", d.Signer, d.KeyVersion, d.Signer+"_"+strconv.FormatUint(uint64(d.KeyVersion), 10))
	case BadSignature:
		return fmt.Sprintf("bad signature from signer %q key version %d (%v)", d.Signer, d.KeyVersion, d.Hash)
	}
	return "no drop"
}

// Stats counts what a Reader has read. Bytes of records returned by Next,
// BytesSkipped, and the bytes still buffered add up to BytesRead.
type Stats struct {
	Records      int64 // records returned by Next
	BytesRead    int64 // bytes read from the underlying io.Reader
	BytesSkipped int64 // bytes that were not part of a returned record: garbage, rejected and dropped records, a truncated last record
	// Oversize counts the headers announcing a message longer than
	// MaxMessageSize (the bytes are in BytesSkipped).
	Oversize int64
	// BadSignatures and UnknownSigners count the dropped records (their
	// bytes are in BytesSkipped); LastDrop describes the last of them.
	BadSignatures  int64
	UnknownSigners int64
	LastDrop       Drop
}

// key is one trusted signer key, with the HMACs made from it on first use.
type key struct {
	signer string // the signer name, shared by every record it verifies
	secret []byte
	macs   [2]hash.Hash // by HashFunction
}

// Reader reads records from an io.Reader through one buffer of
// MaxMessageSize + MaxHeaderSize + 3 bytes, the largest record, that never
// grows; reading a record allocates nothing.
//
// Resynchronisation: a candidate record starts at each 0x1E. When it is not a
// valid record (header length 0, a header that does not decode, no 0x1F after
// it, a message_length of 0 or above the maximum, the input ends inside it,
// or its signature is unknown or bad), the Reader skips that one 0x1E byte
// and searches again from the next byte, as Heka did, rather than trusting
// the candidate's lengths: a valid record that starts inside a bad one, such
// as the first record after a sender restarted mid-record, is still found.
// Skipped bytes are counted in Stats.BytesSkipped.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	rd         io.Reader
	max        int
	buf        []byte // len is the largest record
	start, end int    // buf[start:end] is read and not yet consumed
	err        error  // the error the underlying reader returned, kept
	keys       map[string]*key
	keyName    []byte // scratch for "signer_version"
	sum        [sha1.Size]byte
	stats      Stats
}

// NewReader returns a Reader of the records in rd. opts should have passed
// Validate; keys with other names never match a record.
func NewReader(rd io.Reader, opts ReaderOptions) *Reader {
	m := opts.MaxMessageSize
	if m <= 0 {
		m = DefaultMaxMessageSize
	}
	r := &Reader{rd: rd, max: m, buf: make([]byte, m+MaxHeaderSize+framingSize)}
	if len(opts.Keys) > 0 {
		r.keys = make(map[string]*key, len(opts.Keys))
		for name, secret := range opts.Keys {
			signer, _ := keySigner(name)
			r.keys[name] = &key{signer: signer, secret: append([]byte(nil), secret...)}
		}
	}
	return r
}

// Reset discards the buffered bytes, the statistics and any error, and makes
// r read from rd, so that one Reader and its buffer serve one stream after
// another.
func (r *Reader) Reset(rd io.Reader) {
	r.rd, r.start, r.end, r.err, r.stats = rd, 0, 0, nil, Stats{}
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

// HasRecord reports whether the bytes read and not yet returned begin with a
// whole record that Next will take as one (separator, a header that
// decodes, unit separator, and the message_length bytes it announces, no
// more than the maximum), so that the next call to Next returns it without
// reading; on anything else, garbage included, it says false. A caller that gathers records before handing them
// on hands them on when it is false, rather than hold them while Next waits
// for the rest of a record.
func (r *Reader) HasRecord() bool {
	b := r.buf[r.start:r.end]
	if len(b) < 2 || b[0] != RecordSeparator {
		return false
	}
	hl := int(b[1])
	if hl == 0 || len(b) < hl+framingSize || b[2+hl] != UnitSeparator {
		return false
	}
	var raw rawHeader
	if _, err := raw.parse(b[2 : 2+hl]); err != nil || raw.length == 0 || uint64(raw.length) > uint64(r.max) {
		return false
	}
	return uint64(len(b)) >= uint64(hl+framingSize)+uint64(raw.length)
}

// maxEmptyReads is how many reads returning no bytes and no error Next
// tolerates in a row before failing with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// Next returns the next valid record. At the end of the input it returns
// io.EOF, after counting any incomplete record left as skipped bytes; to
// follow a growing file, give the Reader an io.Reader that waits for more
// data at its end instead of returning io.EOF. Any other error of the
// underlying reader is returned as is once the records buffered before it
// are consumed, and again by every later call.
func (r *Reader) Next() (Record, error) {
	for {
		i := bytes.IndexByte(r.buf[r.start:r.end], RecordSeparator)
		if i < 0 {
			r.skip(r.end - r.start)
			r.start, r.end = 0, 0
			if err := r.need(1); err != nil {
				if err == errNotRecord {
					err = io.EOF
				}
				return Record{}, err
			}
			continue
		}
		r.skip(i)
		rec, err := r.candidate()
		switch err {
		case nil:
			return rec, nil
		case errNotRecord:
			r.skip(1)
		default:
			return Record{}, err
		}
	}
}

// errNotRecord is how candidate, and need at the end of the input, report
// that the bytes at buf[start] do not start a valid record.
var errNotRecord = errors.New("not a record")

// candidate checks the record that buf[start], a 0x1E, may start. It consumes
// and returns it when it is valid, and returns errNotRecord, consuming
// nothing, when it is not. Any other error is a read error other than io.EOF.
func (r *Reader) candidate() (Record, error) {
	if err := r.need(2); err != nil {
		return Record{}, err
	}
	hl := int(r.buf[r.start+1])
	if hl == 0 {
		return Record{}, errNotRecord
	}
	if err := r.need(hl + framingSize); err != nil {
		return Record{}, err
	}
	if r.buf[r.start+2+hl] != UnitSeparator {
		return Record{}, errNotRecord
	}
	var raw rawHeader
	if _, err := raw.parse(r.buf[r.start+2 : r.start+2+hl]); err != nil {
		return Record{}, errNotRecord
	}
	if raw.length == 0 {
		return Record{}, errNotRecord
	}
	if uint64(raw.length) > uint64(r.max) {
		r.stats.Oversize++
		return Record{}, errNotRecord
	}
	size := hl + framingSize + int(raw.length)
	if err := r.need(size); err != nil {
		return Record{}, err
	}
	// need may have moved the bytes: slice them only now.
	hdr := r.buf[r.start+2 : r.start+2+hl]
	rec := Record{Header: raw.header(hdr), Message: r.buf[r.start+hl+framingSize : r.start+size : r.start+size], Size: size}
	if raw.hasSigner || raw.hasHmac {
		k := r.lookup(raw.signer(hdr), raw.version)
		switch {
		case k != nil:
			rec.Header.HmacSigner = k.signer
		case raw.hasHmac:
			r.drop(UnknownSigner, string(raw.signer(hdr)), &raw)
			return Record{}, errNotRecord
		default:
			rec.Header.HmacSigner = string(raw.signer(hdr))
		}
		if raw.hasHmac {
			if !r.verify(k, raw.hash, rec.Message, rec.Header.Hmac) {
				r.drop(BadSignature, k.signer, &raw)
				return Record{}, errNotRecord
			}
			rec.Signer = k.signer
		}
	}
	r.start += size
	r.stats.Records++
	return rec, nil
}

func (r *Reader) lookup(signer []byte, version uint32) *key {
	if r.keys == nil {
		return nil
	}
	r.keyName = append(r.keyName[:0], signer...)
	r.keyName = append(r.keyName, '_')
	r.keyName = strconv.AppendUint(r.keyName, uint64(version), 10)
	return r.keys[string(r.keyName)]
}

func (r *Reader) verify(k *key, f HashFunction, msg, sum []byte) bool {
	if f != MD5 && f != SHA1 {
		return false
	}
	mac := k.macs[f]
	if mac == nil {
		mac = newMAC(f, k.secret)
		k.macs[f] = mac
	}
	mac.Reset()
	mac.Write(msg)
	return hmac.Equal(mac.Sum(r.sum[:0]), sum)
}

func (r *Reader) drop(reason DropReason, signer string, raw *rawHeader) {
	if reason == UnknownSigner {
		r.stats.UnknownSigners++
	} else {
		r.stats.BadSignatures++
	}
	r.stats.LastDrop = Drop{Reason: reason, Signer: signer, KeyVersion: raw.version, Hash: raw.hash}
}

func (r *Reader) skip(n int) {
	r.start += n
	r.stats.BytesSkipped += int64(n)
}

// need makes sure buf[start:] holds at least n bytes, reading as needed. It
// returns errNotRecord at the end of the input, and the underlying reader's
// error when it failed otherwise.
func (r *Reader) need(n int) error {
	if r.start+n <= r.end {
		return nil
	}
	return r.fill(n)
}

// fill is need's slow path, kept apart so that need inlines.
func (r *Reader) fill(n int) error {
	empty := 0
	for r.end-r.start < n {
		if r.err != nil {
			if r.err == io.EOF {
				return errNotRecord
			}
			return r.err
		}
		if r.start+n > len(r.buf) {
			r.end = copy(r.buf, r.buf[r.start:r.end])
			r.start = 0
		}
		m, err := r.rd.Read(r.buf[r.end:])
		if m < 0 || m > len(r.buf)-r.end {
			r.err = fmt.Errorf("framing: reader returned %d bytes for a %d-byte read", m, len(r.buf)-r.end)
			continue
		}
		r.end += m
		r.stats.BytesRead += int64(m)
		switch {
		case err != nil:
			r.err = err
		case m == 0:
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return nil
}
