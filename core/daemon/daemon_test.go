package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// uniqueName keeps the outputs of tests apart in the collected map.
// Its collected messages are cleared, so that the tests can run again in
// one process (-count).
func uniqueName(t *testing.T, base string) string {
	name := base + "_" + strings.NewReplacer("/", "_", " ", "_", "=", "_").Replace(t.Name())
	collectedMu.Lock()
	delete(collected, name)
	collectedMu.Unlock()
	return name
}

func TestBatchModeDeliversEverythingInOrderAndExits(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["line #"]
repeat = 3000
decoder = "dec"

[dec]
type = "TestDecoder"
workers = 4
jitter = true

[counter]
type = "TestFilter"
message_matcher = "Type == 'decoded'"
ticker_interval = 3600

[%s]
type = "TestOutput"
message_matcher = "TRUE"
`, out)
	err, logs := runDaemon(t, cfg, context.Background())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	got := written(out)
	if len(got) != 3001 {
		t.Fatalf("wrote %d messages, want 3000 lines and a summary; log:\n%s", len(got), logs)
	}
	for i := 0; i < 3000; i++ {
		if want := fmt.Sprintf("decoded|line %d", i); got[i] != want {
			t.Fatalf("message %d = %q, want %q (order lost across workers)", i, got[i], want)
		}
	}
	if want := "summary|count=3000 shutdown=true"; got[3000] != want {
		t.Fatalf("last message %q, want the filter's final timer_event %q", got[3000], want)
	}
	if !strings.Contains(logs, "every input has finished") {
		t.Fatalf("log does not say why it stopped:\n%s", logs)
	}
}

func TestFollowingInputStopsOnCancelAndDrains(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["a #"]
repeat = 500
follow = true

[%s]
type = "TestOutput"
message_matcher = "TRUE"
slow_ms = 0
`, out)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(written(out)) < 500 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	err, logs := runDaemon(t, cfg, ctx)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	got := written(out)
	if len(got) != 500 || got[0] != "|a 0" || got[499] != "|a 499" {
		t.Fatalf("wrote %d messages (first %q); want 500 payload messages", len(got), got[:min(len(got), 1)])
	}
}

func TestLoopProtection(t *testing.T) {
	out := uniqueName(t, "out")
	// ping injects "pong" for each "ping"-matched message and pong the
	// reverse: without the limit they would loop forever.
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["x"]
decoder = "dec"

[dec]
type = "TestDecoder"

[ping]
type = "TestFilter"
message_matcher = "Type == 'decoded' || Type == 'ping'"
inject_type = "pong"

[pong]
type = "TestFilter"
message_matcher = "Type == 'pong'"
inject_type = "ping"

[%s]
type = "TestOutput"
message_matcher = "Type == 'ping' || Type == 'pong'"
`, out)
	err, logs := runDaemon(t, cfg, context.Background())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, logs)
	}
	got := written(out)
	// decoded→pong(1)→ping(2)→pong(3)→ping(4); the fifth is dropped.
	want := []string{"pong|x", "ping|x", "pong|x", "ping|x"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("wrote %q, want %q", got, want)
	}
	if !strings.Contains(logs, "max_message_loops (4)") {
		t.Fatalf("the dropped message is not logged:\n%s", logs)
	}
}

func TestTerminatedFilterIsReportedAndTheRestGoesOn(t *testing.T) {
	out, term := uniqueName(t, "out"), uniqueName(t, "term")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["m #"]
repeat = 100
decoder = "dec"

[dec]
type = "TestDecoder"

[fragile]
type = "TestFilter"
message_matcher = "Type == 'decoded'"
die_after = 5

[steady]
type = "TestFilter"
message_matcher = "Type == 'decoded'"
ticker_interval = 3600

[%s]
type = "TestOutput"
message_matcher = "Type == 'summary'"

[%s]
type = "TestOutput"
message_matcher = "Type == 'heka.sandbox-terminated'"
`, out, term)
	err, logs := runDaemon(t, cfg, context.Background())
	if err == nil || !strings.Contains(err.Error(), "fragile: process_message() died after 5 messages") {
		t.Fatalf("Run returned %v, want the filter's error", err)
	}
	if got := written(out); len(got) != 1 || got[0] != "summary|count=100 shutdown=true" {
		t.Fatalf("the other filter saw %q, want all 100 messages", got)
	}
	got := written(term)
	if len(got) != 1 || !strings.HasPrefix(got[0], "heka.sandbox-terminated|process_message() died after 5 messages|plugin=[fragile]") {
		t.Fatalf("terminated reports %q", got)
	}
	if !strings.Contains(logs, "fragile: terminated: process_message() died after 5 messages") {
		t.Fatalf("log:\n%s", logs)
	}
}

func TestDecodeFailures(t *testing.T) {
	for _, send := range []bool{false, true} {
		t.Run(fmt.Sprint("send_decode_failures=", send), func(t *testing.T) {
			out := uniqueName(t, "out")
			cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["good", "bad", "good"]
decoder = "dec"
send_decode_failures = %v

[dec]
type = "TestDecoder"
fail_on = "bad"

[%s]
type = "TestOutput"
message_matcher = "TRUE"
`, send, out)
			err, logs := runDaemon(t, cfg, context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"decoded|good", "decoded|good"}
			if send {
				want = []string{"decoded|good", `|bad|decode_failure=[][true][]|decode_error=[cannot decode "bad"][][]`, "decoded|good"}
			}
			if got := written(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("wrote\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !strings.Contains(logs, `in: decoder dec: cannot decode "bad" (record "bad")`) {
				t.Fatalf("failure not logged:\n%s", logs)
			}
		})
	}
}

func TestFatalDecoderStopsItsInputOnly(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[doomed]
type = "TestInput"
lines = ["a", "die", "b"]
decoder = "dying"

[dying]
type = "TestDecoder"
fatal_on = "die"

[healthy]
type = "TestInput"
lines = ["h #"]
repeat = 50
decoder = "dec"

[dec]
type = "TestDecoder"

[%s]
type = "TestOutput"
message_matcher = "TRUE"
`, out)
	err, logs := runDaemon(t, cfg, context.Background())
	if err == nil || !strings.Contains(err.Error(), `doomed: decoder dying terminated, input stopped: dies on "die"`) {
		t.Fatalf("Run returned %v\n%s", err, logs)
	}
	var healthy, doomed, terminated int
	for _, w := range written(out) {
		switch {
		case strings.HasPrefix(w, "decoded|h "):
			healthy++
		case w == "decoded|a":
			doomed++
		case strings.HasPrefix(w, "heka.sandbox-terminated|"):
			terminated++
		case w == "decoded|b":
			t.Fatalf("a record after the fatal one was decoded")
		}
	}
	if healthy != 50 || doomed != 1 || terminated != 1 {
		t.Fatalf("healthy %d (want 50), doomed %d (want 1), terminated reports %d (want 1)", healthy, doomed, terminated)
	}
}

func TestFullActions(t *testing.T) {
	for _, action := range []string{"block", "drop"} {
		t.Run(action, func(t *testing.T) {
			out := uniqueName(t, "out")
			cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["n #"]
repeat = 300

[%s]
type = "TestOutput"
message_matcher = "TRUE"
queue_size = 10
full_action = %q
slow_ms = 1
`, out, action)
			var logs syncBuffer
			d, err := New(Settings{ShutdownTimeout: 10 * time.Second}, parse(t, cfg), Options{Log: logger(&logs)})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := len(written(out))
			dropped := int(d.outputs[0].route.queue.dropped.Load())
			if got+dropped != 300 {
				t.Fatalf("written %d + dropped %d != 300", got, dropped)
			}
			if action == "block" && dropped != 0 {
				t.Fatalf("block dropped %d", dropped)
			}
			if action == "drop" && dropped == 0 {
				t.Fatalf("drop policy with a queue of 10 and a slow output dropped nothing")
			}
			var rep strings.Builder
			d.Report(&rep)
			if !strings.Contains(rep.String(), fmt.Sprintf("dropped=%d", dropped)) {
				t.Fatalf("report does not count the drops:\n%s", rep.String())
			}
		})
	}
}

func TestConfigurationErrorsAreAllListed(t *testing.T) {
	cfg := `
[in]
type = "TestInput"
decoder = "missing"

[in2]
type = "TestInput"
decoder = "out"

[f]
type = "TestFilter"

[g]
type = "TestFilter"
message_matcher = "Type == "
full_action = "spill"

[out]
type = "TestOutput"
message_matcher = "TRUE"
encoder = "dec"
flavour = "x"

[dec]
type = "TestDecoder"

[x]
type = "NoSuchPlugin"
`
	_, err := New(Settings{}, parse(t, cfg), Options{Check: true, Log: logger(&syncBuffer{})})
	if err == nil {
		t.Fatal("no error")
	}
	if u := unknownKeys(); len(u) != 1 || u[0] != "out.flavour" {
		t.Errorf("unknown keys %q, want [out.flavour]", u)
	}
	for _, want := range []string{
		`test.toml: [in]: decoder: "missing": no plugin of that name in the configuration`,
		`test.toml: [in2]: decoder: "out": is an output (TestOutput), not a decoder`,
		`test.toml: [f]: message_matcher: missing: every filter and output needs one`,
		`test.toml: [g]: message_matcher: `,
		`test.toml: [g]: full_action: "spill": want "block" or "drop"`,
		`test.toml: [x]: type: unknown plugin type "NoSuchPlugin"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestSkippedBytesReported: what the splitter skips is counted in the
// input's report.
func TestSkippedBytesReported(t *testing.T) {
	out := uniqueName(t, "out")
	cfg := fmt.Sprintf(`
[in]
type = "TestInput"
lines = ["good #", "!garbage"]
repeat = 600

[%s]
type = "TestOutput"
message_matcher = "TRUE"
`, out)
	d, err := New(Settings{ShutdownTimeout: 5 * time.Second}, parse(t, cfg), Options{Log: logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(written(out)); got != 600 {
		t.Fatalf("wrote %d messages, want the 600 good lines", got)
	}
	var rep strings.Builder
	d.Report(&rep)
	if want := fmt.Sprintf("records=600 messages=600 decode_failures=0 bytes_skipped=%d ", 600*len("!garbage\n")); !strings.Contains(rep.String(), want) {
		t.Fatalf("report lacks %q:\n%s", want, rep.String())
	}
}
