// Package tcp is the TcpOutput plugin: it sends the messages, in Heka's
// stream framing and optionally signed with an HMAC key, over a TCP
// connection to a Heka, Hindsight or Sandpiper TcpInput, reconnecting with
// exponential backoff and holding its batch, so that the queue applies
// backpressure, while the peer is away.
package tcp

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"sandpiper/core/framing"
	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "TcpOutput",
		Kind:    pipeline.KindOutput,
		Summary: "Sends the messages in Heka's stream framing, optionally signed, over TCP, reconnecting with backoff.",
		Config: func() any {
			return &config{ConnectTimeout: 5, MaxBackoff: 30, KeepAlivePeriod: 7200}
		},
		New:            newTcpOutput,
		DefaultEncoder: "ProtobufEncoder",
		DefaultFraming: true,
		// The output frames each record itself, so that it can sign the
		// header, which the runner's framing has no key for.
		OwnFraming: true,
	})
}

type config struct {
	Address         string        `toml:"address" doc:"host:port of the peer."`
	LocalAddress    string        `toml:"local_address" doc:"Local host:port to connect from; empty for any."`
	ConnectTimeout  int           `toml:"connect_timeout" doc:"Seconds a connection attempt may take; also how long the output waits at stop for the peer to close its side."`
	MaxBackoff      int           `toml:"max_backoff" doc:"Longest wait in seconds between connection attempts; waits double from 100 ms up to it."`
	KeepAlive       bool          `toml:"keep_alive" doc:"Whether to send TCP keep-alive probes."`
	KeepAlivePeriod int           `toml:"keep_alive_period" doc:"Seconds between keep-alive probes, when keep_alive is set."`
	ReconnectAfter  int           `toml:"reconnect_after" doc:"Number of messages after which the connection is closed and made again (to spread load behind a balancer); 0 for never."`
	Signer          *signerConfig `toml:"signer" doc:"The [name.signer] table (name, version, hmac_key, hmac_hash \"md5\" or \"sha1\", default md5) that signs every record with an HMAC key; without it records are unsigned."`
}

// signerConfig is the [name.signer] table, with the keys of Heka's message
// signing configuration.
type signerConfig struct {
	Name     string `toml:"name" doc:"The signer's name, written in each record's header (hmac_signer)."`
	Version  uint32 `toml:"version" doc:"The key's version, written in each record's header (hmac_key_version)."`
	HmacKey  string `toml:"hmac_key" doc:"The HMAC key the records are signed with."`
	HmacHash string `toml:"hmac_hash" doc:"The HMAC's hash function: \"md5\" (the default when empty) or \"sha1\"."`
}

// firstBackoff is the wait after the first failed connection attempt.
const firstBackoff = 100 * time.Millisecond

// tcpOutput is the TcpOutput plugin. Its counters are read by Report from
// the daemon's goroutine while Run updates them.
type tcpOutput struct {
	name           string
	address        string
	dialer         net.Dialer
	maxBackoff     time.Duration
	reconnectAfter int
	framing        framing.WriterOptions

	connected    atomic.Bool
	reconnects   atomic.Int64
	bytesSent    atomic.Int64
	messagesSent atomic.Int64
}

func newTcpOutput(env *pipeline.Env, cfg any) (any, error) {
	c := cfg.(*config)
	if c.Address == "" {
		return nil, fmt.Errorf("%s: address is required", env.Name)
	}
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		return nil, fmt.Errorf("%s: address %q: %w", env.Name, c.Address, err)
	}
	o := &tcpOutput{
		name:           env.Name,
		address:        c.Address,
		maxBackoff:     time.Duration(c.MaxBackoff) * time.Second,
		reconnectAfter: c.ReconnectAfter,
		dialer: net.Dialer{
			Timeout:   time.Duration(c.ConnectTimeout) * time.Second,
			KeepAlive: -1,
		},
	}
	if c.LocalAddress != "" {
		host, port, err := net.SplitHostPort(c.LocalAddress)
		if err != nil {
			return nil, fmt.Errorf("%s: local_address %q: %w", env.Name, c.LocalAddress, err)
		}
		// An IP address is required so that New need not resolve names.
		ip := net.ParseIP(host)
		p, perr := net.LookupPort("tcp", port)
		if (host != "" && ip == nil) || perr != nil {
			return nil, fmt.Errorf("%s: local_address %q: not an IP address and port", env.Name, c.LocalAddress)
		}
		o.dialer.LocalAddr = &net.TCPAddr{IP: ip, Port: p}
	}
	if c.ConnectTimeout <= 0 {
		return nil, fmt.Errorf("%s: connect_timeout %d: must be at least 1 (seconds)", env.Name, c.ConnectTimeout)
	}
	if c.MaxBackoff <= 0 {
		return nil, fmt.Errorf("%s: max_backoff %d: must be at least 1 (seconds)", env.Name, c.MaxBackoff)
	}
	if c.KeepAlive {
		if c.KeepAlivePeriod <= 0 {
			return nil, fmt.Errorf("%s: keep_alive_period %d: must be at least 1 (seconds)", env.Name, c.KeepAlivePeriod)
		}
		o.dialer.KeepAlive = time.Duration(c.KeepAlivePeriod) * time.Second
	}
	if c.ReconnectAfter < 0 {
		return nil, fmt.Errorf("%s: reconnect_after %d: must not be negative", env.Name, c.ReconnectAfter)
	}
	o.framing.MaxMessageSize = env.Globals.MaxMessageSize
	if c.Signer != nil {
		sig, err := newSigner(c.Signer)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", env.Name, err)
		}
		o.framing.Signer = sig
	}
	// Building a Writer checks what newSigner does not: that the signer's
	// name leaves the header within its 255 bytes, and that
	// max_message_size is in range, so that Run's cannot fail.
	if _, err := framing.NewWriterOptions(io.Discard, o.framing); err != nil {
		if c.Signer != nil {
			return nil, fmt.Errorf("%s: signer.name %q: %w", env.Name, c.Signer.Name, err)
		}
		return nil, fmt.Errorf("%s: %w", env.Name, err)
	}
	return o, nil
}

// newSigner validates the [name.signer] table, naming the option at fault.
func newSigner(c *signerConfig) (*framing.Signer, error) {
	if c.Name == "" {
		return nil, fmt.Errorf("signer.name is required")
	}
	if c.HmacKey == "" {
		return nil, fmt.Errorf("signer.hmac_key is required")
	}
	hash := framing.MD5
	if c.HmacHash != "" {
		var err error
		if hash, err = framing.ParseHashFunction(c.HmacHash); err != nil {
			return nil, fmt.Errorf("signer.hmac_hash %q: must be \"md5\" or \"sha1\"", c.HmacHash)
		}
	}
	return &framing.Signer{Name: c.Name, Version: c.Version, Hash: hash, Key: []byte(c.HmacKey)}, nil
}

// Report gives the output's figures: whether it is connected, how many
// times it connected again after the first connection, and the bytes and
// messages sent (those sent again after a broken connection included).
func (o *tcpOutput) Report(add func(key string, value any)) {
	add("connected", o.connected.Load())
	add("reconnects", o.reconnects.Load())
	add("bytes_sent", o.bytesSent.Load())
	add("messages_sent", o.messagesSent.Load())
}

// Run sends the batches until they end or ctx is cancelled.
func (o *tcpOutput) Run(ctx context.Context, r pipeline.OutputRunner) error {
	s := &sender{o: o, r: r}
	// The options were checked by New: this cannot fail.
	s.framer, _ = framing.NewWriterOptions(s, o.framing)
	defer s.disconnect()
	batches := r.Batches()
	for {
		select {
		case batch, ok := <-batches:
			if !ok {
				if !s.finish(ctx) {
					s.giveUp()
				}
				return nil
			}
			s.encode(batch)
			if s.curMsgs > 0 && !s.send(ctx) {
				s.giveUp()
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// sender is the state of one Run: the connection and the encoded batches.
//
// A write that returns without error is no proof that the peer read it:
// when the peer goes away, the next write usually succeeds into the void
// and only the one after fails. So the last batch written (prev) is kept
// and written again, before the current one, on the next connection after
// a broken one: delivery is at least once, and a peer may get the messages
// of one batch twice.
type sender struct {
	o *tcpOutput
	r pipeline.OutputRunner

	conn      *conn
	sinceDial int  // messages written on conn
	everUp    bool // a connection was made once: later ones are reconnects
	backoff   time.Duration

	framer            *framing.Writer // frames and signs each message into cur, through Write
	body              []byte          // one encoded message, reused
	cur, prev         []byte          // framed batches, reused
	curMsgs, prevMsgs int
	resend            bool // prev must be written again before cur
}

// Write appends b, one framed record, to the current batch: the framer
// writes there, so that a batch still goes out in one write.
func (s *sender) Write(b []byte) (int, error) {
	s.cur = append(s.cur, b...)
	return len(b), nil
}

// conn is one connection and the goroutine that reads it. The peer sends
// nothing, so the reader ends only when the connection does: its end tells
// that the peer closed or reset the connection before a write can.
type conn struct {
	c         *net.TCPConn
	done      chan struct{} // closed when the reader has ended
	err       error         // the reader's error, set before done is closed
	stopAfter func() bool   // ends the cancellation hook of the connection
}

func (c *conn) broken() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// encode appends the framed, and signed if so configured, records of
// batch to cur. A message the encoder fails on, or that is empty or longer
// than max_message_size (a record its peer would skip), is dropped.
func (s *sender) encode(batch []*pipeline.Pack) {
	s.cur, s.curMsgs = s.cur[:0], 0
	var failed int
	var last error
	for _, p := range batch {
		b, err := s.r.Encode(s.body[:0], p)
		if err == nil {
			s.body = b
			err = s.framer.WriteRecord(b)
		}
		if err != nil {
			failed++
			last = err
			continue
		}
		s.curMsgs++
	}
	if failed > 0 {
		s.r.Dropped(failed)
		s.r.Logf("%d of %d messages dropped; last encoding error: %v", failed, len(batch), last)
	}
}

// send writes prev again when a broken connection asks for it, then cur,
// connecting and reconnecting until both are written. It returns false when
// ctx is cancelled first.
func (s *sender) send(ctx context.Context) bool {
	for {
		if s.conn != nil && s.conn.broken() {
			s.r.Logf("connection to %s lost: %v", s.o.address, s.conn.err)
			s.disconnect()
			s.resend = true
		}
		if s.conn == nil && !s.connect(ctx) {
			return false
		}
		if s.resend && s.prevMsgs > 0 && !s.write(s.prev, s.prevMsgs) {
			continue
		}
		s.resend = false
		if s.curMsgs == 0 {
			return true
		}
		if !s.write(s.cur, s.curMsgs) {
			continue
		}
		s.sinceDial += s.curMsgs
		s.prev, s.cur = s.cur, s.prev[:0]
		s.prevMsgs, s.curMsgs = s.curMsgs, 0
		if s.o.reconnectAfter > 0 && s.sinceDial >= s.o.reconnectAfter {
			s.disconnect()
		}
		return true
	}
}

// write writes b, holding n messages, to the connection. On failure it
// closes the connection and marks prev for sending again.
func (s *sender) write(b []byte, n int) bool {
	w, err := s.conn.c.Write(b)
	s.o.bytesSent.Add(int64(w))
	if err != nil {
		s.r.Logf("write to %s: %v", s.o.address, err)
		s.disconnect()
		s.resend = true
		return false
	}
	s.o.messagesSent.Add(int64(n))
	return true
}

// connect connects, waiting between attempts, doubling each wait up to
// max_backoff. It returns false when ctx is cancelled first.
func (s *sender) connect(ctx context.Context) bool {
	for {
		c, err := s.o.dialer.DialContext(ctx, "tcp", s.o.address)
		if err == nil {
			s.up(ctx, c.(*net.TCPConn))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if s.backoff == 0 {
			s.backoff = firstBackoff
		} else {
			s.backoff = min(2*s.backoff, s.o.maxBackoff)
		}
		s.r.Logf("connect to %s: %v; next attempt in %v", s.o.address, err, s.backoff)
		t := time.NewTimer(s.backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// up starts using c: its reader goroutine ends when c is closed, by
// disconnect or by the cancellation of ctx, which also unblocks a write to
// a peer that does not read.
func (s *sender) up(ctx context.Context, c *net.TCPConn) {
	cn := &conn{c: c, done: make(chan struct{})}
	cn.stopAfter = context.AfterFunc(ctx, func() { c.Close() })
	go func() {
		var b [512]byte
		for {
			if _, err := c.Read(b[:]); err != nil {
				cn.err = err
				close(cn.done)
				return
			}
		}
	}()
	s.conn = cn
	s.sinceDial = 0
	s.backoff = 0
	if s.everUp {
		s.o.reconnects.Add(1)
		s.r.Logf("connected to %s again", s.o.address)
	}
	s.everUp = true
	s.o.connected.Store(true)
}

// disconnect closes the connection, if any, and waits for its reader.
func (s *sender) disconnect() {
	if s.conn == nil {
		return
	}
	s.conn.stopAfter()
	s.conn.c.Close()
	<-s.conn.done
	s.conn = nil
	s.o.connected.Store(false)
}

// finish ends the connection when the batches have ended: it half-closes
// it and waits for the peer to close its side, which a Heka TcpInput does
// once it has read everything. A connection found broken, or reset instead
// of closed, may have lost the last batch: it is sent again on a new
// connection. A peer that does not close within connect_timeout is taken to
// have read everything. finish returns false when ctx is cancelled first.
func (s *sender) finish(ctx context.Context) bool {
	for {
		if s.conn != nil && s.conn.broken() {
			s.r.Logf("connection to %s lost: %v; sending the last batch again", s.o.address, s.conn.err)
			s.disconnect()
			s.resend = true
		}
		if s.conn == nil {
			if !s.resend || s.prevMsgs == 0 {
				return true
			}
			if !s.send(ctx) {
				return false
			}
			continue
		}
		if s.conn.c.CloseWrite() != nil {
			s.disconnect()
			s.resend = true
			continue
		}
		t := time.NewTimer(s.o.dialer.Timeout)
		select {
		case <-s.conn.done:
			t.Stop()
			if s.conn.err == io.EOF {
				s.disconnect()
				return true
			}
		case <-t.C:
			s.disconnect()
			return true
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// giveUp counts and logs the messages held when ctx was cancelled: the
// current batch, and the last one written when it must be sent again.
func (s *sender) giveUp() {
	n := s.curMsgs
	if s.resend {
		n += s.prevMsgs
	}
	if n == 0 {
		return
	}
	s.r.Dropped(n)
	s.r.Logf("stopped before %d messages could be sent to %s: dropped", n, s.o.address)
	s.curMsgs, s.prevMsgs = 0, 0
}
