package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxJSONLine is the longest line, in bytes without its line break,
// that a JSONReader made with maxLine <= 0 accepts: room for the JSON form
// of a message at the daemon's default 64 KiB maximum, since escapes and
// base64 make the JSON form longer than the protobuf one.
const DefaultMaxJSONLine = 1 << 20

// JSONReader reads messages in the JSON form of docs/message-json.md, one
// per line, as fixtures and `sandpiper cat` hold them. Blank lines are
// skipped. A bad line does not stop the reader: Next reports it and goes on
// with the following line at its next call.
type JSONReader struct {
	r       *bufio.Reader
	maxLine int
	line    int
	buf     []byte
	err     error // the read error that ends the input, returned once buf is done
}

// NewJSONReader returns a reader of the messages in r that refuses lines
// longer than maxLine bytes (DefaultMaxJSONLine when maxLine <= 0). It holds
// at most one line in memory, so a huge line costs no more than maxLine.
func NewJSONReader(r io.Reader, maxLine int) *JSONReader {
	if maxLine <= 0 {
		maxLine = DefaultMaxJSONLine
	}
	return &JSONReader{r: bufio.NewReaderSize(r, min(maxLine+2, 64<<10)), maxLine: maxLine}
}

// Next decodes the next non-blank line into m, as m.UnmarshalJSON does. It
// returns io.EOF when the input is done, the underlying reader's error when
// reading fails, and for a line that is too long or does not decode an error
// that starts with its number ("line 12: message JSON: …"); m is then
// unspecified, and the following call reads the next line.
func (r *JSONReader) Next(m *Message) error {
	for {
		line, tooLong, err := r.readLine()
		if err != nil {
			return err
		}
		r.line++
		if tooLong {
			return fmt.Errorf("line %d: longer than %d bytes", r.line, r.maxLine)
		}
		if len(bytes.TrimLeft(line, " \t\r")) == 0 {
			continue
		}
		if err := m.UnmarshalJSON(line); err != nil {
			return fmt.Errorf("line %d: %w", r.line, err)
		}
		return nil
	}
}

// Line returns the number, counting from 1, of the line that the last call
// to Next decoded or reported.
func (r *JSONReader) Line() int { return r.line }

// readLine returns the next line without its '\n'. Of a line longer than
// maxLine it keeps nothing and reports tooLong once the whole line is
// consumed. err is set only when no line is left.
func (r *JSONReader) readLine() (line []byte, tooLong bool, err error) {
	if r.err != nil {
		return nil, false, r.err
	}
	r.buf = r.buf[:0]
	for {
		chunk, err := r.r.ReadSlice('\n')
		if !tooLong {
			// maxLine+1 leaves room for the '\n' that ends a line of
			// exactly maxLine bytes.
			if len(r.buf)+len(chunk) > r.maxLine+1 {
				tooLong = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			if tooLong {
				return nil, true, nil
			}
			return r.buf[:len(r.buf)-1], false, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		}
		r.err = err
		if len(r.buf) == 0 && !tooLong {
			return nil, false, err
		}
		// The last line has no '\n': it is a line all the same, and the
		// error waits for the next call.
		if len(r.buf) > r.maxLine {
			tooLong = true
		}
		return r.buf, tooLong, nil
	}
}
