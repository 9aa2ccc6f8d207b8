package sandbox

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"sandpiper/core/message"
)

// Pool is N sandboxes of one script, created once and reused, for callers
// on up to N goroutines: each call takes a free sandbox, so no sandbox
// ever runs two calls at once. Config.Inject is then called from several
// goroutines and must be safe for that.
//
// A sandbox that is terminated takes the whole pool out of service: every
// later call returns Err's error without running Lua, as a terminated
// plugin in Heka stops receiving messages. The process goes on.
type Pool struct {
	name  string
	all   []*Sandbox
	free  chan *Sandbox
	err   atomic.Pointer[error] // the first terminated sandbox's, read on every call
	close sync.Once
}

// ErrPoolStopped is the error of calls on a pool after Stop.
var ErrPoolStopped = errors.New("sandbox pool stopped")

// NewPool creates n sandboxes of cfg (n < 1 means 1). With
// Config.PreserveData, each sandbox after the first gets PreservePath with
// ".N" appended, so that no two share a file.
func NewPool(cfg Config, n int) (*Pool, error) {
	n = max(n, 1)
	p := &Pool{name: cfg.Name, free: make(chan *Sandbox, n)}
	for i := 0; i < n; i++ {
		c := cfg
		if i > 0 && c.PreservePath != "" {
			c.PreservePath = fmt.Sprintf("%s.%d", cfg.PreservePath, i)
		}
		s, err := New(c)
		if err != nil {
			for _, o := range p.all {
				o.close()
			}
			return nil, err
		}
		p.all = append(p.all, s)
		p.free <- s
	}
	return p, nil
}

// Size returns the number of sandboxes in the pool.
func (p *Pool) Size() int { return len(p.all) }

// Err returns the error that took the pool out of service (the first
// terminated sandbox's, prefixed with the pool's name), nil while it
// serves.
func (p *Pool) Err() error {
	if e := p.err.Load(); e != nil {
		return *e
	}
	return nil
}

func (p *Pool) setErr(err error) { p.err.CompareAndSwap(nil, &err) }

// ProcessMessage runs process_message on a free sandbox, waiting for one
// when all are busy. Its results are Sandbox.ProcessMessage's; err is
// Err() once the pool is out of service.
func (p *Pool) ProcessMessage(m *message.Message) (status int, errMsg string, err error) {
	return p.ProcessMessageTo(m, nil)
}

// ProcessMessageTo is ProcessMessage with the call's injected messages
// going to emit (see Sandbox.ProcessMessageTo).
func (p *Pool) ProcessMessageTo(m *message.Message, emit func(*message.Message) error) (status int, errMsg string, err error) {
	if err := p.Err(); err != nil {
		return 0, "", err
	}
	s, ok := <-p.free
	if !ok {
		return 0, "", ErrPoolStopped
	}
	status, errMsg, err = s.ProcessMessageTo(m, emit)
	p.free <- s
	if err != nil {
		p.setErr(fmt.Errorf("sandbox pool %s: %w", p.name, err))
		return status, errMsg, p.Err()
	}
	return status, errMsg, nil
}

// Stats returns the sum of the sandboxes' statistics; the maxima of
// instructions, output and call time are the largest of any sandbox.
func (p *Pool) Stats() Stats {
	var st Stats
	for _, s := range p.all {
		st.add(s.Stats())
	}
	return st
}

// Stop waits for every running call to return, then stops every sandbox
// (saving preserved data) and returns the first error.
func (p *Pool) Stop() error {
	var first error
	p.close.Do(func() {
		for range p.all {
			s := <-p.free
			if err := s.Stop(); err != nil && first == nil {
				first = err
			}
		}
		close(p.free)
		p.setErr(ErrPoolStopped)
	})
	return first
}
