package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"sandpiper/core/framing"
	"sandpiper/core/matcher"
	"sandpiper/core/message"
)

const catUsage = `usage: sandpiper cat [-match EXPR] [-format json|text|framed] [-input framed|json]
                     [-n N] [-offset N] [-max-message-size BYTES]
                     [-key signer_version=KEY ...] [FILE ...]

Reads Heka-framed protobuf streams (or JSON lines) from the FILEs, or from
standard input when there are none or a FILE is "-", and writes the messages
that match EXPR to standard output: as JSON lines (the default), as readable
text, or as a Heka stream. Corrupt records are skipped, counted and reported;
every whole record is still read. A summary goes to standard error.

`

// jsonLineFactor sets the longest JSON line read, as a multiple of
// -max-message-size: JSON escapes and base64 make a message's line longer
// than its protobuf encoding.
const jsonLineFactor = 8

// maxWarnings bounds the per-record complaints on stderr; the summary counts
// all of them.
const maxWarnings = 10

// catStats are the counts of the summary line.
type catStats struct {
	read, matched, bad, skipped, badSignatures int64
}

func runCat(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandpiper cat", flag.ContinueOnError)
	expr := fs.String("match", "TRUE", "message matcher `expression`: only matching messages are written")
	format := fs.String("format", "json", "output `format`: json (one message per line), text (readable) or framed (Heka stream)")
	input := fs.String("input", "framed", "input `format`: framed (Heka stream) or json (one message per line)")
	limit := fs.Int64("n", 0, "stop after writing `N` messages (0: no limit)")
	offset := fs.Int64("offset", 0, "skip the first `N` bytes of the first input")
	maxSize := fs.Int("max-message-size", framing.DefaultMaxMessageSize, "largest message accepted, in `bytes`")
	keys := keyFlag{}
	fs.Var(keys, "key", "`signer_version=KEY`: verify records signed by that signer and key version with KEY (repeatable)")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "sandpiper cat: "+format+"\n", a...)
		return 2
	}
	names, code, done := parseArgs(fs, catUsage, args, stdout, stderr)
	if done {
		return code
	}
	switch {
	case *format != "json" && *format != "text" && *format != "framed":
		return fail("-format %q: want json, text or framed", *format)
	case *input != "framed" && *input != "json":
		return fail("-input %q: want framed or json", *input)
	case *limit < 0:
		return fail("-n %d: want 0 (no limit) or more", *limit)
	case *offset < 0:
		return fail("-offset %d: want 0 or more", *offset)
	case *maxSize <= 0:
		return fail("-max-message-size %d: want more than 0", *maxSize)
	}
	readOpts := framing.ReaderOptions{MaxMessageSize: *maxSize, Keys: keys}
	if err := readOpts.Validate(); err != nil {
		return fail("%v", err)
	}
	m, err := matcher.Compile(*expr)
	if err != nil {
		return fail("-match: %v", err)
	}

	// Open every input before writing anything, so that a missing file is
	// an error with no output rather than a half-done run.
	if len(names) == 0 {
		names = []string{"-"}
	}
	inputs := make([]io.Reader, len(names))
	for i, name := range names {
		if name == "-" {
			inputs[i] = stdin
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return fail("%v", err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return fail("%s: is a directory", name)
		}
		defer f.Close()
		inputs[i] = f
	}
	if *offset > 0 {
		if err := skipBytes(inputs[0], *offset); err != nil {
			return fail("%s: -offset %d: %v", names[0], *offset, err)
		}
	}

	out := bufio.NewWriterSize(stdout, 64*1024)
	write, err := newMessageWriter(*format, out, *maxSize)
	if err != nil {
		return fail("%v", err)
	}
	c := &catRun{match: m, limit: *limit, stderr: stderr, write: write}
	for i, r := range inputs {
		var err error
		if *input == "framed" {
			err = c.framed(names[i], r, readOpts)
		} else {
			err = c.jsonLines(names[i], r, jsonLineFactor**maxSize)
		}
		if err == errLimitReached {
			break
		}
		if err != nil {
			out.Flush()
			c.summary()
			fmt.Fprintf(stderr, "sandpiper cat: %v\n", err)
			return 1
		}
	}
	if err := out.Flush(); err != nil {
		c.summary()
		fmt.Fprintf(stderr, "sandpiper cat: writing output: %v\n", err)
		return 1
	}
	c.summary()
	return 0
}

// keyFlag collects -key signer_version=KEY options.
type keyFlag map[string][]byte

func (k keyFlag) String() string { return "" }

func (k keyFlag) Set(v string) error {
	name, key, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want signer_version=KEY, as ops_1=secret")
	}
	k[name] = []byte(key)
	return nil
}

// skipBytes moves r forward n bytes, by seeking where it can and reading
// where it cannot.
func skipBytes(r io.Reader, n int64) error {
	// Standard input is an *os.File whether it is a file or a pipe; only
	// the Seek itself tells whether it can seek.
	if s, ok := r.(io.Seeker); ok {
		if _, err := s.Seek(n, io.SeekStart); err == nil {
			return nil
		}
	}
	_, err := io.CopyN(io.Discard, r, n)
	if err == io.EOF {
		return nil // an offset past the end leaves nothing to read
	}
	return err
}

var errLimitReached = errors.New("-n limit reached")

// catRun is the state of one sandpiper cat: the matcher, the writer and the
// counts, shared by all inputs.
type catRun struct {
	match    *matcher.Matcher
	limit    int64
	stderr   io.Writer
	write    func(m *message.Message, raw []byte) error
	stats    catStats
	warnings int
	msg      message.Message
}

// framed reads one Heka stream.
func (c *catRun) framed(name string, r io.Reader, opts framing.ReaderOptions) error {
	fr := framing.NewReader(r, opts)
	defer func() {
		st := fr.Stats()
		c.stats.skipped += st.BytesSkipped
		c.stats.badSignatures += st.BadSignatures + st.UnknownSigners
	}()
	for record := int64(1); ; record++ {
		rec, err := fr.Next()
		if err == io.EOF {
			switch st := fr.Stats(); {
			case st.Records > 0 || st.BytesSkipped == 0 || st.BadSignatures+st.UnknownSigners > 0:
			case st.Oversize > 0:
				fmt.Fprintf(c.stderr, "sandpiper cat: %s: every record announced more than -max-message-size bytes\n", name)
			default:
				fmt.Fprintf(c.stderr, "sandpiper cat: %s: no Heka record in %d bytes; for JSON lines use -input json\n", name, st.BytesSkipped)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		c.stats.read++
		if err := c.msg.Unmarshal(rec.Message); err != nil {
			c.bad("%s: record %d: %v", name, record, err)
			continue
		}
		if err := c.emit(name, record, rec.Message); err != nil {
			return err
		}
	}
}

// jsonLines reads one file of JSON lines.
func (c *catRun) jsonLines(name string, r io.Reader, maxLine int) error {
	src := &errorRecorder{r: r}
	jr := message.NewJSONReader(src, maxLine)
	for {
		err := jr.Next(&c.msg)
		if src.err != nil {
			return fmt.Errorf("%s: %v", name, src.err)
		}
		if err == io.EOF {
			return nil
		}
		c.stats.read++
		if err != nil {
			c.bad("%s: %v", name, err)
			continue
		}
		if err := c.emit(name, int64(jr.Line()), nil); err != nil {
			return err
		}
	}
}

// errorRecorder remembers a read error other than io.EOF, which ends the
// input, apart from the bad lines that the JSON reader reports and goes past.
type errorRecorder struct {
	r   io.Reader
	err error
}

func (e *errorRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// emit writes c.msg if it matches; raw is its protobuf encoding when the
// input had one, so that a framed copy is not encoded again. A message too
// large for a framed output is bad input, reported and skipped.
func (c *catRun) emit(name string, record int64, raw []byte) error {
	if !c.match.Match(&c.msg) {
		return nil
	}
	err := c.write(&c.msg, raw)
	var tooLarge *tooLargeError
	if errors.As(err, &tooLarge) {
		c.bad("%s: record %d: %v", name, record, err)
		return nil
	}
	c.stats.matched++
	if err != nil {
		return fmt.Errorf("writing output: %v", err)
	}
	if c.limit > 0 && c.stats.matched >= c.limit {
		return errLimitReached
	}
	return nil
}

func (c *catRun) bad(format string, a ...any) {
	c.stats.bad++
	c.warnings++
	if c.warnings <= maxWarnings {
		fmt.Fprintf(c.stderr, "sandpiper cat: skipped "+format+"\n", a...)
	} else if c.warnings == maxWarnings+1 {
		fmt.Fprintf(c.stderr, "sandpiper cat: more bad records; the summary counts them\n")
	}
}

func (c *catRun) summary() {
	var b strings.Builder
	fmt.Fprintf(&b, "sandpiper cat: %d records read, %d matched, %d bad, %d bytes skipped",
		c.stats.read, c.stats.matched, c.stats.bad, c.stats.skipped)
	if c.stats.badSignatures > 0 {
		fmt.Fprintf(&b, ", %d dropped for their signature", c.stats.badSignatures)
	}
	fmt.Fprintln(c.stderr, b.String())
}

// tooLargeError is a message whose encoding exceeds -max-message-size, which
// a framed output cannot carry.
type tooLargeError struct{ size, max int }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("message of %d bytes exceeds -max-message-size %d", e.size, e.max)
}

// newMessageWriter returns the function that writes one message in format.
func newMessageWriter(format string, out *bufio.Writer, maxSize int) (func(*message.Message, []byte) error, error) {
	var buf []byte
	switch format {
	case "text":
		first := true
		return func(m *message.Message, _ []byte) error {
			buf = buf[:0]
			if !first {
				buf = append(buf, '\n')
			}
			first = false
			buf = m.AppendText(buf)
			_, err := out.Write(buf)
			return err
		}, nil
	case "framed":
		fw, err := framing.NewWriterOptions(out, framing.WriterOptions{MaxMessageSize: maxSize})
		return func(m *message.Message, raw []byte) error {
			if raw == nil {
				buf = m.MarshalAppend(buf[:0])
				raw = buf
			}
			if len(raw) > maxSize {
				return &tooLargeError{len(raw), maxSize}
			}
			return fw.WriteRecord(raw)
		}, err
	default:
		return func(m *message.Message, _ []byte) error {
			buf = append(m.AppendJSON(buf[:0]), '\n')
			_, err := out.Write(buf)
			return err
		}, nil
	}
}
