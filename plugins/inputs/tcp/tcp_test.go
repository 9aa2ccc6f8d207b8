package tcp

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
		err     string // "" for a valid configuration
	}{
		{`address = "127.0.0.1:5565"`, ""},
		{`address = "127.0.0.1:5565"` + "\nkeep_alive = true\nkeep_alive_period = 30\nmax_connections = 10", ""},
		{``, "tcp_in: address is required"},
		{`address = "5565"`, `tcp_in: address "5565"`},
		{`address = "127.0.0.1:99999"`, `tcp_in: address "127.0.0.1:99999"`},
		{`address = ":1"` + "\nkeep_alive_period = 0", "tcp_in: keep_alive_period 0"},
		{`address = ":1"` + "\nmax_connections = -1", "tcp_in: max_connections -1"},
	}
	for _, tc := range tests {
		_, err := pipelinetest.Build(pipelinetest.Env(t, "tcp_in", "TcpInput"), "TcpInput", tc.options)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.options, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one starting %q", tc.options, err, tc.err)
		}
	}
}

// start runs a TcpInput on a free port of 127.0.0.1 and returns it, its
// runner, its address and a function that cancels it and returns Run's
// result.
func start(t *testing.T, options string) (*Input, *pipelinetest.Input, string, func() error) {
	t.Helper()
	p, err := pipelinetest.Build(pipelinetest.Env(t, "tcp_in", "TcpInput"), "TcpInput", `address = "127.0.0.1:0"`+"\n"+options)
	if err != nil {
		t.Fatal(err)
	}
	in := p.(*Input)
	r := &pipelinetest.Input{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, r) }()
	select {
	case <-in.ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(3 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	return in, r, in.addr.String(), stop
}

func TestConcurrentClients(t *testing.T) {
	in, r, addr, stop := start(t, "")
	const clients, lines = 8, 50
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		go func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			for i := 0; i < lines; i++ {
				if _, err := fmt.Fprintf(conn, "client %d line %d\n", c, i); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	packs := r.WaitFor(t, clients*lines, 5*time.Second)
	var got []string
	perClient := map[string][]string{}
	for _, p := range packs {
		if p.Message.Hostname != "127.0.0.1" {
			t.Errorf("Hostname %q, want the peer's IP 127.0.0.1", p.Message.Hostname)
		}
		got = append(got, p.Message.Payload)
		f := strings.Fields(p.Message.Payload)
		perClient[f[1]] = append(perClient[f[1]], f[3])
	}
	for c, seq := range perClient {
		for i, n := range seq {
			if n != fmt.Sprint(i) {
				t.Fatalf("client %s: line %d is %s: a connection's lines out of order", c, i, n)
			}
		}
	}
	if len(got) != clients*lines {
		t.Fatalf("%d messages, want %d", len(got), clients*lines)
	}
	deadline := time.Now().Add(2 * time.Second)
	for in.open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	report := map[string]any{}
	in.Report(func(k string, v any) { report[k] = v })
	if report["connections_open"] != int64(0) || report["connections_accepted"] != int64(clients) {
		t.Errorf("report %v, want 0 open and %d accepted once the clients closed", report, clients)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestCancelWithClientsConnected(t *testing.T) {
	in, r, addr, stop := start(t, "")
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "hello %d\n", i)
		conns = append(conns, c)
	}
	r.WaitFor(t, 3, 3*time.Second)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := in.open.Load(); n != 0 {
		t.Errorf("%d connections open after Run returned", n)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
			t.Errorf("client %d: read after stop: %v, want the connection closed by the input", i, err)
		}
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the input still accepts connections after Run returned")
	}
}

func TestMaxConnections(t *testing.T) {
	in, r, addr, stop := start(t, "max_connections = 1")
	defer stop()
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprintf(first, "first\n")
	r.WaitFor(t, 1, 3*time.Second)
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("second connection: read %v, want it closed by the input", err)
	}
	if n := in.rejected.Load(); n != 1 {
		t.Errorf("%d connections refused, want 1", n)
	}
}
