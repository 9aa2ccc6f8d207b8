// Package framing reads and writes Heka's stream framing, the record format
// Heka, Hindsight and Sandpiper use on TCP connections, in files and in
// queues:
//
//	0x1E | H (1 byte) | H bytes of Header (protobuf) | 0x1F | message_length bytes of message
//
// The package works on message bytes only: it neither knows nor decodes what
// a message holds, so any payload can be framed. A Writer frames and
// optionally signs messages with HMAC-MD5 or HMAC-SHA1; a Reader finds the
// records in a stream, skipping and counting whatever is not a valid record,
// and verifies signatures against keys looked up by "signer_version".
package framing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"fmt"
	"hash"
	"strings"
)

// The bytes that delimit a record.
const (
	RecordSeparator = 0x1E // starts a record
	UnitSeparator   = 0x1F // ends the header
)

// MaxHeaderSize is the largest header a record can carry: its length is
// written in one byte.
const MaxHeaderSize = 255

// DefaultMaxMessageSize is the largest message a Reader or Writer accepts when
// its options leave the maximum at 0: 64 KiB, as in Heka.
const DefaultMaxMessageSize = 64 * 1024

// framingSize is the bytes a record adds around its header: the record
// separator, the header length and the unit separator.
const framingSize = 3

// HashFunction names the hash of a record's HMAC, numbered as the
// hmac_hash_function enum of Heka's Header.
type HashFunction int32

// The hash functions of Heka's Header.
const (
	MD5  HashFunction = 0
	SHA1 HashFunction = 1
)

// String returns "MD5" or "SHA1", or HashFunction(n) for a value the format
// does not define.
func (f HashFunction) String() string {
	switch f {
	case MD5:
		return "MD5"
	case SHA1:
		return "SHA1"
	}
	return fmt.Sprintf("HashFunction(%d)", int32(f))
}

// ParseHashFunction returns the hash function named name, "md5" or "sha1" in
// any case, as Heka's hmac_hash option spells them.
func ParseHashFunction(name string) (HashFunction, error) {
	switch strings.ToLower(name) {
	case "md5":
		return MD5, nil
	case "sha1":
		return SHA1, nil
	}
	return 0, fmt.Errorf("framing: unknown hmac hash %q (want md5 or sha1)", name)
}

// newMAC returns an HMAC of hash f keyed with key, or nil when f is not a
// hash function the format defines.
func newMAC(f HashFunction, key []byte) hash.Hash {
	switch f {
	case MD5:
		return hmac.New(md5.New, key)
	case SHA1:
		return hmac.New(sha1.New, key)
	}
	return nil
}

// Signer is the identity and key a Writer signs records with. A Reader
// verifies them with the same Key stored under the name "Name_Version" (for
// example "ops_1") in ReaderOptions.Keys.
type Signer struct {
	Name    string       // written as hmac_signer
	Version uint32       // written as hmac_key_version
	Hash    HashFunction // MD5 or SHA1
	Key     []byte       // the HMAC key
}
