package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const tcpSenderConfig = `
[sandpiper]
base_dir = "state"

[stdin]
type = "StdinInput"
splitter = "framed"
decoder = "protobuf"

[framed]
type = "HekaFramingSplitter"

[protobuf]
type = "ProtobufDecoder"

[forward]
type = "TcpOutput"
address = "127.0.0.1:%ENV[E2E_PORT]"
message_matcher = "TRUE"
`

const tcpReceiverConfig = `
[sandpiper]
base_dir = "state"

[tcp_in]
type = "TcpInput"
address = "127.0.0.1:%ENV[E2E_PORT]"

[received]
type = "FileOutput"
path = "received.hpb"
flush_interval = 50
message_matcher = "TRUE"
`

// TestDaemonTcpSandpiperToSandpiper sends a Heka stream from one sandpiper
// (StdinInput to TcpOutput) to another (TcpInput to FileOutput): the
// messages arrive unmodified, byte for byte, in their order.
func TestDaemonTcpSandpiperToSandpiper(t *testing.T) {
	sendDir, recvDir := t.TempDir(), t.TempDir()
	env := []string{fmt.Sprintf("E2E_PORT=%d", freePort(t))}
	received := filepath.Join(recvDir, "received.hpb")
	sample, err := os.ReadFile(sampleStream)
	if err != nil {
		t.Fatal(err)
	}
	want := readStreamDone(t, sampleStream)

	recv := startSandpiper(t, nil, env, "run", "-config", writeConfig(t, recvDir, tcpReceiverConfig))
	recv.waitStderr(": 2 plugins", 10*time.Second)

	// The sender's input is finite: it exits by itself once its output
	// has sent everything and the receiver has closed the connection.
	send := startSandpiper(t, bytes.NewReader(sample), env, "run", "-config", writeConfig(t, sendDir, tcpSenderConfig))
	if code := send.wait(20 * time.Second); code != 0 {
		t.Fatalf("sender: exit status %d, want 0\nstderr:\n%s", code, send.stderr.String())
	}
	recv.waitFor(fmt.Sprintf("%d messages received", len(want)), 10*time.Second, func() (bool, string) {
		recs, _ := readStream(t, received)
		return len(recs) >= len(want), fmt.Sprintf("%d so far", len(recs))
	})
	recv.stop(20 * time.Second)

	got := readStreamDone(t, received)
	if len(got) != len(want) {
		t.Fatalf("received %d messages, sent %d\nsender stderr:\n%s\nreceiver stderr:\n%s",
			len(got), len(want), send.stderr.String(), recv.stderr.String())
	}
	for i := range want {
		if !bytes.Equal(got[i].raw, want[i].raw) {
			t.Fatalf("message %d differs:\n got %s\nwant %s", i+1, got[i].msg.AppendJSON(nil), want[i].msg.AppendJSON(nil))
		}
	}
	if out := readFile(t, received); !bytes.Equal(out, sample) {
		t.Errorf("the received file (%d bytes) is not the stream sent (%d bytes)", len(out), len(sample))
	}
}
