package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sandpiper/core/framing"
	"sandpiper/core/matcher"
	"sandpiper/core/message"
)

// routeMatchers are the matchers of benchmark (a)'s ten outputs: what a
// site would route nginx access messages by (errors, writes, a path,
// old browsers, injection probes, big responses, a client), from plain
// comparisons to real regular expressions. Some select nothing of the
// fixture (a scanner's run of GETs), as many outputs would most of the
// time; they cost their evaluation all the same. The last takes every
// message, as an archive would.
var routeMatchers = []string{
	`Fields[status] >= 400`,
	`Type == 'nginx.access' && Fields[method] == 'POST'`,
	`Fields[status] >= 500 || Fields[status] == 404`,
	`Fields[path] =~ /^\/robots\.txt/`,
	`Fields[http_user_agent] =~ /MSIE [1-6]\./`,
	`Payload =~ /select|union|script|%3C/`,
	`Hostname == 'web-1' && Severity <= 6`,
	`Fields[body_bytes_sent] > 10000`,
	`Fields[remote_addr] == '10.0.0.16'`,
	`Type == 'nginx.access'`,
}

// routeConfig is benchmark (a)'s pipeline: the framed file in dir read
// once, split and decoded as protobuf, routed to ten null outputs.
func routeConfig(dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `[messages]
type = "LogstreamerInput"
log_directory = '%s'
file_match = 'messages\.heka'
follow = false
splitter = "HekaFramingSplitter"
decoder = "ProtobufDecoder"

[HekaFramingSplitter]
[ProtobufDecoder]
`, dir)
	for i, m := range routeMatchers {
		fmt.Fprintf(&b, "\n[out%d]\ntype = %q\nmessage_matcher = '''%s'''\n", i, nullType, m)
	}
	return b.String()
}

// bareDecode is benchmark (a)'s baseline: the file's records read by a
// framing.Reader and decoded into one reused message, which is the least
// any reader of the file must do. It returns the messages decoded.
func bareDecode(tb testing.TB, path string) int {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := framing.NewReader(f, framing.ReaderOptions{})
	m := message.New(0)
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := m.Unmarshal(rec.Message); err != nil {
			tb.Fatal(err)
		}
		n++
	}
}

// routeOnce runs benchmark (a)'s pipeline over dir's file of n messages
// and checks that the archive got every message and no output more.
func routeOnce(tb testing.TB, dir string, n int) cost {
	tb.Helper()
	return runPipeline(tb, routeConfig(dir), func(_, report string) {
		for i := range routeMatchers {
			got := nullOutputNamed(fmt.Sprintf("out%d", i)).n.Load()
			if i == len(routeMatchers)-1 && got != int64(n) || got > int64(n) {
				tb.Fatalf("out%d (%s) got %d of %d messages\n%s", i, routeMatchers[i], got, n, report)
			}
		}
	})
}

// TestRoute checks benchmark (a)'s pipeline on a small file: every message
// reaches the archive, and each output gets exactly what its matcher
// selects of the fixture's messages.
func TestRoute(t *testing.T) {
	const n = 2025
	dir := framedDir(t, n)
	routeOnce(t, dir, n)
	recs, err := fixtureRecords()
	if err != nil {
		t.Fatal(err)
	}
	for i, expr := range routeMatchers {
		mt, err := matcher.Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for j := 0; j < n; j++ {
			m := message.New(0)
			if err := m.Unmarshal(recs[j%len(recs)]); err != nil {
				t.Fatal(err)
			}
			if mt.Match(m) {
				want++
			}
		}
		if got := nullOutputNamed(fmt.Sprintf("out%d", i)).n.Load(); got != int64(want) {
			t.Errorf("out%d (%s): got %d messages, want %d", i, expr, got, want)
		}
	}
}

// BenchmarkRoute is benchmark (a): a framed protobuf file of 200k nginx
// access messages through the daemon (LogstreamerInput, HekaFramingSplitter,
// ProtobufDecoder, ten matchers, ten null outputs) at GOMAXPROCS 1 and 2,
// beside the bare decode loop over the same file at GOMAXPROCS 1, in turn
// in each round.
func BenchmarkRoute(b *testing.B) {
	const n = 200_000
	dir := framedDir(b, n)
	path := filepath.Join(dir, "messages.heka")
	var bare, one, two cost
	for b.Loop() {
		withProcs(1, func() {
			bare.measure(func() {
				if got := bareDecode(b, path); got != n {
					b.Fatalf("bare loop decoded %d of %d messages", got, n)
				}
			})
			one.add(routeOnce(b, dir, n))
		})
		withProcs(2, func() { two.add(routeOnce(b, dir, n)) })
	}
	b.ReportMetric(0, "ns/op")
	bare.report(b, "bare", "msgs", n)
	one.report(b, "p1", "msgs", n)
	two.report(b, "p2", "msgs", n)
	b.ReportMetric(one.ratio(n, bare, n), "p1/bare")
	b.ReportMetric(two.ratio(n, bare, n), "p2/bare")
}
