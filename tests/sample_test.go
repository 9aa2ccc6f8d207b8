package tests

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"flag"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sandpiper/core/message"
)

var update = flag.Bool("update", false, "rewrite the sample files in testdata/ from ../shared/fixtures")

const (
	nginxFixture = "../../shared/fixtures/nginx_combined_1.log"
	sampleJSON   = "testdata/nginx_access.jsonl"
	sampleStream = "testdata/nginx_access.heka"
)

// nginxCombined matches nginx's "combined" log format.
var nginxCombined = regexp.MustCompile(`^(\S+) - (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$`)

// nginxMessages turns each line of an nginx "combined" log into the message
// an nginx decoder would make of it. Uuids derive from the line number, so
// the result is the same at every run.
func nginxMessages(t *testing.T, log []byte) []*message.Message {
	t.Helper()
	var msgs []*message.Message
	sc := bufio.NewScanner(bytes.NewReader(log))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		p := nginxCombined.FindStringSubmatch(line)
		if p == nil {
			t.Fatalf("%s:%d: not nginx combined: %q", nginxFixture, n, line)
		}
		ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", p[3])
		if err != nil {
			t.Fatalf("%s:%d: %v", nginxFixture, n, err)
		}
		m := &message.Message{
			Uuid:      message.UUID(md5.Sum([]byte(nginxFixture + ":" + strconv.Itoa(n)))),
			Timestamp: ts.UnixNano(),
			Type:      "nginx.access",
			Logger:    "nginx_combined_1.log",
			Severity:  6,
			Payload:   line,
			Hostname:  "web-1",
		}
		m.Uuid[6] = m.Uuid[6]&0x0f | 0x40
		m.Uuid[8] = m.Uuid[8]&0x3f | 0x80
		str := func(name, v string) { m.AddField(message.Field{Name: name, Strings: []string{v}}) }
		str("remote_addr", p[1])
		str("remote_user", p[2])
		if req := strings.Split(p[4], " "); len(req) == 3 {
			str("method", req[0])
			str("path", req[1])
			str("protocol", req[2])
		} else {
			str("request", p[4])
		}
		status, _ := strconv.ParseInt(p[5], 10, 64)
		m.AddField(message.Field{Name: "status", Type: message.Integer, Integers: []int64{status}})
		if size, err := strconv.ParseInt(p[6], 10, 64); err == nil {
			m.AddField(message.Field{Name: "body_bytes_sent", Type: message.Integer, Representation: "B", Integers: []int64{size}})
		}
		str("http_referer", p[7])
		str("http_user_agent", p[8])
		msgs = append(msgs, m)
	}
	return msgs
}

// TestSampleFilesAreTheFixtureConverted proves what the shipped sample files
// are: the JSON lines are the nginx fixture decoded by nginxMessages, and the
// Heka stream is those JSON lines converted by sandpiper cat. go test
// ./tests -run Sample -update writes them again.
func TestSampleFilesAreTheFixtureConverted(t *testing.T) {
	log, err := os.ReadFile(nginxFixture)
	if err != nil {
		t.Fatalf("the shared fixtures must sit beside the project: %v", err)
	}
	var want []byte
	for _, m := range nginxMessages(t, log) {
		want = append(m.AppendJSON(want), '\n')
	}
	if *update {
		if err := os.WriteFile(sampleJSON, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(sampleJSON)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not %s converted; run go test ./tests -run Sample -update", sampleJSON, nginxFixture)
	}

	r := run(t, nil, "cat", "-input", "json", "-format", "framed", sampleJSON)
	if r.code != 0 {
		t.Fatalf("cat to framed: exit %d: %s", r.code, r.stderr)
	}
	if *update {
		if err := os.WriteFile(sampleStream, r.stdout, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stream, err := os.ReadFile(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stream, r.stdout) {
		t.Fatalf("%s is not %s framed; run go test ./tests -run Sample -update", sampleStream, sampleJSON)
	}
}
