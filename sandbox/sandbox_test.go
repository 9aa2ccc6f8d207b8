package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sandpiper/core/message"
)

// recorder collects what a sandbox injects and logs.
type recorder struct {
	mu       sync.Mutex
	injected []*message.Message
	log      []string
}

func (r *recorder) inject(m *message.Message) error {
	r.mu.Lock()
	r.injected = append(r.injected, m)
	r.mu.Unlock()
	return nil
}

func (r *recorder) logLine(l string) {
	r.mu.Lock()
	r.log = append(r.log, l)
	r.mu.Unlock()
}

// writeScript writes src to a .lua file in a test directory and returns
// its path.
func writeScript(t testing.TB, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.lua")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// newSandbox starts a sandbox of src with cfg's other settings.
func newSandbox(t testing.TB, src string, cfg Config) (*Sandbox, *recorder) {
	t.Helper()
	r := &recorder{}
	cfg.Script = writeScript(t, src)
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	cfg.Inject = r.inject
	cfg.Log = r.logLine
	cfg.Now = func() int64 { return 42 }
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Stop() })
	return s, r
}

func TestCounterFilter(t *testing.T) {
	r := &recorder{}
	s, err := New(Config{Name: "counter", Script: "testdata/counter.lua", Inject: r.inject})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	m := message.New(1)
	m.Type = "web"
	for i := 0; i < 3; i++ {
		if st, _, err := s.ProcessMessage(m); st != 0 || err != nil {
			t.Fatalf("ProcessMessage = %d, %v", st, err)
		}
	}
	if err := s.TimerEvent(7, false); err != nil {
		t.Fatal(err)
	}
	if len(r.injected) != 1 {
		t.Fatalf("injected %d messages, want 1", len(r.injected))
	}
	got := r.injected[0]
	if got.Type != "heka.sandbox.counts" || got.Logger != "counter" || got.Timestamp != 7 {
		t.Errorf("injected %s", got.AppendJSON(nil))
	}
	if f := got.Field("total", 0); f == nil || f.Type != message.Integer || f.Integers[0] != 3 {
		t.Errorf("Fields[total] = %+v, want INTEGER 3", f)
	}
	if st := s.Stats(); st.Calls != 4 || st.Injected != 1 || st.Memory <= 0 {
		t.Errorf("Stats = %+v", st)
	}
	if !strings.Contains(got.Uuid.String(), "-") {
		t.Errorf("no Uuid generated")
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
