package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"sandpiper/core/message"
	"sandpiper/sandbox"
)

// Options change how a spec runs.
type Options struct {
	// Run, when set, selects the cases whose name it matches. The cases
	// that a selected case continues from run too, unreported, so that it
	// starts from the state it was written against.
	Run *regexp.Regexp
	// Verbose adds to the results' Log every emitted message, in its JSON
	// form, and the sandbox's statistics.
	Verbose bool
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name     string
	Passed   bool
	Failures []string // one line per difference: "message 1: Fields.a_200: got 3, want 2"
	Log      []string // "log: " and what the script printed or the sandbox noted; with Verbose, "emitted N: " and a message's JSON, and "stats: "
	Elapsed  time.Duration
}

// runner holds the sandbox that cases share while they continue each other.
type runner struct {
	spec     *Spec
	sb       *sandbox.Sandbox
	startErr error // why the sandbox could not be made, reported by every case that uses it
	clock    int64 // the fake clock: ns since the epoch
	preserve string
	emitted  []*message.Message
	log      []string
}

// Run runs the spec's cases in order (those opts.Run selects) and returns
// their results in the same order. A spec that Load accepted always runs:
// whatever the script does, including failing to start, is a case's
// failure.
func (s *Spec) Run(opts Options) []CaseResult {
	needed := make([]bool, len(s.Cases))
	selected := make([]bool, len(s.Cases))
	for i := len(s.Cases) - 1; i >= 0; i-- {
		c := s.Cases[i]
		selected[i] = opts.Run == nil || opts.Run.MatchString(c.Name)
		needed[i] = needed[i] || selected[i]
		if needed[i] && c.cont {
			needed[i-1] = true
		}
	}
	r := &runner{spec: s}
	if s.PreserveData {
		dir, err := os.MkdirTemp("", "sandpiper-test-")
		if err == nil {
			defer os.RemoveAll(dir)
			r.preserve = filepath.Join(dir, "preserve.lua")
		} else {
			r.startErr = fmt.Errorf("preserve_data: %v", err)
		}
	}
	defer r.stop()
	var results []CaseResult
	for i, c := range s.Cases {
		if !needed[i] {
			continue
		}
		res := r.runCase(c, opts)
		if selected[i] {
			results = append(results, res)
		}
	}
	return results
}

func (r *runner) config() sandbox.Config {
	s := r.spec
	return sandbox.Config{
		Name:         strings.TrimSuffix(filepath.Base(s.Script), filepath.Ext(s.Script)),
		Kind:         s.Kind,
		Script:       s.Script,
		Config:       s.Config,
		Limits:       s.Limits,
		ModuleDirs:   []string{filepath.Dir(s.Script)},
		PreserveData: r.preserve != "",
		PreservePath: r.preserve,
		Inject: func(m *message.Message) error {
			r.emitted = append(r.emitted, m)
			return nil
		},
		Log: func(line string) { r.log = append(r.log, "log: "+line) },
		Now: func() int64 { return r.clock },
	}
}

// start makes a sandbox from the spec; fresh discards what an earlier
// sandbox preserved, so that only a restart restores it.
func (r *runner) start(fresh bool) {
	if fresh {
		r.clock = 0
		if r.preserve != "" {
			os.Remove(r.preserve)
		}
	}
	if r.preserve == "" && r.spec.PreserveData {
		return // the temporary folder could not be made: startErr says so
	}
	r.sb, r.startErr = sandbox.New(r.config())
}

func (r *runner) stop() error {
	if r.sb == nil {
		return nil
	}
	err := r.sb.Stop()
	r.sb = nil
	return err
}

// inputStatus is what process_message returned for one input.
type inputStatus struct {
	status int
	errMsg string
}

func (r *runner) runCase(c *Case, opts Options) CaseResult {
	begin := time.Now()
	r.emitted, r.log = nil, nil
	var failures []string
	switch {
	case !c.cont:
		r.stop()
		r.start(true)
	case c.restart:
		if err := r.stop(); err != nil {
			failures = append(failures, fmt.Sprintf("restart: stopping the sandbox: %v", err))
		}
		r.start(false)
	}
	term := r.startErr
	var statuses []inputStatus
	if r.sb != nil {
		term = r.sb.Terminated()
	}
	for _, in := range c.inputs {
		if term != nil {
			break
		}
		var m *message.Message
		if in.raw {
			m = message.New(r.clock)
			m.Payload = in.line
		} else {
			m = in.msg.Copy()
		}
		status, errMsg, err := r.sb.ProcessMessage(m)
		if err != nil {
			term = err
			break
		}
		statuses = append(statuses, inputStatus{status, errMsg})
	}
	for _, ns := range c.timerEvents {
		if term != nil {
			break
		}
		r.clock = ns
		if err := r.sb.TimerEvent(ns, false); err != nil {
			if r.sb.Terminated() != nil {
				term = err
				break
			}
			failures = append(failures, fmt.Sprintf("timer_event(%d): %v", ns, err))
		}
	}
	failures = append(failures, c.check(term, statuses, r.emitted)...)
	log := r.log
	if opts.Verbose {
		for i, m := range r.emitted {
			log = append(log, fmt.Sprintf("emitted %d: %s", i+1, m.AppendJSON(nil)))
		}
		if r.sb != nil {
			// How close the script came to its limits, since the sandbox
			// started (a continuing case's include the earlier cases').
			st := r.sb.Stats()
			log = append(log, fmt.Sprintf("stats: %d calls, %d errors, max %d instructions per call, max memory %d B, max output %d B",
				st.Calls, st.Errors, st.MaxInstructions, st.MaxMemory, st.MaxOutput))
		}
	}
	return CaseResult{Name: c.Name, Passed: len(failures) == 0, Failures: failures, Log: log, Elapsed: time.Since(begin)}
}

// check compares what a case's run produced with what the case expects.
// term is the error that stopped the script, if one did.
func (c *Case) check(term error, statuses []inputStatus, emitted []*message.Message) []string {
	var out []string
	switch {
	case c.expectError == nil && term != nil:
		out = append(out, "script failed: "+term.Error())
	case c.expectError != nil && term != nil:
		if !c.expectError.contains(term.Error()) {
			out = append(out, fmt.Sprintf("error: got %q, want %s", term.Error(), c.expectError))
		}
	case c.expectError != nil:
		failed := 0
		for i, st := range statuses {
			if st.status < 0 {
				failed++
				if !c.expectError.contains(st.errMsg) {
					out = append(out, fmt.Sprintf("input %d: error got %q, want %s", i+1, st.errMsg, c.expectError))
				}
			}
		}
		if failed == 0 {
			out = append(out, fmt.Sprintf("error: got none, want %s", c.expectError))
		}
	}
	for i, st := range statuses {
		if st.status != c.expectStatus {
			line := fmt.Sprintf("input %d: status got %d, want %d", i+1, st.status, c.expectStatus)
			if st.errMsg != "" {
				line += fmt.Sprintf(" (error %q)", st.errMsg)
			}
			out = append(out, line)
		}
	}
	if c.expectCount >= 0 && len(emitted) != c.expectCount {
		out = append(out, fmt.Sprintf("count: got %d messages, want %d", len(emitted), c.expectCount))
	}
	for i, e := range c.expects {
		if i >= len(emitted) {
			out = append(out, fmt.Sprintf("message %d: missing (%d emitted)", i+1, len(emitted)))
			continue
		}
		for _, d := range e.diff(emitted[i]) {
			out = append(out, fmt.Sprintf("message %d: %s", i+1, d))
		}
	}
	if c.expectCount < 0 && len(c.expects) > 0 {
		for i := len(c.expects); i < len(emitted); i++ {
			out = append(out, fmt.Sprintf("message %d: unexpected (%d emitted, %d expected): %s", i+1, len(emitted), len(c.expects), emitted[i].AppendJSON(nil)))
		}
	}
	return out
}
