package counter

import (
	"strings"
	"testing"

	"sandpiper/core/message"
	"sandpiper/core/pipeline"
	"sandpiper/core/pipeline/pipelinetest"
)

func newTestFilter(t *testing.T) (*filter, *[]*message.Message) {
	t.Helper()
	env := pipelinetest.Env(t, "counter", "CounterFilter")
	var got []*message.Message
	env.Inject = func(m *message.Message) error { got = append(got, m); return nil }
	p, err := pipelinetest.Build(env, "CounterFilter", "")
	if err != nil {
		t.Fatal(err)
	}
	f := p.(*filter)
	f.lastTime = 0
	return f, &got
}

func TestReports(t *testing.T) {
	// Each step: messages received, then a tick at second `at`; want the
	// payloads injected by that tick.
	steps := []struct {
		messages int
		at       int64
		want     []string
	}{
		{10, 5, []string{"Got 10 messages. 2.00 msg/sec"}},
		{3, 10, []string{"Got 13 messages. 0.60 msg/sec"}},
		{0, 15, nil}, // nothing new: no report, as Heka
		{5, 20, []string{"Got 18 messages. 0.50 msg/sec"}}, // over the 10 s since the last report
		{1, 20, []string{"Got 19 messages. 0.00 msg/sec"}}, // no time passed: no rate
	}
	f, got := newTestFilter(t)
	pk := pipelinetest.Pack(t, `{"Payload":"x"}`)
	for i, s := range steps {
		before := len(*got)
		for range s.messages {
			if err := f.Process(pk); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.TimerEvent(s.at*1e9, false); err != nil {
			t.Fatal(err)
		}
		var payloads []string
		for _, m := range (*got)[before:] {
			payloads = append(payloads, m.Payload)
			if m.Type != "heka.counter-output" || m.Timestamp != s.at*1e9 || m.Logger != "counter" || m.Hostname != f.env.Globals.Hostname || m.Pid != f.env.Globals.Pid {
				t.Errorf("step %d: message %s", i, m.AppendJSON(nil))
			}
		}
		if strings.Join(payloads, "|") != strings.Join(s.want, "|") {
			t.Errorf("step %d: payloads %q, want %q", i, payloads, s.want)
		}
	}
	report := map[string]any{}
	f.Report(func(k string, v any) { report[k] = v })
	if report["count"] != int64(19) || report["rate"] != 0.0 {
		t.Errorf("report %v", report)
	}
}

func TestAggregateEveryTenReports(t *testing.T) {
	f, got := newTestFilter(t)
	pk := pipelinetest.Pack(t, `{"Payload":"x"}`)
	for i := 1; i <= 10; i++ {
		for range i {
			f.Process(pk)
		}
		if err := f.TimerEvent(int64(i)*1e9, i == 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(*got) != 11 {
		t.Fatalf("injected %d messages, want 10 reports and 1 aggregate", len(*got))
	}
	if p := (*got)[9].Payload; p != "Got 55 messages. 10.00 msg/sec" {
		t.Errorf("tenth report %q", p)
	}
	if p := (*got)[10].Payload; p != "AGG Sum. Min: 1.00    Max: 10.00    Mean: 5.50" {
		t.Errorf("aggregate %q", p)
	}
}

func TestInjectFailureIsLogged(t *testing.T) {
	env := pipelinetest.Env(t, "counter", "CounterFilter")
	var logs []string
	env.Logf = func(format string, args ...any) { logs = append(logs, format) }
	p, err := pipelinetest.Build(env, "CounterFilter", "")
	if err != nil {
		t.Fatal(err)
	}
	f := p.(pipeline.Filter)
	f.Process(pipelinetest.Pack(t, `{}`))
	if err := f.TimerEvent(1e18, false); err != nil {
		t.Fatalf("TimerEvent: %v", err)
	}
	if len(logs) != 1 || !strings.Contains(logs[0], "not routed") {
		t.Errorf("logs %q", logs)
	}
	if err := f.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestNoOptions(t *testing.T) {
	_, err := pipelinetest.Build(pipelinetest.Env(t, "counter", "CounterFilter"), "CounterFilter", "interval = 5")
	if err == nil || !strings.Contains(err.Error(), `unknown option "interval"`) {
		t.Errorf("Build error %v", err)
	}
}
