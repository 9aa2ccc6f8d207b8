// Package file is the FileOutput plugin: it appends the encoded messages to
// a file, flushing by count and time, rotating by age or size, and reopening
// the file on SIGHUP for logrotate.
package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "FileOutput",
		Kind:    pipeline.KindOutput,
		Summary: "Appends the encoded messages to a file, with rotation by age or size and reopening on SIGHUP.",
		Config: func() any {
			return &config{
				Perm:          "644",
				FolderPerm:    "700",
				FlushInterval: 1000,
				FlushCount:    1,
				FlushOperator: "AND",
			}
		},
		New: newFileOutput,
		// Framed protobuf is the form that loses nothing and that
		// `sandpiper cat` and Heka's tools read back.
		DefaultEncoder: "ProtobufEncoder",
		DefaultFraming: true,
	})
}

type config struct {
	Path             string `toml:"path" doc:"File to append to; a relative path is relative to the configuration file's directory."`
	Perm             string `toml:"perm" doc:"Permission bits, in octal, of the files the output creates."`
	FolderPerm       string `toml:"folder_perm" doc:"Permission bits, in octal, of the directories the output creates on the way to path."`
	FlushInterval    int    `toml:"flush_interval" doc:"Interval in ms at which buffered messages are written to the file; 0 for no timer."`
	FlushCount       int    `toml:"flush_count" doc:"Number of buffered messages that triggers a write to the file."`
	FlushOperator    string `toml:"flush_operator" doc:"AND: write when both flush_count and flush_interval are reached; OR: when either is."`
	RotationInterval int    `toml:"rotation_interval" doc:"Hours between rotations, aligned on UTC midnight: 0 (never), 1, 4, 12 or 24."`
	MaxFileSize      int64  `toml:"max_file_size" doc:"Size in bytes past which the file is rotated before the next message; 0 for no limit."`
}

// bufferSize is how many encoded bytes are gathered before they are written
// whatever the flush options say, as a bufio.Writer would.
const bufferSize = 64 * 1024

// fileOutput is the FileOutput plugin. Its configuration fields are fixed by
// New; the counters are read by Report from the daemon's goroutine while Run
// updates them.
type fileOutput struct {
	name          string
	path          string
	perm          fs.FileMode
	folderPerm    fs.FileMode
	flushInterval time.Duration
	flushCount    int
	flushAnd      bool
	rotation      time.Duration
	maxSize       int64
	// notify subscribes c to the signal that reopens the file and returns
	// the function that ends the subscription: signal.Notify for SIGHUP,
	// replaced by tests.
	notify func(c chan<- os.Signal) (stop func())

	bytesWritten    atomic.Int64
	messagesWritten atomic.Int64
	rotations       atomic.Int64
	fileSize        atomic.Int64
}

func newFileOutput(env *pipeline.Env, cfg any) (any, error) {
	c := cfg.(*config)
	o := &fileOutput{
		name:          env.Name,
		flushInterval: time.Duration(c.FlushInterval) * time.Millisecond,
		flushCount:    c.FlushCount,
		rotation:      time.Duration(c.RotationInterval) * time.Hour,
		maxSize:       c.MaxFileSize,
		notify: func(c chan<- os.Signal) func() {
			signal.Notify(c, syscall.SIGHUP)
			return func() { signal.Stop(c) }
		},
	}
	if c.Path == "" {
		return nil, fmt.Errorf("%s: path is required", env.Name)
	}
	o.path = c.Path
	if !filepath.IsAbs(o.path) {
		o.path = filepath.Join(env.ConfigDir, o.path)
	}
	var err error
	if o.perm, err = parsePerm(c.Perm); err != nil {
		return nil, fmt.Errorf("%s: perm %q: %w", env.Name, c.Perm, err)
	}
	if o.folderPerm, err = parsePerm(c.FolderPerm); err != nil {
		return nil, fmt.Errorf("%s: folder_perm %q: %w", env.Name, c.FolderPerm, err)
	}
	if c.FlushInterval < 0 {
		return nil, fmt.Errorf("%s: flush_interval %d: must not be negative", env.Name, c.FlushInterval)
	}
	if c.FlushCount < 0 {
		return nil, fmt.Errorf("%s: flush_count %d: must not be negative", env.Name, c.FlushCount)
	}
	switch strings.ToUpper(c.FlushOperator) {
	case "AND":
		o.flushAnd = true
	case "OR":
	default:
		return nil, fmt.Errorf("%s: flush_operator %q: must be AND or OR", env.Name, c.FlushOperator)
	}
	switch c.RotationInterval {
	case 0, 1, 4, 12, 24:
	default:
		return nil, fmt.Errorf("%s: rotation_interval %d: must be 0, 1, 4, 12 or 24 (hours)", env.Name, c.RotationInterval)
	}
	if c.MaxFileSize < 0 {
		return nil, fmt.Errorf("%s: max_file_size %d: must not be negative", env.Name, c.MaxFileSize)
	}
	return o, nil
}

// parsePerm parses permission bits written in octal, as Heka's perm.
func parsePerm(s string) (fs.FileMode, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o777 {
		return 0, errors.New("not an octal permission between 0 and 777")
	}
	return fs.FileMode(n), nil
}

// Report gives the output's figures: bytes and messages written to the
// files, rotations done, and the size of the current file, bytes buffered
// for it included.
func (o *fileOutput) Report(add func(key string, value any)) {
	add("bytes_written", o.bytesWritten.Load())
	add("messages_written", o.messagesWritten.Load())
	add("rotations", o.rotations.Load())
	add("file_size", o.fileSize.Load())
}

// Run writes the batches to the file until they end or ctx is cancelled.
func (o *fileOutput) Run(ctx context.Context, r pipeline.OutputRunner) error {
	w := &writer{o: o, r: r, buf: make([]byte, 0, bufferSize), lastFlush: time.Now()}
	if err := w.open(); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	// Ends with Run: the subscription is stopped before the channel is
	// dropped.
	hup := make(chan os.Signal, 1)
	stopNotify := o.notify(hup)
	defer stopNotify()

	var tick <-chan time.Time
	if o.flushInterval > 0 {
		t := time.NewTicker(o.flushInterval)
		defer t.Stop()
		tick = t.C
	}
	var rotate <-chan time.Time
	var rotateTimer *time.Timer
	if o.rotation > 0 {
		rotateTimer = time.NewTimer(nextRotation(time.Now(), o.rotation))
		defer rotateTimer.Stop()
		rotate = rotateTimer.C
	}

	batches := r.Batches()
	for {
		select {
		case batch, ok := <-batches:
			if !ok {
				w.flush()
				return w.close()
			}
			w.writeBatch(batch)
			if w.msgs > 0 && w.msgs >= o.flushCount && (!o.flushAnd || time.Since(w.lastFlush) >= o.flushInterval) {
				w.flush()
			}
		case <-tick:
			if w.msgs > 0 && (!o.flushAnd || w.msgs >= o.flushCount) {
				w.flush()
			}
		case now := <-rotate:
			if w.size > 0 {
				w.rotate(now)
			}
			rotateTimer.Reset(nextRotation(time.Now(), o.rotation))
		case <-hup:
			w.flush()
			if err := w.close(); err != nil {
				r.Logf("%v", err)
			}
			if err := w.open(); err != nil {
				r.Logf("reopen on SIGHUP: %v", err)
			} else {
				r.Logf("reopened %s on SIGHUP", o.path)
			}
		case <-ctx.Done():
			// Writing to a local file is quick, so what is buffered is
			// still written; only a failing write loses it, and counts it.
			w.flush()
			if err := w.close(); err != nil {
				r.Logf("%v", err)
			}
			return nil
		}
	}
}

// nextRotation returns how long after now the next rotation is due: at the
// next multiple of every since UTC midnight.
func nextRotation(now time.Time, every time.Duration) time.Duration {
	return now.Truncate(every).Add(every).Sub(now)
}

// writer is the state of one Run: the open file and the encoded messages not
// yet written to it.
type writer struct {
	o *fileOutput
	r pipeline.OutputRunner

	f         *os.File // nil after a failed write or open, until reopened
	size      int64    // bytes in f, and in buf for f
	buf       []byte   // encoded messages not yet written
	msgs      int      // messages in buf
	enc       []byte   // one message's encoding, reused
	lastFlush time.Time
	lastName  string // the last name a rotated file was given
}

// writeBatch encodes batch into the buffer, rotating by size between
// messages and writing the buffer whenever it is full.
func (w *writer) writeBatch(batch []*pipeline.Pack) {
	if w.f == nil {
		if err := w.open(); err != nil {
			w.r.Logf("%v: %d messages dropped", err, len(batch))
			w.r.Dropped(len(batch))
			return
		}
	}
	var failed int
	var encErr error
	for _, p := range batch {
		var err error
		w.enc, err = w.r.Encode(w.enc[:0], p)
		if err != nil {
			failed++
			encErr = err
			continue
		}
		if w.o.maxSize > 0 && w.size > 0 && w.size+int64(len(w.enc)) > w.o.maxSize {
			w.rotate(time.Now())
		}
		if w.f == nil {
			// A write failed or the file could not be reopened at
			// rotation: the rest of the batch has nowhere to go.
			failed++
			continue
		}
		w.buf = append(w.buf, w.enc...)
		w.msgs++
		w.size += int64(len(w.enc))
		if len(w.buf) >= bufferSize {
			w.flush()
		}
	}
	w.o.fileSize.Store(w.size)
	if failed > 0 {
		w.r.Dropped(failed)
		if encErr != nil {
			w.r.Logf("%d of %d messages dropped; last encoding error: %v", failed, len(batch), encErr)
		} else {
			w.r.Logf("%d of %d messages dropped: %s is not open", failed, len(batch), w.o.path)
		}
	}
}

// flush writes the buffer to the file. A failed write drops the buffered
// messages (some of their bytes may have reached the file), counts and logs
// them, and closes the file so that the next batch reopens it.
func (w *writer) flush() {
	w.lastFlush = time.Now()
	if len(w.buf) == 0 || w.f == nil {
		return
	}
	n, err := w.f.Write(w.buf)
	w.o.bytesWritten.Add(int64(n))
	if err != nil {
		w.r.Logf("write %s: %v: %d messages dropped", w.o.path, err, w.msgs)
		w.r.Dropped(w.msgs)
		w.size -= int64(len(w.buf) - n)
		w.buf, w.msgs = w.buf[:0], 0
		w.f.Close()
		w.f = nil
		return
	}
	w.o.messagesWritten.Add(int64(w.msgs))
	w.buf, w.msgs = w.buf[:0], 0
}

// open opens the output's path for appending, creating it and its
// directories with the configured permissions, exactly (the umask does not
// apply).
func (w *writer) open() error {
	o := w.o
	if err := mkdirAll(filepath.Dir(o.path), o.folderPerm); err != nil {
		return err
	}
	_, statErr := os.Stat(o.path)
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, o.perm)
	if err != nil {
		return err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if err := f.Chmod(o.perm); err != nil {
			f.Close()
			return err
		}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, fi.Size()
	o.fileSize.Store(w.size)
	return nil
}

// close closes the file.
func (w *writer) close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", w.o.path, err)
	}
	return nil
}

// rotate writes the buffer, renames the file to path.<UTC time of the
// rotation> and opens a new one at path. The names sort in the order of the
// rotations: a name already taken gets the time 1 ns later.
func (w *writer) rotate(now time.Time) {
	w.flush()
	if w.f == nil {
		return
	}
	if err := w.close(); err != nil {
		w.r.Logf("%v", err)
	}
	name := rotatedName(w.o.path, now)
	for ; name <= w.lastName || exists(name); name = rotatedName(w.o.path, now) {
		now = now.Add(time.Nanosecond)
	}
	if err := os.Rename(w.o.path, name); err != nil {
		w.r.Logf("rotate: %v; writing on to %s", err, w.o.path)
	} else {
		w.lastName = name
		w.o.rotations.Add(1)
	}
	if err := w.open(); err != nil {
		w.r.Logf("rotate: %v", err)
	}
}

// rotatedName returns the name a file rotated at t gets.
func rotatedName(path string, t time.Time) string {
	return path + "." + t.UTC().Format("20060102T150405.000000000Z")
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// mkdirAll makes dir and its missing parents with permissions perm.
func mkdirAll(dir string, perm fs.FileMode) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		_, err := os.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return err
	}
	for _, d := range missing {
		if err := os.Chmod(d, perm); err != nil {
			return err
		}
	}
	return nil
}
