package framing

import (
	"crypto/sha1"
	"fmt"
	"hash"
	"io"
	"math"
)

// WriterOptions configures a Writer.
type WriterOptions struct {
	// MaxMessageSize is the largest message WriteRecord accepts, so that a
	// sender fails loudly instead of writing records its receivers skip. 0
	// means DefaultMaxMessageSize.
	MaxMessageSize int
	// Signer, when not nil, signs every record.
	Signer *Signer
}

// Writer writes messages to an io.Writer as framed records, each with one
// Write call from a buffer it reuses, so that writing allocates nothing once
// the buffer has grown to the largest record. A Writer is not safe for
// concurrent use.
type Writer struct {
	w      io.Writer
	max    int
	signer Signer
	mac    hash.Hash // nil when unsigned
	sum    [sha1.Size]byte
	buf    []byte
}

// NewWriter returns a Writer of unsigned records of up to
// DefaultMaxMessageSize bytes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, max: DefaultMaxMessageSize}
}

// NewWriterOptions returns a Writer to w configured by opts. It fails when
// the maximum size is out of range or the signer cannot sign: an unknown hash
// function, an empty name or key, or a name so long that the header would
// exceed MaxHeaderSize bytes.
func NewWriterOptions(w io.Writer, opts WriterOptions) (*Writer, error) {
	wr := NewWriter(w)
	switch {
	case opts.MaxMessageSize < 0 || uint64(opts.MaxMessageSize) > math.MaxUint32:
		return nil, fmt.Errorf("framing: writer MaxMessageSize %d out of range 1..%d", opts.MaxMessageSize, uint64(math.MaxUint32))
	case opts.MaxMessageSize > 0:
		wr.max = opts.MaxMessageSize
	}
	if opts.Signer == nil {
		return wr, nil
	}
	s := *opts.Signer
	if s.Name == "" {
		return nil, fmt.Errorf("framing: signer with version %d has no name", s.Version)
	}
	if len(s.Key) == 0 {
		return nil, fmt.Errorf("framing: signer %q version %d has an empty key", s.Name, s.Version)
	}
	mac := newMAC(s.Hash, s.Key)
	if mac == nil {
		return nil, fmt.Errorf("framing: signer %q: unsupported hash function %v (want MD5 or SHA1)", s.Name, s.Hash)
	}
	// The largest header this signer produces has the longest message_length
	// varint; checking it once here means WriteRecord cannot fail on size.
	largest := AppendHeader(nil, Header{
		MessageLength:    math.MaxUint32,
		HmacHashFunction: s.Hash,
		HmacSigner:       s.Name,
		HmacKeyVersion:   s.Version,
		Hmac:             make([]byte, mac.Size()),
	})
	if len(largest) > MaxHeaderSize {
		return nil, fmt.Errorf("framing: signer %q (%d bytes): header of up to %d bytes exceeds the %d-byte limit",
			s.Name, len(s.Name), len(largest), MaxHeaderSize)
	}
	s.Key = append([]byte(nil), s.Key...)
	wr.signer, wr.mac = s, mac
	return wr, nil
}

// WriteRecord writes msg as one record. msg must hold between 1 byte and the
// maximum message size: a Reader treats a record of length 0 as garbage.
func (w *Writer) WriteRecord(msg []byte) error {
	if len(msg) == 0 {
		return fmt.Errorf("framing: write record: empty message")
	}
	if len(msg) > w.max {
		return fmt.Errorf("framing: write record: message of %d bytes exceeds the maximum of %d", len(msg), w.max)
	}
	h := Header{MessageLength: uint32(len(msg))}
	if w.mac != nil {
		w.mac.Reset()
		w.mac.Write(msg)
		h.HmacHashFunction = w.signer.Hash
		h.HmacSigner = w.signer.Name
		h.HmacKeyVersion = w.signer.Version
		h.Hmac = w.mac.Sum(w.sum[:0])
	}
	w.buf = appendRecord(w.buf[:0], h, msg)
	if _, err := w.w.Write(w.buf); err != nil {
		return fmt.Errorf("framing: write record of %d bytes: %w", len(msg), err)
	}
	return nil
}

// AppendRecord appends msg as one unsigned framed record to dst and returns
// the extended slice: for callers that gather records in a buffer of their
// own rather than write them one by one through a Writer.
func AppendRecord(dst, msg []byte) []byte {
	return appendRecord(dst, Header{MessageLength: uint32(len(msg))}, msg)
}

// appendRecord appends the record of header h and message msg to dst.
func appendRecord(dst []byte, h Header, msg []byte) []byte {
	start := len(dst)
	dst = append(dst, RecordSeparator, 0)
	dst = AppendHeader(dst, h)
	dst[start+1] = byte(len(dst) - start - 2)
	dst = append(dst, UnitSeparator)
	return append(dst, msg...)
}
