package framing

import (
	"bytes"
	"strings"
	"testing"
)

func TestAppendHeaderBytes(t *testing.T) {
	sum := bytes.Repeat([]byte{0xAB}, 16)
	tests := []struct {
		name string
		h    Header
		want []byte
	}{
		{"unsigned", Header{MessageLength: 300}, []byte{0x08, 0xAC, 0x02}},
		{"MD5 leaves the default hash function out", Header{MessageLength: 5, HmacSigner: "ops", HmacKeyVersion: 1, Hmac: sum},
			append([]byte{0x08, 0x05, 0x22, 0x03, 'o', 'p', 's', 0x28, 0x01, 0x32, 0x10}, sum...)},
		{"SHA1 and version 0 are written", Header{MessageLength: 5, HmacHashFunction: SHA1, HmacSigner: "ops", Hmac: sum[:4]},
			[]byte{0x08, 0x05, 0x18, 0x01, 0x22, 0x03, 'o', 'p', 's', 0x28, 0x00, 0x32, 0x04, 0xAB, 0xAB, 0xAB, 0xAB}},
		{"key version alone", Header{MessageLength: 1, HmacKeyVersion: 3}, []byte{0x08, 0x01, 0x28, 0x03}},
		{"signer without hmac", Header{MessageLength: 1, HmacSigner: "a", HmacKeyVersion: 2},
			[]byte{0x08, 0x01, 0x22, 0x01, 'a', 0x28, 0x02}},
		{"present empty hmac", Header{MessageLength: 1, Hmac: []byte{}},
			[]byte{0x08, 0x01, 0x22, 0x00, 0x28, 0x00, 0x32, 0x00}},
		{"negative enum is sign-extended", Header{MessageLength: 0, HmacHashFunction: -1},
			[]byte{0x08, 0x00, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendHeader([]byte{0x55}, tt.h)
			if !bytes.Equal(got, append([]byte{0x55}, tt.want...)) {
				t.Fatalf("AppendHeader(%+v) = % x, want 55 % x", tt.h, got, tt.want)
			}
			back, err := DecodeHeader(got[1:])
			if err != nil {
				t.Fatalf("DecodeHeader(% x): %v", got[1:], err)
			}
			if !headersEqual(back, tt.h) {
				t.Fatalf("DecodeHeader(AppendHeader(%+v)) = %+v", tt.h, back)
			}
		})
	}
}

func headersEqual(a, b Header) bool {
	return a.MessageLength == b.MessageLength && a.HmacHashFunction == b.HmacHashFunction &&
		a.HmacSigner == b.HmacSigner && a.HmacKeyVersion == b.HmacKeyVersion &&
		bytes.Equal(a.Hmac, b.Hmac) && (a.Hmac == nil) == (b.Hmac == nil)
}

func TestDecodeHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Header
	}{
		{"fields out of order", []byte{0x32, 0x01, 0x07, 0x28, 0x03, 0x08, 0x09, 0x22, 0x01, 'x', 0x18, 0x01},
			Header{MessageLength: 9, HmacHashFunction: SHA1, HmacSigner: "x", HmacKeyVersion: 3, Hmac: []byte{7}}},
		{"last repeated scalar wins", []byte{0x08, 0x01, 0x08, 0x02, 0x22, 0x01, 'a', 0x22, 0x01, 'b'},
			Header{MessageLength: 2, HmacSigner: "b"}},
		{"unknown varint", []byte{0x10, 0x96, 0x01, 0x08, 0x04}, Header{MessageLength: 4}},
		{"unknown fixed64", []byte{0x39, 1, 2, 3, 4, 5, 6, 7, 8, 0x08, 0x04}, Header{MessageLength: 4}},
		{"unknown fixed32", []byte{0x3D, 1, 2, 3, 4, 0x08, 0x04}, Header{MessageLength: 4}},
		{"unknown bytes", []byte{0x3A, 0x02, 0x1E, 0x1F, 0x08, 0x04}, Header{MessageLength: 4}},
		{"unknown nested group", []byte{0x3B, 0x4B, 0x50, 0x01, 0x4C, 0x3C, 0x08, 0x04}, Header{MessageLength: 4}},
		{"large field number", []byte{0xF8, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x08, 0x04}, Header{MessageLength: 4}},
		{"uint32 keeps the low 32 bits", []byte{0x08, 0x85, 0x80, 0x80, 0x80, 0x10}, Header{MessageLength: 5}},
		{"unknown hash function kept", []byte{0x08, 0x01, 0x18, 0x07}, Header{MessageLength: 1, HmacHashFunction: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeHeader(tt.in)
			if err != nil {
				t.Fatalf("DecodeHeader(% x): %v", tt.in, err)
			}
			if !headersEqual(got, tt.want) {
				t.Fatalf("DecodeHeader(% x) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string // the reason and where, as the error says them
	}{
		{"empty", nil, "required message_length missing at byte 0"},
		{"no message_length", []byte{0x22, 0x01, 'a'}, "required message_length missing at byte 3"},
		{"length as bytes", []byte{0x0A, 0x01, 0x05}, "wrong wire type for field at byte 0"},
		{"signer as varint", []byte{0x08, 0x01, 0x20, 0x01}, "wrong wire type for field at byte 2"},
		{"truncated varint", []byte{0x08, 0x80}, "unexpected EOF at byte 0"},
		{"truncated tag", []byte{0x80}, "unexpected EOF at byte 0"},
		{"varint of 11 bytes", []byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "overflow at byte 0"},
		{"truncated bytes", []byte{0x08, 0x01, 0x32, 0x05, 0x01}, "unexpected EOF at byte 2"},
		{"truncated unknown bytes", []byte{0x3A, 0x05, 0x01}, "unexpected EOF at byte 0"},
		{"truncated fixed32", []byte{0x3D, 1, 2}, "unexpected EOF at byte 0"},
		{"truncated fixed64", []byte{0x39, 1, 2, 3}, "unexpected EOF at byte 0"},
		{"field number 0", []byte{0x00, 0x01}, "invalid field number at byte 0"},
		{"field number too large", []byte{0x80, 0x80, 0x80, 0x80, 0x10, 0x00}, "field number out of range at byte 0"},
		{"end group alone", []byte{0x3C}, "end group marker at byte 0"},
		{"group ends with another number", []byte{0x3B, 0x44}, "end group marker at byte 0"},
		{"group never ends", []byte{0x3B, 0x08, 0x01}, "unexpected EOF at byte 0"},
		{"groups nested beyond the limit", bytes.Repeat([]byte{0x3B}, 10002), "parse error at byte 0"},
		{"wire type 6", []byte{0x3E}, "reserved wire type at byte 0"},
		{"wire type 7", []byte{0x08, 0x01, 0x3F}, "reserved wire type at byte 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeHeader(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DecodeHeader(% x) = %v, want an error saying %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestHashFunctionNames(t *testing.T) {
	tests := []struct {
		in   string
		want HashFunction
		ok   bool
	}{
		{"md5", MD5, true},
		{"SHA1", SHA1, true},
		{"Sha1", SHA1, true},
		{"sha256", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseHashFunction(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseHashFunction(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && !strings.EqualFold(got.String(), tt.in) {
			t.Errorf("%v.String() = %q, want %q in any case", got, got.String(), tt.in)
		}
	}
	if s := HashFunction(9).String(); s != "HashFunction(9)" {
		t.Errorf("HashFunction(9).String() = %q", s)
	}
}
