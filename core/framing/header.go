package framing

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
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

// Protobuf field numbers of the Header.
const (
	fieldMessageLength    protowire.Number = 1
	fieldHmacHashFunction protowire.Number = 3
	fieldHmacSigner       protowire.Number = 4
	fieldHmacKeyVersion   protowire.Number = 5
	fieldHmac             protowire.Number = 6
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
		dst = protowire.AppendTag(dst, fieldHmacSigner, protowire.BytesType)
		dst = protowire.AppendString(dst, h.HmacSigner)
	}
	if named || h.HmacKeyVersion != 0 {
		dst = appendVarintField(dst, fieldHmacKeyVersion, uint64(h.HmacKeyVersion))
	}
	if h.Hmac != nil {
		dst = protowire.AppendTag(dst, fieldHmac, protowire.BytesType)
		dst = protowire.AppendBytes(dst, h.Hmac)
	}
	return dst
}

func appendVarintField(dst []byte, field protowire.Number, v uint64) []byte {
	dst = protowire.AppendTag(dst, field, protowire.VarintType)
	return protowire.AppendVarint(dst, v)
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

// Errors of header decoding besides protowire's. They are values, not
// formatted per call, so that a Reader resynchronising through garbage does
// not allocate for every candidate header it rejects (protowire.ParseError
// does not allocate either).
var (
	errFieldNumber   = errors.New("field number out of range")
	errWireType      = errors.New("wrong wire type for field")
	errMissingLength = errors.New("required message_length missing")
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
		num, typ, n := protowire.ConsumeTag(b[i:])
		if n < 0 {
			return start, protowire.ParseError(n)
		}
		if !num.IsValid() {
			return start, errFieldNumber
		}
		i += n
		switch num {
		case fieldMessageLength, fieldHmacHashFunction, fieldHmacKeyVersion:
			if typ != protowire.VarintType {
				return start, errWireType
			}
			v, n := protowire.ConsumeVarint(b[i:])
			if n < 0 {
				return start, protowire.ParseError(n)
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
			if typ != protowire.BytesType {
				return start, errWireType
			}
			v, n := protowire.ConsumeBytes(b[i:])
			if n < 0 {
				return start, protowire.ParseError(n)
			}
			off := i + n - len(v)
			if num == fieldHmacSigner {
				r.signerOff, r.signerN, r.hasSigner = off, len(v), true
			} else {
				r.hmacOff, r.hmacN, r.hasHmac = off, len(v), true
			}
			i += n
		default:
			n := protowire.ConsumeFieldValue(num, typ, b[i:])
			if n < 0 {
				return start, protowire.ParseError(n)
			}
			i += n
		}
	}
	if !r.hasLength {
		return len(b), errMissingLength
	}
	return 0, nil
}
