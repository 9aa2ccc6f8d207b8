package udp

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"sandpiper/core/pipeline/pipelinetest"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		options string
		err     string
	}{
		{`address = "127.0.0.1:5565"`, ""},
		{``, "udp_in: address is required"},
		{`address = "localhost"`, `udp_in: address "localhost"`},
		{`address = ":70000"`, `udp_in: address ":70000"`},
	}
	for _, tc := range tests {
		_, err := pipelinetest.Build(pipelinetest.Env(t, "udp_in", "UdpInput"), "UdpInput", tc.options)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.options, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one starting %q", tc.options, err, tc.err)
		}
	}
}

func TestDatagrams(t *testing.T) {
	p, err := pipelinetest.Build(pipelinetest.Env(t, "udp_in", "UdpInput"), "UdpInput", `address = "127.0.0.1:0"`)
	if err != nil {
		t.Fatal(err)
	}
	in := p.(*Input)
	r := &pipelinetest.Input{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, r) }()
	<-in.ready
	conn, err := net.Dial("udp", in.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	big := strings.Repeat("x", 60000)
	sent := []string{"one", "two", big}
	for _, d := range sent {
		if _, err := conn.Write([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	packs := r.WaitFor(t, len(sent), 3*time.Second)
	for i, p := range packs {
		if p.Message.Payload != sent[i] {
			t.Errorf("message %d: payload of %d bytes, want %d", i, len(p.Message.Payload), len(sent[i]))
		}
		if p.Message.Hostname != "127.0.0.1" {
			t.Errorf("message %d: Hostname %q, want the sender's IP", i, p.Message.Hostname)
		}
	}
	report := map[string]any{}
	in.Report(func(k string, v any) { report[k] = v })
	if want := fmt.Sprint(map[string]any{"bytes": int64(60006), "datagrams": int64(3)}); fmt.Sprint(report) != want {
		t.Errorf("report %v, want %v", report, want)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
