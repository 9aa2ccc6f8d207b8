package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sandpiper/core/config"
)

// TestFromConfig: a loaded configuration's settings and tables reach the
// daemon, and its errors are placed at the line of the key at fault.
func TestFromConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandpiper.toml")
	text := "[sandpiper]\nqueue_size = 7\nmax_message_loops = 2\nshutdown_timeout = 9\n\n[out]\ntype = \"TestOutput\"\nmessage_matcher = \"Type ==\"\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := SettingsOf(cfg.Globals)
	if s.QueueSize != 7 || s.MaxLoops != 2 || s.ShutdownTimeout != 9*time.Second || s.Globals.Pid != int32(os.Getpid()) {
		t.Errorf("settings %+v", s)
	}
	_, err = New(s, PluginConfigs(cfg), Options{Check: true, Log: logger(&syncBuffer{})})
	if err == nil || !strings.HasPrefix(err.Error(), path+":8: [out]: message_matcher: ") {
		t.Fatalf("err = %v, want it placed at line 8 of %s", err, path)
	}
}
