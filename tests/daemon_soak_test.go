package tests

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sandpiper/core/framing"
	"sandpiper/core/message"
)

const soakConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"
hostname = "soak"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"
send_decode_failures = true
poll_interval = 50
rescan_interval = 200

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[tcp_in]
type = "TcpInput"
address = "127.0.0.1:%ENV[E2E_PORT]"

[status_summary]
type = "SandboxFilter"
filename = "filters/status_summary.lua"
message_matcher = "Type == 'nginx.access'"
ticker_interval = 1

[hog]
type = "SandboxFilter"
filename = "%ENV[E2E_SCRIPTS]/hog.lua"
memory_limit = 8388608
message_matcher = "Type == 'nginx.access'"

[quitter]
type = "SandboxFilter"
filename = "%ENV[E2E_SCRIPTS]/quitter.lua"
instruction_limit = 100000
message_matcher = "Type == 'nginx.access'"

[payload]
type = "PayloadEncoder"

[summaries]
type = "FileOutput"
path = "summaries.log"
encoder = "payload"
use_framing = false
flush_interval = 50
message_matcher = "Type == 'heka.sandbox-output' && Fields[payload_name] == 'status_summary'"

[archive]
type = "FileOutput"
path = "out/all.hpb"
flush_interval = 100
message_matcher = "TRUE"

[rotated]
type = "FileOutput"
path = "rot/access.hpb"
flush_interval = 100
max_file_size = 4194304
message_matcher = "Type == 'nginx.access'"
`

// Rates and periods of the soak. soakQueueSize is the daemon's default
// queue_size, which the configuration keeps.
const (
	soakLineRate     = 2500 // nginx lines a second
	soakTCPRate      = 300  // TCP messages a second
	soakMalformedMod = 100  // every line n with n%soakMalformedMod == 1 is malformed
	soakRenameEvery  = 20 * time.Second
	soakTruncEvery   = 45 * time.Second
	soakReportEvery  = 10 * time.Second
	soakQueueSize    = 10000
	soakTCPReconnect = 15 * time.Second
	soakTCPGarbage   = "garbage\x00\xff not a record\n" // no 0x1e: it cannot start a record that swallows the next
	soakRSSCeilingMB = 512
)

// soakMalformed reports whether line n of the soak is malformed.
func soakMalformed(n int) bool { return n%soakMalformedMod == 1 }

// soakLine returns line n: an nginx line numbered n, or a malformed line
// that names n.
func soakLine(n int) string {
	if soakMalformed(n) {
		return fmt.Sprintf("malformed line %d\n", n)
	}
	return nginxLine(n)
}

// TestDaemonSoak runs the daemon for SANDPIPER_SOAK (a duration: make soak
// SOAK=10m) on a log tailed through rotations by rename and copytruncate,
// a TCP stream with garbage between records, a filter swinging up to near
// its memory limit and one terminated by its instruction limit. Every 10 s
// it reads the daemon's report and RSS: RSS must level off and queues must
// not stay full. After SIGTERM every line and TCP message is in the output
// exactly once.
func TestDaemonSoak(t *testing.T) {
	spec := os.Getenv("SANDPIPER_SOAK")
	if spec == "" {
		t.Skip("SANDPIPER_SOAK not set (make soak SOAK=10m runs this test)")
	}
	duration, err := time.ParseDuration(spec)
	if err != nil || duration < 30*time.Second {
		t.Fatalf("SANDPIPER_SOAK=%q: want a duration of 30s or more", spec)
	}
	dir := t.TempDir()
	scripts, err := filepath.Abs("testdata/daemon/soak")
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"logs", "copies"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	d := startSandpiper(t, nil, []string{"E2E_DIR=" + dir, "E2E_SCRIPTS=" + scripts, fmt.Sprintf("E2E_PORT=%d", port)},
		"run", "-config", writeConfig(t, dir, soakConfig))
	d.waitStderr(": 10 plugins", 20*time.Second)

	sender := &soakTCPSender{addr: fmt.Sprintf("127.0.0.1:%d", port), stop: make(chan struct{})}
	sender.wg.Add(1)
	go sender.run()
	defer sender.halt()

	log := &soakLog{t: t, path: filepath.Join(dir, "logs", "access.log")}
	log.open()
	defer log.close()

	start := time.Now()
	var samples []soakSample
	full := map[string]int{} // consecutive reports with a plugin's queue near capacity
	nextRename, nextTrunc, nextReport := start.Add(soakRenameEvery), start.Add(soakTruncEvery), start.Add(soakReportEvery)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		if !d.running() {
			t.Fatalf("sandpiper exited (status %d) during the soak\nstderr:\n%s", d.code, tail(d.stderr.String(), 4000))
		}
		if err := sender.failure(); err != nil {
			t.Fatalf("TCP sender: %v", err)
		}
		if now.Sub(start) >= duration {
			break
		}
		log.writeUpTo(int(now.Sub(start).Seconds() * soakLineRate))
		switch {
		case now.After(nextRename):
			log.rotateByRename()
			nextRename = now.Add(soakRenameEvery)
		case now.After(nextTrunc):
			// A tailer cannot see what is written between its last read
			// and the truncation: the writer pauses until the input has
			// routed the whole file, then the file is copied and truncated.
			size := log.size()
			soakWaitReport(t, d, "access_logs offset", 30*time.Second, func(r soakReport) bool {
				off, ok := r.int("access_logs", "offset access.log")
				return ok && off == size
			})
			log.copyTruncate(filepath.Join(dir, "copies"))
			nextTrunc = time.Now().Add(soakTruncEvery)
		case now.After(nextReport):
			r := soakReportNow(t, d)
			s := soakSample{at: now.Sub(start), rssKB: rssKB(t, d.cmd.Process.Pid)}
			samples = append(samples, s)
			maxQueue := 0
			for name, line := range r {
				q, ok := soakInt(line, "queue")
				if !ok {
					continue
				}
				maxQueue = max(maxQueue, int(q))
				if q >= soakQueueSize*9/10 {
					full[name]++
				} else {
					full[name] = 0
				}
				if full[name] >= 3 {
					t.Fatalf("%s: queue at %d of %d for 3 reports in a row\nreport line: %s", name, q, soakQueueSize, line)
				}
				// A terminated filter drops what it still matches.
				if dropped, _ := soakInt(line, "dropped"); dropped != 0 && !strings.Contains(line, " terminated=") {
					t.Fatalf("%s: %d messages dropped\nreport line: %s", name, dropped, line)
				}
			}
			archived, _ := r.int("archive", "sent")
			t.Logf("%v: lines written %d, TCP messages sent %d, messages archived %d, RSS %d MB, longest queue %d",
				s.at.Round(time.Second), log.next, sender.sent.Load(), archived, s.rssKB/1024, maxQueue)
			if s.rssKB/1024 > soakRSSCeilingMB {
				t.Fatalf("RSS %d MB, more than the ceiling of %d MB", s.rssKB/1024, soakRSSCeilingMB)
			}
			nextReport = now.Add(soakReportEvery)
		}
	}

	// Everything written must have been read before SIGTERM: lines the
	// input had not read yet would wait for the next run.
	sender.halt()
	if err := sender.failure(); err != nil {
		t.Fatalf("TCP sender: %v", err)
	}
	size := log.size()
	final := soakWaitReport(t, d, "every line and TCP message read", 60*time.Second, func(r soakReport) bool {
		off, ok := r.int("access_logs", "offset access.log")
		tcp, _ := r.int("tcp_in", "messages")
		return ok && off == size && tcp == sender.sent.Load()
	})
	if skipped, _ := final.int("tcp_in", "bytes_skipped"); skipped != sender.garbage.Load() {
		t.Errorf("tcp_in: bytes_skipped=%d, want the %d garbage bytes sent", skipped, sender.garbage.Load())
	}
	if failures, _ := final.int("access_logs", "decode_failures"); failures != int64(log.malformed) {
		t.Errorf("access_logs: decode_failures=%d, want the %d malformed lines", failures, log.malformed)
	}
	if line := final["quitter"]; !strings.Contains(line, "terminated=") || !strings.Contains(line, "instruction_limit") {
		t.Errorf("report line of quitter %q: want it terminated by instruction_limit", line)
	}
	t.Logf("final report lines:\n%s\n%s", final["hog"], final["quitter"])
	if line := final["hog"]; strings.Contains(line, "terminated=") {
		t.Errorf("report line of hog %q: terminated, want it running", line)
	}
	d.stop(60 * time.Second)

	soakCheckRSS(t, samples)
	c := soakCheckArchive(t, filepath.Join(dir, "out", "all.hpb"), log.next, int(sender.sent.Load()))
	t.Logf("end: %d lines (%d malformed, %d renames, %d copytruncates), %d TCP messages (%d garbage bytes, %d connections), %d messages archived",
		log.next, log.malformed, log.renames, log.truncations, sender.sent.Load(), sender.garbage.Load(), sender.connections, c)
	soakCheckRotated(t, filepath.Join(dir, "rot"), log.next)
	wantLastSummary(t, filepath.Join(dir, "summaries.log"), log.next-log.malformed)
	if t.Failed() {
		t.Logf("stderr:\n%s", tail(d.stderr.String(), 8000))
	}
}

// soakLog is the log the soak appends to, as a web server would: one file
// kept open for appending, reopened after a rotation by rename.
type soakLog struct {
	t                    *testing.T
	path                 string
	f                    *os.File
	next                 int // the number of the next line
	malformed            int
	renames, truncations int
	buf                  []byte
}

func (l *soakLog) open() {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		l.t.Fatal(err)
	}
	l.f = f
}

func (l *soakLog) close() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// writeUpTo writes the lines from l.next to n-1 in one write.
func (l *soakLog) writeUpTo(n int) {
	l.buf = l.buf[:0]
	for ; l.next < n; l.next++ {
		if soakMalformed(l.next) {
			l.malformed++
		}
		l.buf = append(l.buf, soakLine(l.next)...)
	}
	if len(l.buf) == 0 {
		return
	}
	if _, err := l.f.Write(l.buf); err != nil {
		l.t.Fatal(err)
	}
}

// size returns the current file's size.
func (l *soakLog) size() int64 {
	fi, err := l.f.Stat()
	if err != nil {
		l.t.Fatal(err)
	}
	return fi.Size()
}

// rotateByRename renames the file to access.log.1, over the one renamed
// before, and creates a new one.
func (l *soakLog) rotateByRename() {
	l.close()
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		l.t.Fatal(err)
	}
	l.open()
	l.renames++
}

// copyTruncate copies the file into dir and truncates it; the writer keeps
// its descriptor, appending from the new end.
func (l *soakLog) copyTruncate(dir string) {
	data, err := os.ReadFile(l.path)
	if err != nil {
		l.t.Fatal(err)
	}
	l.truncations++
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("access.log.%d", l.truncations)), data, 0o644); err != nil {
		l.t.Fatal(err)
	}
	if err := l.f.Truncate(0); err != nil {
		l.t.Fatal(err)
	}
}

// soakTCPSender sends framed protobuf messages of Type soak.tcp, Payload
// "tcp N", at a steady rate with garbage after every tenth record,
// reconnecting now and then.
type soakTCPSender struct {
	addr        string
	stop        chan struct{}
	stopOnce    sync.Once
	wg          sync.WaitGroup
	sent        atomic.Int64 // messages written whole to a connection
	garbage     atomic.Int64 // garbage bytes written
	connections int          // read only after halt
	mu          sync.Mutex
	err         error
}

func (s *soakTCPSender) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *soakTCPSender) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// halt stops the sender and waits until its last connection is closed.
func (s *soakTCPSender) halt() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
}

func (s *soakTCPSender) run() {
	defer s.wg.Done()
	var conn net.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	start := time.Now()
	connected := time.Time{}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var buf, msg []byte
	n := 0
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			if conn == nil || now.Sub(connected) > soakTCPReconnect {
				if conn != nil {
					conn.Close()
				}
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					s.fail(err)
					return
				}
				conn, connected = c, now
				s.connections++
			}
			buf = buf[:0]
			var garbage int64
			target := int(now.Sub(start).Seconds() * soakTCPRate)
			first := n
			for ; n < target; n++ {
				m := message.New(now.UnixNano())
				m.Type = "soak.tcp"
				m.Logger = "soak"
				m.Payload = "tcp " + strconv.Itoa(n)
				msg = m.MarshalAppend(msg[:0])
				buf = framing.AppendRecord(buf, msg)
				if n%10 == 9 {
					buf = append(buf, soakTCPGarbage...)
					garbage += int64(len(soakTCPGarbage))
				}
			}
			if _, err := conn.Write(buf); err != nil {
				s.fail(fmt.Errorf("writing messages %d to %d: %v", first, n-1, err))
				return
			}
			s.sent.Add(int64(n - first))
			s.garbage.Add(garbage)
		}
	}
}

// soakReport is the latest line of each plugin in a daemon report, by name.
type soakReport map[string]string

// int returns the integer value of key in plugin's line.
func (r soakReport) int(plugin, key string) (int64, bool) {
	return soakInt(r[plugin], key)
}

// soakInt returns the integer value of " key=N" in a report line.
func soakInt(line, key string) (int64, bool) {
	i := strings.Index(line, " "+key+"=")
	if i < 0 {
		return 0, false
	}
	v := line[i+len(key)+2:]
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

var soakReportLine = regexp.MustCompile(`^  (input|decoder|splitter|encoder|filter|output)\s+(\S+)\s`)

// soakReportNow sends SIGUSR1 and returns the report it prints, once the
// line of its last plugin (the output rotated) is there.
func soakReportNow(t *testing.T, d *daemonProcess) soakReport {
	t.Helper()
	from := len(d.stderr.String())
	d.signal(syscall.SIGUSR1)
	var r soakReport
	d.waitFor("a report", 20*time.Second, func() (bool, string) {
		text := d.stderr.String()[from:]
		i := strings.Index(text, "sandpiper report:")
		if i < 0 {
			return false, "no header yet"
		}
		r = soakReport{}
		for _, line := range strings.SplitAfter(text[i:], "\n") {
			if !strings.HasSuffix(line, "\n") {
				break
			}
			if m := soakReportLine.FindStringSubmatch(line); m != nil {
				r[m[2]] = strings.TrimSuffix(line, "\n")
			}
		}
		_, ok := r["rotated"]
		return ok, fmt.Sprintf("%d plugin lines", len(r))
	})
	return r
}

// soakWaitReport asks for a report every 200 ms until cond holds of one,
// and returns that report.
func soakWaitReport(t *testing.T, d *daemonProcess, what string, timeout time.Duration, cond func(soakReport) bool) soakReport {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := soakReportNow(t, d)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v; last report:\n%s", what, timeout, strings.Join(slices.Sorted(func(yield func(string) bool) {
				for _, l := range r {
					if !yield(l) {
						return
					}
				}
			}), "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rssKB returns the resident set size of process pid in KB.
func rssKB(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("/proc/%d/status has no VmRSS line", pid)
	return 0
}

// soakSample is the RSS measured at one report.
type soakSample struct {
	at    time.Duration
	rssKB int64
}

// soakCheckRSS fails t if RSS grew over the soak: the greatest of the last
// third of the samples must be under 1.5 times the greatest of the first
// third plus 50 MB. The first third covers the daemon's warm-up (queues
// filled once, the Go heap grown to its working size, the hog's first
// swings); a leak of even a few hundred bytes a message adds more than
// that over minutes at these rates.
func soakCheckRSS(t *testing.T, samples []soakSample) {
	t.Helper()
	if len(samples) < 3 {
		t.Logf("only %d RSS samples: growth not checked", len(samples))
		return
	}
	third := len(samples) / 3
	peak := func(s []soakSample) int64 {
		var m int64
		for _, x := range s {
			m = max(m, x.rssKB)
		}
		return m
	}
	first, last := peak(samples[:third]), peak(samples[len(samples)-third:])
	t.Logf("RSS: first third's peak %d MB, last third's %d MB", first/1024, last/1024)
	if last >= first*3/2+50*1024 {
		t.Errorf("RSS grew from a peak of %d MB in the first third to %d MB in the last", first/1024, last/1024)
	}
}

// soakTally counts how often each number was seen.
type soakTally struct {
	what   string
	counts []uint8
	beyond []int // numbers not below len(counts)
}

func newSoakTally(what string, n int) *soakTally {
	return &soakTally{what: what, counts: make([]uint8, n)}
}

func (s *soakTally) add(n int) {
	if n < 0 || n >= len(s.counts) {
		s.beyond = append(s.beyond, n)
		return
	}
	if s.counts[n] < 255 {
		s.counts[n]++
	}
}

// check fails t unless each number for which want holds was seen exactly
// once and the others never, naming the first few exceptions.
func (s *soakTally) check(t *testing.T, want func(int) bool) {
	t.Helper()
	var missing, repeated, unwanted []int
	nMissing, nRepeated, nUnwanted := 0, 0, 0
	note := func(list *[]int, count *int, n int) {
		*count++
		if len(*list) < 10 {
			*list = append(*list, n)
		}
	}
	for n, c := range s.counts {
		switch w := want(n); {
		case w && c == 0:
			note(&missing, &nMissing, n)
		case w && c > 1:
			note(&repeated, &nRepeated, n)
		case !w && c > 0:
			note(&unwanted, &nUnwanted, n)
		}
	}
	if nMissing+nRepeated+nUnwanted+len(s.beyond) > 0 {
		t.Errorf("%s: %d missing (first %v), %d more than once (first %v), %d unexpected (first %v), %d never sent (first %v)",
			s.what, nMissing, missing, nRepeated, repeated, nUnwanted, unwanted, len(s.beyond), s.beyond[:min(10, len(s.beyond))])
	}
}

// soakCheckArchive checks the archive of everything: each good line of
// the lines written as one nginx.access message, each malformed line as
// one decode failure, each TCP message once, and one termination of the
// filter quitter. It returns the count of records.
func soakCheckArchive(t *testing.T, path string, lines, tcp int) int {
	t.Helper()
	good := newSoakTally("nginx.access messages", lines)
	bad := newSoakTally("decode failures", lines)
	sent := newSoakTally("TCP messages", tcp)
	terminations, records := 0, 0
	skipped := eachRecord(t, path, func(_ []byte, m *message.Message) {
		records++
		switch {
		case m.Type == "nginx.access":
			good.add(itemNumber(t, m))
		case m.Field("decode_failure", 0) != nil:
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(m.Payload, "malformed line ")))
			if err != nil {
				t.Fatalf("decode failure with Payload %q", m.Payload)
			}
			bad.add(n)
		case m.Type == "soak.tcp":
			n, err := strconv.Atoi(strings.TrimPrefix(m.Payload, "tcp "))
			if err != nil {
				t.Fatalf("soak.tcp message with Payload %q", m.Payload)
			}
			sent.add(n)
		case m.Type == "heka.sandbox-terminated":
			if f := m.Field("plugin", 0); f == nil || len(f.Strings) != 1 || f.Strings[0] != "quitter" || !strings.Contains(m.Payload, "instruction_limit") {
				t.Errorf("termination message %s: want only quitter's, for its instruction_limit", m.AppendJSON(nil))
			}
			terminations++
		}
	})
	if skipped != 0 {
		t.Errorf("%s: %d bytes outside valid records", path, skipped)
	}
	good.check(t, func(n int) bool { return !soakMalformed(n) })
	bad.check(t, soakMalformed)
	sent.check(t, func(int) bool { return true })
	if terminations != 1 {
		t.Errorf("%d heka.sandbox-terminated messages, want 1 (quitter's)", terminations)
	}
	return records
}

// soakCheckRotated checks that the output rotated by size made more than
// one file and that its files together hold each good line once.
func soakCheckRotated(t *testing.T, dir string, lines int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Errorf("%s: %d files, want the output rotated at least once", dir, len(entries))
	}
	good := newSoakTally("nginx.access messages across the rotated files", lines)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if skipped := eachRecord(t, path, func(_ []byte, m *message.Message) { good.add(itemNumber(t, m)) }); skipped != 0 {
			t.Errorf("%s: %d bytes outside valid records", path, skipped)
		}
	}
	good.check(t, func(n int) bool { return !soakMalformed(n) })
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
