package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sandpiper/core/config"
	"sandpiper/core/daemon"
	"sandpiper/core/framing"
	"sandpiper/lua_modules"
	_ "sandpiper/plugins/all"
	"sandpiper/sandbox"
)

// genScript is the generator of W1's access log (DESIGN.md, "Measuring"),
// kept beside the repository rather than in it.
const genScript = "../../../shared/bench/gen_access_log.sh"

// dataDir holds the inputs the benchmarks share, made once per process:
// they are large (a framed file of 200k messages is 120 MB), so they are
// neither kept in the tree nor made again by every benchmark.
var dataDir string

func TestMain(m *testing.M) {
	sandbox.BuiltinModules = lua_modules.FS
	var err error
	if dataDir, err = os.MkdirTemp("", "sandpiper-bench-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dataDir)
	os.Exit(code)
}

var (
	dataMu sync.Mutex
	made   = map[string]string{} // inputs made so far: key → directory
)

// inputDir returns a directory, made once per key, holding the one file
// name that write writes.
func inputDir(tb testing.TB, key, name string, write func(path string) error) string {
	tb.Helper()
	dataMu.Lock()
	defer dataMu.Unlock()
	if dir, ok := made[key]; ok {
		return dir
	}
	dir := filepath.Join(dataDir, key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := write(filepath.Join(dir, name)); err != nil {
		tb.Fatalf("making %s: %v", key, err)
	}
	made[key] = dir
	return dir
}

// framedDir returns a directory holding messages.heka: n framed protobuf
// messages, the records of tests/testdata/nginx_access.heka (405 nginx
// access messages as a decoder makes them) over and over.
func framedDir(tb testing.TB, n int) string {
	return inputDir(tb, fmt.Sprintf("framed-%d", n), "messages.heka", func(path string) error {
		msgs, err := fixtureRecords()
		if err != nil {
			return err
		}
		var buf []byte
		for i := 0; i < n; i++ {
			buf = framing.AppendRecord(buf, msgs[i%len(msgs)])
		}
		return os.WriteFile(path, buf, 0o644)
	})
}

// fixtureRecords returns the message bytes of tests/testdata/nginx_access.heka.
func fixtureRecords() ([][]byte, error) {
	f, err := os.Open("../testdata/nginx_access.heka")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := framing.NewReader(f, framing.ReaderOptions{})
	var msgs [][]byte
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, bytes.Clone(rec.Message))
	}
}

// accessLogDir returns a directory holding access.log: n lines of nginx's
// combined format made by W1's generator, skipping the benchmark when the
// generator is not there.
func accessLogDir(tb testing.TB, n int) string {
	if _, err := os.Stat(genScript); err != nil {
		tb.Skipf("W1's generator %s is not there: %v", genScript, err)
	}
	return inputDir(tb, fmt.Sprintf("access-%d", n), "access.log", func(path string) error {
		out, err := exec.Command("sh", genScript, fmt.Sprint(n), path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", genScript, err, out)
		}
		return nil
	})
}

// fixtureLogDir returns a directory holding access.log: the 405 real nginx
// lines of the demo (cmd/sandpiper/demo/access.log) repeated times times,
// for the tests, which must not depend on the generator.
func fixtureLogDir(tb testing.TB, times int) string {
	return inputDir(tb, fmt.Sprintf("fixture-%d", times), "access.log", func(path string) error {
		lines, err := os.ReadFile("../../cmd/sandpiper/demo/access.log")
		if err != nil {
			return err
		}
		return os.WriteFile(path, bytes.Repeat(lines, times), 0o644)
	})
}

// readLines returns the lines of a file, without their newlines.
func readLines(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// syncBuffer collects the daemon's log, to show it when a run fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// runPipeline builds the daemon of conf, a configuration without its
// [sandpiper] table, in a fresh directory that is its base_dir (so that a
// LogstreamerInput's journal starts empty and every run reads its files
// whole) and that replaces $RUN in conf, runs it to its end in batch mode,
// calls check with that directory and the daemon's report, and returns
// what Run cost. Building is not measured: it is the daemon's start, not
// its throughput.
func runPipeline(tb testing.TB, conf string, check func(runDir, report string)) cost {
	tb.Helper()
	dir, err := os.MkdirTemp(dataDir, "run-")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sandpiper.toml")
	conf = fmt.Sprintf("[sandpiper]\nbase_dir = '%s'\n\n%s", filepath.Join(dir, "state"), strings.ReplaceAll(conf, "$RUN", dir))
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		tb.Fatalf("%v\n%s", err, conf)
	}
	var logs syncBuffer
	d, err := daemon.New(daemon.SettingsOf(cfg.Globals), daemon.PluginConfigs(cfg), daemon.Options{Log: log.New(&logs, "", 0)})
	if err == nil {
		err = errors.Join(cfg.Unknown()...)
	}
	if err != nil {
		tb.Fatalf("%v\n%s", err, conf)
	}
	var elapsed cost
	elapsed.measure(func() { err = d.Run(context.Background()) })
	if err != nil {
		tb.Fatalf("run: %v\n%s", err, logs.String())
	}
	var report strings.Builder
	d.Report(&report)
	check(dir, report.String())
	return elapsed
}

// withProcs runs f with GOMAXPROCS set to n, then restores it.
func withProcs(n int, f func()) {
	prev := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(prev)
	f()
}

// cost is what runs of a loop or a pipeline took, added up: wall-clock
// time, and the CPU time of the whole process (user and system, every
// thread: the garbage collector's included). On a shared machine the CPU
// time is the steadier of the two: other jobs lengthen the wall time of a
// run, not its CPU time.
type cost struct {
	Wall, CPU time.Duration
}

// measure runs f and adds its cost.
func (c *cost) measure(f func()) {
	cpu0 := cpuTime()
	start := time.Now()
	f()
	c.Wall += time.Since(start)
	c.CPU += cpuTime() - cpu0
}

// add adds o to c.
func (c *cost) add(o cost) {
	c.Wall += o.Wall
	c.CPU += o.CPU
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report reports c's figures for n items per round of b, under name: the
// rate in wall-clock time and the CPU time per item.
func (c cost) report(b *testing.B, name, unit string, n int) {
	b.ReportMetric(float64(b.N*n)/c.Wall.Seconds(), name+"-"+unit+"/s")
	b.ReportMetric(float64(c.CPU.Nanoseconds())/float64(b.N*n), name+"-cpu-ns/"+strings.TrimSuffix(unit, "s"))
}

// ratio returns the rate of c over the rate of base, each of nc and nb
// items: above 1, c was faster.
func (c cost) ratio(nc int, base cost, nb int) float64 {
	return float64(nc) / c.Wall.Seconds() / (float64(nb) / base.Wall.Seconds())
}

// countRecords returns the number of framed records in the file at path.
func countRecords(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := framing.NewReader(f, framing.ReaderOptions{})
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
}
