package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sandpiper/core/framing"
	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

// server is a TcpInput stand-in: it reads framed messages from every
// connection until EOF, verifying signatures with keys, then closes the
// connection, as Heka's does.
type server struct {
	t       *testing.T
	ln      net.Listener
	keys    map[string][]byte
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]bool
	got     []string
	signers map[string]int // messages by verified signer, "" for unsigned
	stats   framing.Stats  // summed over the ended connections
	count   int            // connections accepted
}

func listen(t *testing.T, addr string) *server {
	return listenKeys(t, addr, nil)
}

func listenKeys(t *testing.T, addr string, keys map[string][]byte) *server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, ln: ln, keys: keys, conns: map[net.Conn]bool{}, signers: map[string]int{}}
	s.wg.Add(1)
	go s.accept()
	return s
}

func (s *server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.count++
		s.mu.Unlock()
		s.wg.Add(1)
		go s.read(c)
	}
}

func (s *server) read(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	r := framing.NewReader(c, framing.ReaderOptions{Keys: s.keys})
	defer func() {
		st := r.Stats()
		s.mu.Lock()
		s.stats.Records += st.Records
		s.stats.BadSignatures += st.BadSignatures
		s.stats.UnknownSigners += st.UnknownSigners
		s.mu.Unlock()
	}()
	for {
		rec, err := r.Next()
		if err != nil {
			if err != io.EOF && !strings.Contains(err.Error(), "use of closed") {
				s.t.Errorf("server read: %v", err)
			}
			return
		}
		m := new(message.Message)
		if err := m.Unmarshal(rec.Message); err != nil {
			s.t.Errorf("server: %v", err)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, m.Payload)
		s.signers[rec.Signer]++
		s.mu.Unlock()
	}
}

// close closes the listener and every connection, as a peer that goes away.
func (s *server) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *server) payloads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

func (s *server) waitFor(n int) {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for len(s.payloads()) < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("server has %d of %d messages", len(s.payloads()), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func build(t *testing.T, options string) *tcpOutput {
	t.Helper()
	p, err := pipelinetest.Build(pipelinetest.Env(t, "out", "TcpOutput"), "TcpOutput", options)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*tcpOutput)
}

func start(ctx context.Context, o *tcpOutput) (*pipelinetest.Output, <-chan error) {
	r := &pipelinetest.Output{}
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx, r) }()
	return r, done
}

func wait(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

func packs(t *testing.T, from, to int) []*pipeline.Pack {
	var ps []*pipeline.Pack
	for i := from; i < to; i++ {
		ps = append(ps, pipelinetest.Pack(t, fmt.Sprintf(`{"Payload":"message %d"}`, i)))
	}
	return ps
}

func want(from, to int) []string {
	var w []string
	for i := from; i < to; i++ {
		w = append(w, fmt.Sprintf("message %d", i))
	}
	return w
}

func report(o *tcpOutput) map[string]any {
	figures := map[string]any{}
	o.Report(func(k string, v any) { figures[k] = v })
	return figures
}

func TestSendsEveryMessage(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	defer srv.close()
	o := build(t, fmt.Sprintf("address = %q", srv.ln.Addr()))
	r, done := start(context.Background(), o)
	r.Send(packs(t, 0, 10)...)
	r.Send()
	r.Send(packs(t, 10, 500)...)
	srv.waitFor(500)
	if f := report(o); f["connected"] != true {
		t.Errorf("report while sending %v", f)
	}
	r.Close()
	wait(t, done)
	if got := srv.payloads(); strings.Join(got, "|") != strings.Join(want(0, 500), "|") {
		t.Errorf("server got %d messages, want 500 in order", len(got))
	}
	if f := report(o); f["connected"] != false || f["reconnects"] != int64(0) || f["messages_sent"] != int64(500) {
		t.Errorf("report %v", f)
	}
}

// opsSigner is a [out.signer] table, and opsKeys the receiving side's
// keys that verify it.
const opsSigner = "\n[signer]\nname = \"ops\"\nversion = 2\nhmac_key = \"secret\"\nhmac_hash = \"sha1\""

var opsKeys = map[string][]byte{"ops_2": []byte("secret")}

func TestSigns(t *testing.T) {
	for _, c := range []struct {
		name, signer string
		keys         map[string][]byte
		signedBy     string // the verified signer of every message; "-" for none received
		bad, unknown int64
	}{
		{"unsigned", "", opsKeys, "", 0, 0},
		{"sha1", opsSigner, opsKeys, "ops", 0, 0},
		{"md5 by default", "\n[signer]\nname = \"dev\"\nhmac_key = \"k\"", map[string][]byte{"dev_0": []byte("k")}, "dev", 0, 0},
		{"md5 in capitals", "\n[signer]\nname = \"dev\"\nversion = 1\nhmac_key = \"k\"\nhmac_hash = \"MD5\"", map[string][]byte{"dev_1": []byte("k")}, "dev", 0, 0},
		{"wrong key", opsSigner, map[string][]byte{"ops_2": []byte("guess")}, "-", 20, 0},
		{"other version", opsSigner, map[string][]byte{"ops_1": []byte("secret")}, "-", 0, 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := listenKeys(t, "127.0.0.1:0", c.keys)
			o := build(t, fmt.Sprintf("address = %q", srv.ln.Addr())+c.signer)
			r, done := start(context.Background(), o)
			r.Send(packs(t, 0, 10)...)
			r.Send(packs(t, 10, 20)...)
			r.Close()
			wait(t, done)
			srv.close()
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if c.signedBy == "-" {
				if len(srv.got) != 0 {
					t.Errorf("server accepted %d messages: %v", len(srv.got), srv.signers)
				}
			} else if strings.Join(srv.got, "|") != strings.Join(want(0, 20), "|") || srv.signers[c.signedBy] != 20 {
				t.Errorf("server got %q signed by %v, want 20 by %q", srv.got, srv.signers, c.signedBy)
			}
			if srv.stats.BadSignatures != c.bad || srv.stats.UnknownSigners != c.unknown {
				t.Errorf("server dropped %d bad signatures and %d unknown signers, want %d and %d",
					srv.stats.BadSignatures, srv.stats.UnknownSigners, c.bad, c.unknown)
			}
			if f := report(o); f["messages_sent"] != int64(20) {
				t.Errorf("report %v", f)
			}
		})
	}
}

func TestReconnectsAndResends(t *testing.T) {
	for _, c := range []struct{ name, signer, signedBy string }{
		{"unsigned", "", ""},
		{"signed", opsSigner, "ops"},
	} {
		t.Run(c.name, func(t *testing.T) { testReconnectsAndResends(t, c.signer, c.signedBy) })
	}
}

// testReconnectsAndResends sends to a server that goes away and comes
// back: every message arrives, those sent again signed as the others.
func testReconnectsAndResends(t *testing.T, signer, signedBy string) {
	srv := listenKeys(t, "127.0.0.1:0", opsKeys)
	addr := srv.ln.Addr().String()
	o := build(t, fmt.Sprintf("address = %q\nmax_backoff = 1", addr)+signer)
	r, done := start(context.Background(), o)
	for i := 0; i < 5; i++ {
		r.Send(packs(t, i*10, i*10+10)...)
	}
	srv.waitFor(50)
	first := srv.payloads()
	srv.close()

	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := 5; i < 10; i++ {
			r.Send(packs(t, i*10, i*10+10)...)
		}
	}()
	time.Sleep(150 * time.Millisecond)
	srv2 := listenKeys(t, addr, opsKeys)
	<-sent
	r.Close()
	wait(t, done)
	srv2.close()

	// Every message arrives, in order once the repeats of a batch sent
	// again are left out.
	second := srv2.payloads()
	all := append(first, second...)
	seen := map[string]bool{}
	var unique []string
	for _, p := range all {
		if !seen[p] {
			seen[p] = true
			unique = append(unique, p)
		}
	}
	if strings.Join(unique, "|") != strings.Join(want(0, 100), "|") {
		t.Errorf("got %q", all)
	}
	if len(all)-len(unique) > 10 {
		t.Errorf("%d messages repeated, more than one batch", len(all)-len(unique))
	}
	if srv.signers[signedBy] != len(first) || srv2.signers[signedBy] != len(second) || srv2.stats.BadSignatures != 0 {
		t.Errorf("signers %v then %v (%d bad signatures), want all by %q", srv.signers, srv2.signers, srv2.stats.BadSignatures, signedBy)
	}
	if f := report(o); f["reconnects"] != int64(1) {
		t.Errorf("report %v, logs %q", f, r.Logs())
	}
	if r.DroppedCount() != 0 {
		t.Errorf("%d dropped", r.DroppedCount())
	}
}

func TestCancelWithPeerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := build(t, fmt.Sprintf("address = %q", addr))
	ctx, cancel := context.WithCancel(context.Background())
	r, done := start(ctx, o)
	r.Send(packs(t, 0, 3)...)
	time.Sleep(50 * time.Millisecond)
	cancel()
	wait(t, done)
	if r.DroppedCount() != 3 {
		t.Errorf("dropped %d of 3", r.DroppedCount())
	}
	if logs := strings.Join(r.Logs(), "\n"); !strings.Contains(logs, "connect to "+addr) || !strings.Contains(logs, "3 messages") {
		t.Errorf("logs %q", logs)
	}
}

func TestStopWaitsForPeerToComeBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	o := build(t, fmt.Sprintf("address = %q", addr))
	r, done := start(context.Background(), o)
	r.Send(packs(t, 0, 3)...)
	time.Sleep(120 * time.Millisecond)
	srv := listen(t, addr)
	defer srv.close()
	r.Close()
	wait(t, done)
	if got := srv.payloads(); strings.Join(got, "|") != strings.Join(want(0, 3), "|") {
		t.Errorf("server got %q", got)
	}
}

func TestCancelUnblocksWriteToPeerThatDoesNotRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	o := build(t, fmt.Sprintf("address = %q", ln.Addr()))
	ctx, cancel := context.WithCancel(context.Background())
	r, done := start(ctx, o)
	big := pipelinetest.Pack(t, fmt.Sprintf(`{"Payload":%q}`, strings.Repeat("x", 60000)))
	batch := make([]*pipeline.Pack, 200)
	for i := range batch {
		batch[i] = big
	}
	r.Send(batch...)
	c := <-accepted
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	cancel()
	wait(t, done)
	if r.DroppedCount() != 200 {
		t.Errorf("dropped %d of 200", r.DroppedCount())
	}
}

func TestReconnectAfter(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	defer srv.close()
	o := build(t, fmt.Sprintf("address = %q\nreconnect_after = 2", srv.ln.Addr()))
	r, done := start(context.Background(), o)
	for i := 0; i < 3; i++ {
		r.Send(packs(t, i*2, i*2+2)...)
	}
	r.Close()
	wait(t, done)
	srv.waitFor(6)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.count != 3 || len(srv.got) != 6 {
		t.Errorf("%d connections, %d messages %q", srv.count, len(srv.got), srv.got)
	}
}

func TestBadOptions(t *testing.T) {
	for _, c := range []struct{ options, err string }{
		{``, `out: address is required`},
		{`address = "localhost"`, `out: address "localhost"`},
		{`address = "h:1"` + "\nlocal_address = \"host.example:0\"", `out: local_address "host.example:0"`},
		{`address = "h:1"` + "\nconnect_timeout = 0", `out: connect_timeout 0`},
		{`address = "h:1"` + "\nmax_backoff = -1", `out: max_backoff -1`},
		{`address = "h:1"` + "\nkeep_alive = true\nkeep_alive_period = 0", `out: keep_alive_period 0`},
		{`address = "h:1"` + "\nreconnect_after = -1", `out: reconnect_after -1`},
		{`address = "h:1"` + "\nreconnect = 1", `unknown option "reconnect"`},
		{`address = "h:1"` + "\n[signer]\nhmac_key = \"k\"", `out: signer.name is required`},
		{`address = "h:1"` + "\n[signer]\nname = \"ops\"", `out: signer.hmac_key is required`},
		{`address = "h:1"` + "\n[signer]\nname = \"ops\"\nhmac_key = \"k\"\nhmac_hash = \"sha256\"", `out: signer.hmac_hash "sha256": must be "md5" or "sha1"`},
		{`address = "h:1"` + "\n[signer]\nname = \"" + strings.Repeat("n", 250) + "\"\nhmac_key = \"k\"", `out: signer.name "nnn`},
		{`address = "h:1"` + "\n[signer]\nname = \"ops\"\nhmac_key = \"k\"\nversion = -1", `"signer.version"): -1 is out of range`},
		{`address = "h:1"` + "\n[signer]\nname = \"ops\"\nhmac_key = \"k\"\nkey_version = 1", `unknown option "signer.key_version"`},
	} {
		_, err := pipelinetest.Build(pipelinetest.Env(t, "out", "TcpOutput"), "TcpOutput", c.options)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want %q", c.options, err, c.err)
		}
	}
	if _, err := pipelinetest.Build(pipelinetest.Env(t, "out", "TcpOutput"), "TcpOutput", `address = "h:1"`+"\nlocal_address = \"127.0.0.1:0\"\nkeep_alive = true"); err != nil {
		t.Error(err)
	}
	// A max_message_size out of range, without a signer, is an error of
	// New, not a nil dereference of the absent signer table.
	env := pipelinetest.Env(t, "out", "TcpOutput")
	env.Globals.MaxMessageSize = -1
	if _, err := pipelinetest.Build(env, "TcpOutput", `address = "h:1"`); err == nil || !strings.HasPrefix(err.Error(), "out: framing: writer MaxMessageSize -1") {
		t.Errorf("max_message_size -1: error %v", err)
	}
}

func TestDropsOversizeMessage(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	defer srv.close()
	o := build(t, fmt.Sprintf("address = %q", srv.ln.Addr()))
	r, done := start(context.Background(), o)
	big := pipelinetest.Pack(t, fmt.Sprintf(`{"Payload":%q}`, strings.Repeat("x", framing.DefaultMaxMessageSize)))
	batch := packs(t, 0, 2)
	r.Send(batch[0], big, batch[1])
	r.Close()
	wait(t, done)
	srv.waitFor(2)
	if got := srv.payloads(); strings.Join(got, "|") != strings.Join(want(0, 2), "|") {
		t.Errorf("server got %d messages, want the 2 small ones", len(got))
	}
	if logs := strings.Join(r.Logs(), "\n"); r.DroppedCount() != 1 || !strings.Contains(logs, "exceeds the maximum") {
		t.Errorf("dropped %d, logs %q", r.DroppedCount(), logs)
	}
}

// BenchmarkSend measures sending batches of 100 messages to a local
// server, unsigned and signed; with the raw protobuf form the runner
// allocates nothing, so the allocations reported are the output's own.
func BenchmarkSend(b *testing.B) {
	for _, c := range []struct{ name, signer string }{{"unsigned", ""}, {"signed", opsSigner}} {
		b.Run(c.name, func(b *testing.B) { benchmarkSend(b, c.signer) })
	}
}

func benchmarkSend(b *testing.B, signer string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	p, err := pipelinetest.Build(pipelinetest.Env(b, "out", "TcpOutput"), "TcpOutput", fmt.Sprintf("address = %q", ln.Addr())+signer)
	if err != nil {
		b.Fatal(err)
	}
	o := p.(*tcpOutput)
	batch := make([]*pipeline.Pack, 100)
	for i := range batch {
		pk := pipelinetest.Pack(b, fmt.Sprintf(`{"Payload":"message %d"}`, i))
		pk.Raw = pk.Message.MarshalAppend(nil)
		batch[i] = pk
	}
	r := &pipelinetest.Output{}
	done := make(chan error, 1)
	go func() { done <- o.Run(context.Background(), r) }()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Send(batch...)
	}
	r.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
