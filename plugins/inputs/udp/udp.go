// Package udp is the UdpInput: a UDP socket whose datagrams are records,
// one each by default.
package udp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:            "UdpInput",
		Kind:            pipeline.KindInput,
		Summary:         "Listens on a UDP address; each datagram is one record.",
		Config:          func() any { return &config{} },
		New:             newUdpInput,
		DefaultSplitter: "NullSplitter",
	})
}

// maxPeers bounds the streams kept open, one per sender's address, so that
// datagrams with forged senders cannot grow the input without bound.
const maxPeers = 1024

// maxDatagram is the largest datagram read: more than UDP's largest payload
// (65,507 bytes over IPv4), so that no datagram is cut.
const maxDatagram = 64 * 1024

type config struct {
	Address string `toml:"address" doc:"The host:port to listen on; port 0 picks a free port."`
}

// Input is a running UdpInput.
type Input struct {
	address string

	// addr is the bound address, for tests that ask for port 0: set by
	// Run before it closes ready.
	addr  net.Addr
	ready chan struct{}

	datagrams atomic.Int64
	bytes     atomic.Int64
}

func newUdpInput(env *pipeline.Env, c any) (any, error) {
	cfg := c.(*config)
	if cfg.Address == "" {
		return nil, fmt.Errorf("%s: address is required", env.Name)
	}
	_, port, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("%s: address %q: %v", env.Name, cfg.Address, err)
	}
	if _, err := net.LookupPort("udp", port); err != nil {
		return nil, fmt.Errorf("%s: address %q: %v", env.Name, cfg.Address, err)
	}
	return &Input{address: cfg.Address, ready: make(chan struct{})}, nil
}

// Run reads datagrams until ctx is cancelled. Each sender's IP address is
// a stream of its own, whose messages have that address as Hostname; all
// datagrams are processed in the order they arrived, by Run's goroutine.
func (in *Input) Run(ctx context.Context, r pipeline.InputRunner) error {
	var lc net.ListenConfig
	conn, err := lc.ListenPacket(ctx, "udp", in.address)
	if err != nil {
		return fmt.Errorf("%s: address %q: %w", r.Name(), in.address, err)
	}
	in.addr = conn.LocalAddr()
	close(in.ready)

	// The closer ends the blocked ReadFrom when ctx is cancelled; it ends
	// itself when Run returns.
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			conn.Close()
		case <-stopped:
		}
	}()
	defer conn.Close()

	streams := map[string]pipeline.Stream{}
	closeAll := func() {
		for _, s := range streams {
			s.Close()
		}
		clear(streams)
	}
	defer closeAll()
	buf := make([]byte, maxDatagram)
	var rd bytes.Reader
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%s: read: %w", r.Name(), err)
		}
		in.datagrams.Add(1)
		in.bytes.Add(int64(n))
		host := from.String()
		if ua, ok := from.(*net.UDPAddr); ok {
			host = ua.IP.String()
		}
		s := streams[host]
		if s == nil {
			if len(streams) >= maxPeers {
				closeAll()
			}
			s = r.NewStream(pipeline.Source{Input: r.Name(), Logger: r.Name(), Hostname: host})
			streams[host] = s
		}
		rd.Reset(buf[:n])
		if err := s.ReadFrom(ctx, &rd, nil); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%s: %w", r.Name(), err)
		}
	}
}

// Report adds the datagrams and bytes received since start.
func (in *Input) Report(add func(key string, value any)) {
	add("datagrams", in.datagrams.Load())
	add("bytes", in.bytes.Load())
}
