package logstreamer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// How a file's reading ended.
const (
	endNone      = iota
	endEOF       // follow = false: the file's end
	endRotated   // the name now names another file, or none
	endTruncated // the file shrank below what was read, or its head changed
)

// fileReader reads one open file from a given offset, for one ReadFrom.
// Following, it waits at the file's end for more (an incomplete last line
// stays in the splitter until its newline comes) and ends when the file is
// rotated away, once read to its end, or truncated; otherwise it ends at
// the file's end. It is used from the goroutine of one ReadFrom.
type fileReader struct {
	ctx    context.Context
	f      *os.File
	path   string
	follow bool
	poll   time.Duration
	w      *waker

	pos     int64  // the file's offset of the next byte Read returns
	head    []byte // the file's first bytes as last checked, up to headSize
	rotated bool
	end     int
}

func (fr *fileReader) Read(p []byte) (int, error) {
	for {
		n, err := fr.f.Read(p)
		if n > 0 {
			fr.pos += int64(n)
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if !fr.follow {
			fr.end = endEOF
			return 0, io.EOF
		}
		if fr.rotated {
			// Read once more after the rotation was seen: what was written
			// before the rename is now read.
			fr.end = endRotated
			return 0, io.EOF
		}
		if err := fr.check(); err != nil || fr.end != endNone {
			return 0, err
		}
		if fr.rotated {
			continue
		}
		if err := fr.w.wait(fr.ctx, fr.poll); err != nil {
			return 0, err
		}
		// Check again before reading what woke the reader: a file
		// truncated and written past the old end in the meantime must
		// not be read from the old offset.
		if err := fr.check(); err != nil || fr.end != endNone {
			return 0, err
		}
	}
}

// check looks, at the file's end, for a rotation (noted, so that the file
// is read to its end once more) and a truncation (which ends the reading:
// Read then returns io.EOF).
func (fr *fileReader) check() error {
	switch changed, err := fr.changed(); {
	case err != nil:
		return err
	case changed == endRotated:
		fr.rotated = true
	case changed == endTruncated:
		fr.end = endTruncated
		return io.EOF
	}
	return nil
}

// changed checks, at the file's end, whether its name still names it and
// whether it was truncated: shorter than what was read, or with other first
// bytes (truncated and written past the old end between two checks).
func (fr *fileReader) changed() (int, error) {
	fi, err := fr.f.Stat()
	if err != nil {
		return endNone, err
	}
	if pfi, err := os.Stat(fr.path); err != nil || !os.SameFile(fi, pfi) {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return endNone, err
		}
		return endRotated, nil
	}
	if fi.Size() < fr.pos {
		return endTruncated, nil
	}
	want := int(min(fr.pos, headSize))
	if want == 0 {
		return endNone, nil
	}
	b := make([]byte, want)
	if _, err := fr.f.ReadAt(b, 0); err != nil {
		return endTruncated, nil
	}
	if !bytes.HasPrefix(b, fr.head) {
		return endTruncated, nil
	}
	fr.head = b
	return endNone, nil
}
