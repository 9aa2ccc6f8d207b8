package tests

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// brokenConfig has seven independent mistakes, one per table from
// [access_logs] on.
const brokenConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "no_such_decoder"

[errors_log]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'error\.log'
folow = false

[archive]
type = "FileOutput"
path = "out/access.hpb"
flush_interval = "fast"
message_matcher = "Type == 'nginx.access'"

[mystery]
type = "NoSuchOutput"
message_matcher = "TRUE"

[console]
type = "LogOutput"
message_matcher = "Type == "

[broken_script]
type = "SandboxFilter"
filename = "broken.lua"
message_matcher = "TRUE"

[missing_script]
type = "SandboxFilter"
filename = "missing.lua"
message_matcher = "TRUE"
`

// TestDaemonCheckListsEveryError checks a configuration with seven
// independent mistakes: check lists each, naming its file and table, one
// per line, and exits 1 without creating anything.
func TestDaemonCheckListsEveryError(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.lua"), []byte("function process_message(\n    return 0\nend\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := writeConfig(t, dir, brokenConfig)
	t.Setenv("E2E_DIR", dir)
	r := run(t, nil, "check", "-config", config)
	stderr := string(r.stderr)
	if r.code != 1 || len(r.stdout) != 0 {
		t.Fatalf("exit %d, stdout %q; want 1 and none\nstderr:\n%s", r.code, r.stdout, stderr)
	}
	if want := config + ": 7 errors"; lastLine(r.stderr) != want {
		t.Errorf("last line %q, want %q", lastLine(r.stderr), want)
	}
	tests := []struct {
		mistake, table, says string
	}{
		{"a decoder name that does not exist", "access_logs", `"no_such_decoder"`},
		{"an unknown key", "errors_log", `unknown key "folow"`},
		{"a wrong type", "archive", `flush_interval: cannot use string "fast" as integer`},
		{"an unknown plugin type", "mystery", `unknown plugin type "NoSuchOutput"`},
		{"a matcher syntax error", "console", `message_matcher: `},
		{"a Lua script that does not compile", "broken_script", "syntax error"},
		{"a missing script file", "missing_script", `"missing.lua"`},
	}
	errLines := lines(r.stderr)
	for _, tt := range tests {
		t.Run(tt.mistake, func(t *testing.T) {
			line := lineWith(stderr, "["+tt.table+"]")
			if !strings.HasPrefix(line, config+":") || !strings.Contains(line, tt.says) {
				t.Fatalf("error line %q: want it to start with %q, name [%s] and say %q\nstderr:\n%s", line, config+":", tt.table, tt.says, stderr)
			}
			// docs/configuration.md: "sandpiper.toml:3: [nginx_decoder]: unknown key ...",
			// one error per line.
			form := regexp.MustCompile(`^` + regexp.QuoteMeta(config) + `(:\d+)?: \[` + tt.table + `\]: `)
			if !form.MatchString(line) || strings.Count(line, config) != 1 {
				t.Errorf("error line %q: want FILE[:LINE]: [%s]: MESSAGE, naming the file once", line, tt.table)
			}
			for i, l := range errLines {
				if l == line && (i+1 >= len(errLines) || strings.TrimSpace(errLines[i+1]) == "") {
					t.Errorf("error line %q is followed by an empty line", line)
				}
			}
		})
	}
	for _, path := range []string{"state", "out"} {
		if _, err := os.Stat(filepath.Join(dir, path)); !os.IsNotExist(err) {
			t.Errorf("check created %s (stat: %v)", path, err)
		}
	}
}

const goodConfig = `
[sandpiper]
base_dir = "%ENV[E2E_DIR]/state"

[access_logs]
type = "LogstreamerInput"
log_directory = "logs"
file_match = 'access\.log'
decoder = "nginx_access"

[nginx_access]
type = "SandboxDecoder"
filename = "decoders/nginx_access.lua"

[tcp_in]
type = "TcpInput"
address = "127.0.0.1:%ENV[E2E_PORT]"

[status_summary]
type = "SandboxFilter"
filename = "filters/status_summary.lua"
message_matcher = "Type == 'nginx.access'"
ticker_interval = 1
preserve_data = true

[archive]
type = "FileOutput"
path = "out/access.hpb"
message_matcher = "Type == 'nginx.access'"

[forward]
type = "TcpOutput"
address = "127.0.0.1:%ENV[E2E_PORT]"
message_matcher = "Type == 'heka.sandbox-output'"
`

// TestDaemonCheckGoodConfigStartsNothing checks a valid configuration:
// check says so and counts the plugins, and neither writes state, nor
// creates the output's file, nor binds the input's port (held by the test
// meanwhile: binding it would fail the check).
func TestDaemonCheckGoodConfigStartsNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(dir, "logs", "access.log"), nginxLines(0, 10))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("E2E_DIR", dir)
	t.Setenv("E2E_PORT", fmt.Sprint(l.Addr().(*net.TCPAddr).Port))
	r := run(t, nil, "check", "-config", writeConfig(t, dir, goodConfig))
	if want := "configuration OK: 6 plugins\n"; r.code != 0 || string(r.stdout) != want || len(r.stderr) != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0, %q and none", r.code, r.stdout, r.stderr, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "logs sandpiper.toml" {
		t.Errorf("the configuration's directory holds %s after check, want logs sandpiper.toml", got)
	}
}
