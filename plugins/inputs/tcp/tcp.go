// Package tcp is the TcpInput: a TCP listener whose every connection is a
// stream of its own, Heka-framed protobuf messages by default.
package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:            "TcpInput",
		Kind:            pipeline.KindInput,
		Summary:         "Listens on a TCP address; each connection is a stream, Heka-framed protobuf messages by default.",
		Config:          func() any { return &config{KeepAlivePeriod: 7200} },
		New:             newTcpInput,
		DefaultSplitter: "HekaFramingSplitter",
		DefaultDecoder:  "ProtobufDecoder",
	})
}

type config struct {
	Address         string `toml:"address" doc:"The host:port to listen on; port 0 picks a free port."`
	KeepAlive       bool   `toml:"keep_alive" doc:"Whether TCP keep-alive probes are sent on accepted connections."`
	KeepAlivePeriod int    `toml:"keep_alive_period" doc:"Seconds between keep-alive probes when keep_alive is set."`
	MaxConnections  int    `toml:"max_connections" doc:"The most connections open at once; more are closed as soon as accepted. 0 means no limit."`
}

// Input is a running TcpInput.
type Input struct {
	cfg      config
	listener net.ListenConfig

	// addr is the bound address, for tests that ask for port 0: set by
	// Run before it closes ready.
	addr  net.Addr
	ready chan struct{}

	open     atomic.Int64
	accepted atomic.Int64
	rejected atomic.Int64
}

func newTcpInput(env *pipeline.Env, c any) (any, error) {
	cfg := *c.(*config)
	if cfg.Address == "" {
		return nil, fmt.Errorf("%s: address is required", env.Name)
	}
	_, port, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("%s: address %q: %v", env.Name, cfg.Address, err)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return nil, fmt.Errorf("%s: address %q: %v", env.Name, cfg.Address, err)
	}
	if cfg.KeepAlivePeriod <= 0 {
		return nil, fmt.Errorf("%s: keep_alive_period %d: must be a positive number of seconds", env.Name, cfg.KeepAlivePeriod)
	}
	if cfg.MaxConnections < 0 {
		return nil, fmt.Errorf("%s: max_connections %d: must be 0 (no limit) or more", env.Name, cfg.MaxConnections)
	}
	in := &Input{cfg: cfg, ready: make(chan struct{})}
	// A negative KeepAlive disables the probes Go otherwise turns on.
	in.listener.KeepAlive = -1
	if cfg.KeepAlive {
		in.listener.KeepAlive = time.Duration(cfg.KeepAlivePeriod) * time.Second
	}
	return in, nil
}

// Run listens on address and serves connections until ctx is cancelled: it
// then stops accepting, closes the open connections and returns once their
// streams are closed.
func (in *Input) Run(ctx context.Context, r pipeline.InputRunner) error {
	ln, err := in.listener.Listen(ctx, "tcp", in.cfg.Address)
	if err != nil {
		return fmt.Errorf("%s: address %q: %w", r.Name(), in.cfg.Address, err)
	}
	in.addr = ln.Addr()
	close(in.ready)

	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	// The closer ends Accept and every connection's read when ctx is
	// cancelled; it ends itself when Run returns.
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
			return
		}
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()

	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("%s: accept: %w", r.Name(), err)
			} else {
				err = nil
			}
			ln.Close()
			wg.Wait()
			return err
		}
		in.accepted.Add(1)
		if max := in.cfg.MaxConnections; max > 0 && in.open.Load() >= int64(max) {
			in.rejected.Add(1)
			r.Logf("connection from %s refused: max_connections %d reached", c.RemoteAddr(), max)
			c.Close()
			continue
		}
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		in.open.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.serve(ctx, r, c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
			in.open.Add(-1)
		}()
	}
}

// serve reads one connection as one stream until the peer closes it or ctx
// is cancelled.
func (in *Input) serve(ctx context.Context, r pipeline.InputRunner, c net.Conn) {
	host := c.RemoteAddr().String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	s := r.NewStream(pipeline.Source{Input: r.Name(), Logger: r.Name(), Hostname: host})
	err := s.ReadFrom(ctx, c, nil)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
		r.Logf("connection from %s: %v", c.RemoteAddr(), err)
	}
}

// Report adds the connections open now, accepted since start and refused
// for max_connections.
func (in *Input) Report(add func(key string, value any)) {
	add("connections_open", in.open.Load())
	add("connections_accepted", in.accepted.Load())
	add("connections_refused", in.rejected.Load())
}
