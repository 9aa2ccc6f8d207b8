package framing

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Header is the protobuf header of a record, with the field numbers of Heka's
// message.proto: message_length 1 (required), hmac_hash_function 3,
// hmac_signer 4, hmac_key_version 5 and hmac 6.
//
// A record is signed when Hmac is not nil. DecodeHeader sets Hmac to a
// non-nil slice whenever the field is present, even empty, so that a record
// with an empty hmac fails verification instead of passing as unsigned.
type Header struct {
	MessageLength    uint32
	HmacHashFunction HashFunction
	HmacSigner       string
	HmacKeyVersion   uint32
	Hmac             []byte
}

// Protobuf field numbers and wire types of the Header.
const (
	fieldMessageLength    = 1
	fieldHmacHashFunction = 3
	fieldHmacSigner       = 4
	fieldHmacKeyVersion   = 5
	fieldHmac             = 6

	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5

	maxFieldNumber = 1<<29 - 1
	// maxGroupDepth bounds the nesting of unknown groups a header may carry,
	// so that a hostile header cannot recurse without end.
	maxGroupDepth = 32
)

// AppendHeader appends the protobuf encoding of h to dst and returns the
// extended slice. message_length is always written; hmac_signer and
// hmac_key_version are written when the header is signed (Hmac not nil) or
// names a signer, hmac_key_version also whenever it is not 0, and
// hmac_hash_function when it is not MD5, the field's default. This is the
// encoding Heka produces, and DecodeHeader gives h back from it.
func AppendHeader(dst []byte, h Header) []byte {
	dst = appendVarintField(dst, fieldMessageLength, uint64(h.MessageLength))
	if h.HmacHashFunction != MD5 {
		dst = appendVarintField(dst, fieldHmacHashFunction, uint64(int64(h.HmacHashFunction)))
	}
	named := h.Hmac != nil || h.HmacSigner != ""
	if named {
		dst = binary.AppendUvarint(dst, fieldHmacSigner<<3|wireBytes)
		dst = binary.AppendUvarint(dst, uint64(len(h.HmacSigner)))
		dst = append(dst, h.HmacSigner...)
	}
	if named || h.HmacKeyVersion != 0 {
		dst = appendVarintField(dst, fieldHmacKeyVersion, uint64(h.HmacKeyVersion))
	}
	if h.Hmac != nil {
		dst = binary.AppendUvarint(dst, fieldHmac<<3|wireBytes)
		dst = binary.AppendUvarint(dst, uint64(len(h.Hmac)))
		dst = append(dst, h.Hmac...)
	}
	return dst
}

func appendVarintField(dst []byte, field int, v uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(field)<<3|wireVarint)
	return binary.AppendUvarint(dst, v)
}

// DecodeHeader decodes the protobuf header b with proto2's rules: fields in
// any order, the last of a repeated scalar wins, unknown fields (groups
// included) are skipped, and a missing message_length is an error. A known
// field with the wrong wire type is an error, as it was for Heka's generated
// decoder. Hmac aliases b.
func DecodeHeader(b []byte) (Header, error) {
	var raw rawHeader
	if off, err := raw.parse(b); err != nil {
		return Header{}, fmt.Errorf("framing: decode header %x: %w at byte %d", b, err, off)
	}
	h := raw.header(b)
	if raw.hasSigner {
		h.HmacSigner = string(raw.signer(b))
	}
	return h, nil
}

// Errors of header decoding. They are values, not formatted per call, so that
// a Reader resynchronising through garbage does not allocate for every
// candidate header it rejects.
var (
	errTruncated      = errors.New("truncated field")
	errBadVarint      = errors.New("varint longer than 10 bytes")
	errFieldNumber    = errors.New("field number out of range")
	errWireType       = errors.New("wrong wire type for field")
	errBadWireType    = errors.New("invalid wire type")
	errUnmatchedGroup = errors.New("unmatched end of group")
	errGroupDepth     = errors.New("groups nested too deep")
	errMissingLength  = errors.New("required message_length missing")
)

// rawHeader is a decoded header whose hmac_signer and hmac are kept as
// offsets into the header bytes, so that the Reader can move its buffer
// between decoding a header and returning the record.
type rawHeader struct {
	length             uint32
	hash               HashFunction
	version            uint32
	signerOff, signerN int
	hmacOff, hmacN     int
	hasLength          bool
	hasSigner          bool
	hasHmac            bool
}

// header returns the Header that r describes, b being the bytes r was parsed
// from, without its HmacSigner, which the caller supplies (interned or
// copied).
func (r *rawHeader) header(b []byte) Header {
	h := Header{MessageLength: r.length, HmacHashFunction: r.hash, HmacKeyVersion: r.version}
	if r.hasHmac {
		h.Hmac = r.hmac(b)
	}
	return h
}

func (r *rawHeader) signer(b []byte) []byte { return b[r.signerOff : r.signerOff+r.signerN] }

func (r *rawHeader) hmac(b []byte) []byte {
	return b[r.hmacOff : r.hmacOff+r.hmacN : r.hmacOff+r.hmacN]
}

// parse decodes b into r; on failure it returns the offset of the field that
// failed and the reason.
func (r *rawHeader) parse(b []byte) (int, error) {
	*r = rawHeader{}
	for i := 0; i < len(b); {
		start := i
		num, typ, n, err := consumeTag(b[i:])
		if err != nil {
			return start, err
		}
		i += n
		switch num {
		case fieldMessageLength, fieldHmacHashFunction, fieldHmacKeyVersion:
			if typ != wireVarint {
				return start, errWireType
			}
			v, n, err := consumeVarint(b[i:])
			if err != nil {
				return start, err
			}
			i += n
			switch num {
			case fieldMessageLength:
				r.length, r.hasLength = uint32(v), true
			case fieldHmacHashFunction:
				r.hash = HashFunction(int32(v))
			default:
				r.version = uint32(v)
			}
		case fieldHmacSigner, fieldHmac:
			if typ != wireBytes {
				return start, errWireType
			}
			l, n, err := consumeVarint(b[i:])
			if err != nil {
				return start, err
			}
			i += n
			if l > uint64(len(b)-i) {
				return start, errTruncated
			}
			if num == fieldHmacSigner {
				r.signerOff, r.signerN, r.hasSigner = i, int(l), true
			} else {
				r.hmacOff, r.hmacN, r.hasHmac = i, int(l), true
			}
			i += int(l)
		default:
			n, err := skipField(b[i:], num, typ, 0)
			if err != nil {
				return start, err
			}
			i += n
		}
	}
	if !r.hasLength {
		return len(b), errMissingLength
	}
	return 0, nil
}

func consumeVarint(b []byte) (uint64, int, error) {
	v, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return 0, 0, errTruncated
	case n < 0:
		return 0, 0, errBadVarint
	}
	return v, n, nil
}

func consumeTag(b []byte) (num uint64, typ int, n int, err error) {
	tag, n, err := consumeVarint(b)
	if err != nil {
		return 0, 0, 0, err
	}
	num = tag >> 3
	if num == 0 || num > maxFieldNumber {
		return 0, 0, 0, errFieldNumber
	}
	return num, int(tag & 7), n, nil
}

// skipField returns the length of the value of an unknown field num of wire
// type typ at the start of b.
func skipField(b []byte, num uint64, typ int, depth int) (int, error) {
	switch typ {
	case wireVarint:
		_, n, err := consumeVarint(b)
		return n, err
	case wireFixed64, wireFixed32:
		size := 8
		if typ == wireFixed32 {
			size = 4
		}
		if len(b) < size {
			return 0, errTruncated
		}
		return size, nil
	case wireBytes:
		l, n, err := consumeVarint(b)
		if err != nil {
			return 0, err
		}
		if l > uint64(len(b)-n) {
			return 0, errTruncated
		}
		return n + int(l), nil
	case wireStartGroup:
		if depth >= maxGroupDepth {
			return 0, errGroupDepth
		}
		for i := 0; i < len(b); {
			inner, innerTyp, n, err := consumeTag(b[i:])
			if err != nil {
				return 0, err
			}
			i += n
			if innerTyp == wireEndGroup {
				if inner != num {
					return 0, errUnmatchedGroup
				}
				return i, nil
			}
			n, err = skipField(b[i:], inner, innerTyp, depth+1)
			if err != nil {
				return 0, err
			}
			i += n
		}
		return 0, errTruncated
	case wireEndGroup:
		return 0, errUnmatchedGroup
	}
	return 0, errBadWireType
}
