package sandbox

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"sandpiper/core/message"
)

// TestPoolConcurrent decodes from 8 goroutines through a pool of 4 and
// checks that every message came out once (run with -race).
func TestPoolConcurrent(t *testing.T) {
	r := &recorder{}
	script := writeScript(t, `
		local n = 0
		function process_message()
			n = n + 1
			inject_message({Payload = read_message("Payload"), Fields = {calls = n}})
			return 0
		end`)
	p, err := NewPool(Config{Name: "dec", Kind: Decoder, Script: script, Inject: r.inject}, 4)
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				m := message.New(1)
				m.Payload = string(rune('A'+w)) + strings.Repeat("x", i%3)
				if st, _, err := p.ProcessMessage(m); st != 0 || err != nil {
					t.Errorf("ProcessMessage = %d, %v", st, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if len(r.injected) != workers*each {
		t.Fatalf("injected %d, want %d", len(r.injected), workers*each)
	}
	st := p.Stats()
	if st.Calls != workers*each || st.Injected != workers*each {
		t.Errorf("Stats = %+v", st)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.ProcessMessage(message.New(1)); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("after Stop: %v", err)
	}
}

// TestPoolOutOfService: one sandbox dying takes the pool out of service
// with its error, while concurrent callers return instead of hanging.
func TestPoolOutOfService(t *testing.T) {
	script := writeScript(t, `
		function process_message()
			if read_message("Payload") == "bomb" then while true do end end
			return 0
		end`)
	p, err := NewPool(Config{Name: "dec", Kind: Decoder, Script: script}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				m := message.New(1)
				m.Payload = "ok"
				if _, _, err := p.ProcessMessage(m); err != nil {
					return
				}
			}
		}()
	}
	m := message.New(1)
	m.Payload = "bomb"
	_, _, err = p.ProcessMessage(m)
	wg.Wait()
	want := "sandbox pool dec: process_message() instruction_limit exceeded"
	if err == nil || err.Error() != want || p.Err() == nil || p.Err().Error() != want {
		t.Fatalf("err = %v, Err() = %v, want %q", err, p.Err(), want)
	}
	if _, _, err := p.ProcessMessage(message.New(1)); err == nil || err.Error() != want {
		t.Errorf("later call: %v", err)
	}
}

// TestPoolEmit: each call's messages go to its own emit, in order.
func TestPoolEmit(t *testing.T) {
	script := writeScript(t, `
		function process_message()
			local p = read_message("Payload")
			for i = 1, 3 do inject_message({Payload = p .. i}) end
			return 0
		end`)
	p, err := NewPool(Config{Name: "dec", Kind: Decoder, Script: script}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				var got []string
				m := message.New(1)
				m.Payload = string(rune('a' + w))
				_, _, err := p.ProcessMessageTo(m, func(o *message.Message) error {
					got = append(got, o.Payload)
					return nil
				})
				want := []string{m.Payload + "1", m.Payload + "2", m.Payload + "3"}
				if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("got %v, %v; want %v", got, err, want)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

func TestNewPoolError(t *testing.T) {
	if _, err := NewPool(Config{Name: "x", Script: writeScript(t, "syntax error here")}, 3); err == nil {
		t.Fatal("no error for a script that does not compile")
	}
}
