package stdin

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"sandpiper/core/pipeline/pipelinetest"
)

func build(t *testing.T) *Input {
	t.Helper()
	p, err := pipelinetest.Build(pipelinetest.Env(t, "stdin", "StdinInput"), "StdinInput", "")
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Input)
}

func TestReadsToEnd(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lines", "a\nb\nc\n", []string{"a", "b", "c"}},
		{"last line without newline", "a\nb", []string{"a", "b"}},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t)
			in.in = strings.NewReader(tc.in)
			r := &pipelinetest.Input{}
			if err := in.Run(context.Background(), r); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := r.Payloads(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("payloads %q, want %q", got, tc.want)
			}
			for _, p := range r.Packs() {
				if p.Message.Logger != "stdin" {
					t.Errorf("Logger %q, want stdin", p.Message.Logger)
				}
			}
		})
	}
}

func TestCancelWhileBlocked(t *testing.T) {
	in := build(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	in.in = pr
	r := &pipelinetest.Input{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- in.Run(ctx, r) }()
	if _, err := pw.Write([]byte("one\n")); err != nil {
		t.Fatal(err)
	}
	r.WaitFor(t, 1, 2*time.Second)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// endless is a reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// Reading allocates no buffer per read of the source: the goroutine and
// Read pass two buffers back and forth.
func TestChunkReaderReusesBuffers(t *testing.T) {
	cr := newChunkReader(context.Background(), endless{})
	defer cr.stop()
	p := make([]byte, 32*1024)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := io.ReadFull(cr, p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per 32 KiB read, want 0", allocs)
	}
}
