package daemon

import (
	"fmt"
	"io"
	"strings"
	"time"

	"sandpiper/core/pipeline"
)

// Report writes one line per plugin with its counters, queue length and
// the figures the plugin reports of its own (a sandbox's memory and
// instructions, mean process time): what SIGUSR1 prints.
func (d *Daemon) Report(w io.Writer) {
	fmt.Fprintf(w, "sandpiper report: up %v, %d plugins configured, %d terminated\n",
		time.Since(d.started).Round(time.Second), len(d.order), d.terminations.Load())
	line := func(kind pipeline.Kind, name string, own func(func(string, any)), value any) {
		var b strings.Builder
		fmt.Fprintf(&b, "  %-7s %-24s", kind, name)
		add := func(k string, v any) { fmt.Fprintf(&b, " %s=%v", k, v) }
		if own != nil {
			own(add)
		}
		if r, ok := value.(pipeline.Reporter); ok {
			r.Report(add)
		}
		fmt.Fprintln(w, b.String())
	}
	for _, ir := range d.inputs {
		line(pipeline.KindInput, ir.name, ir.report, ir.input)
	}
	for _, p := range d.codecs {
		if _, ok := p.value.(pipeline.Reporter); ok {
			line(p.reg.Kind, p.cfg.Name, nil, p.value)
		}
	}
	for _, fr := range d.filters {
		line(pipeline.KindFilter, fr.name, fr.report, fr.filter)
	}
	for _, or := range d.outputs {
		line(pipeline.KindOutput, or.name, or.report, or.output)
	}
}
