package tests

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sandpiper/core/framing"
	"sandpiper/core/message"
)

// lockedBuffer is a bytes.Buffer that the goroutines exec starts for a
// process's output can write while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// daemonProcess is a sandpiper process the test started and must end: its
// exit is waited for by one goroutine, which closes exited.
type daemonProcess struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	exited         chan struct{}
	code           int
}

// startSandpiper starts the binary with args, its standard input read from
// stdin (nil: none), its output kept, in a working directory of its own
// (where a relative base_dir goes) with env added to the test's
// environment. The process is killed when the test
// ends if it is still running, so that a failing test leaves nothing behind.
func startSandpiper(t *testing.T, stdin io.Reader, env []string, args ...string) *daemonProcess {
	t.Helper()
	p := &daemonProcess{t: t, cmd: exec.Command(binary, args...), exited: make(chan struct{})}
	p.cmd.Stdin = stdin
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting sandpiper %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		err := p.cmd.Wait()
		p.code = 0
		if err != nil {
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				p.code = exitErr.ExitCode()
			} else {
				p.code = -1
			}
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// signal sends sig to the process.
func (p *daemonProcess) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v\nstderr:\n%s", sig, err, p.stderr.String())
	}
}

// running reports whether the process has not exited yet.
func (p *daemonProcess) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// wait waits at most timeout for the process to exit and returns its exit
// status; past the timeout it fails the test with the daemon's stderr.
func (p *daemonProcess) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(timeout):
		p.t.Fatalf("sandpiper still running after %v\nstderr:\n%s", timeout, p.stderr.String())
		return 0
	}
}

// stop sends SIGTERM and fails the test unless the daemon exits with status
// 0 within timeout.
func (p *daemonProcess) stop(timeout time.Duration) {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	if code := p.wait(timeout); code != 0 {
		p.t.Fatalf("exit status %d after SIGTERM, want 0\nstderr:\n%s", code, p.stderr.String())
	}
}

// waitFor polls cond every 20 ms until it holds, failing the test with
// what was awaited, the daemon's stderr and the last state cond described
// when timeout passes or the process exits first.
func (p *daemonProcess) waitFor(what string, timeout time.Duration, cond func() (bool, string)) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if !p.running() {
			p.t.Fatalf("sandpiper exited (status %d) while waiting for %s (%s)\nstderr:\n%s", p.code, what, state, p.stderr.String())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %s after %v (%s)\nstderr:\n%s", what, timeout, state, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitStderr waits until the daemon's stderr holds text.
func (p *daemonProcess) waitStderr(text string, timeout time.Duration) {
	p.t.Helper()
	p.waitFor(strconv.Quote(text)+" on stderr", timeout, func() (bool, string) {
		return strings.Contains(p.stderr.String(), text), "not yet"
	})
}

// writeConfig writes a configuration file named sandpiper.toml into dir
// and returns its path.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "sandpiper.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// record is one record of a Heka stream: the message's bytes and the
// message decoded from them.
type record struct {
	raw []byte
	msg *message.Message
}

// readStream reads every record of the Heka-framed file at path (a
// missing file holds none) and returns them with the count of bytes that
// were not part of a valid record: a record cut at the end while the file
// is being written, or garbage.
func readStream(t *testing.T, path string) ([]record, int64) {
	t.Helper()
	var recs []record
	skipped := eachRecord(t, path, func(raw []byte, m *message.Message) {
		recs = append(recs, record{raw: bytes.Clone(raw), msg: m.Copy()})
	})
	return recs, skipped
}

// eachRecord calls f with each record of the Heka-framed file at path, the
// message's bytes and the message decoded from them, both valid only
// during the call, and returns the count of bytes skipped.
func eachRecord(t *testing.T, path string, f func(raw []byte, m *message.Message)) int64 {
	t.Helper()
	file, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r := framing.NewReader(file, framing.ReaderOptions{})
	m := &message.Message{}
	for n := 1; ; n++ {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := m.Unmarshal(rec.Message); err != nil {
			t.Fatalf("%s: record %d: %v", path, n, err)
		}
		f(rec.Message, m)
	}
	return r.Stats().BytesSkipped
}

// readStreamDone reads the file at path once its writer has exited: every
// byte must be part of a record.
func readStreamDone(t *testing.T, path string) []record {
	t.Helper()
	recs, skipped := readStream(t, path)
	if skipped != 0 {
		t.Errorf("%s: %d bytes outside valid records", path, skipped)
	}
	return recs
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// appendFile appends text to the file at path, creating it.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
