// Package daemon runs a configured pipeline: it builds every plugin from its
// configuration through the registry of package pipeline, connects them with
// the router and bounded queues, starts them in order, and stops them in
// reverse order draining every queue, so that a clean stop loses nothing.
//
// Goroutines, and who ends them: each input's Run (ended by cancelling the
// inputs' context, or by the input finishing), each input's decode workers
// (ended when its Run has returned), one sequencer per ReadFrom call (ended
// before ReadFrom returns), one goroutine per filter (ended when its queue
// is closed and drained), and per output its Run and a pump (ended when its
// queue is closed and drained, or the shutdown timeout passed).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"sandpiper/core/matcher"
	"sandpiper/core/message"
	"sandpiper/core/pipeline"
)

// Settings are the daemon-wide options of the [sandpiper] table.
type Settings struct {
	Globals pipeline.Globals
	// QueueSize is the default capacity, in messages, of each filter's and
	// output's queue.
	QueueSize int
	// MaxLoops is how many filters may inject a message in a chain before
	// it is dropped (max_message_loops).
	MaxLoops int
	// ShutdownTimeout is how long a stop waits for the outputs to drain
	// before it gives up on them, counting what they held as dropped.
	ShutdownTimeout time.Duration
}

// PluginConfig is one plugin's table of the configuration.
type PluginConfig struct {
	Name string // the table's name
	Type string // the registered type
	File string // the file it came from, for errors
	Dir  string // that file's directory: relative paths are relative to it
	// Decode decodes the table into each target, a pointer to a struct
	// whose toml tags name options; together they must take every key.
	Decode func(targets ...any) error
	// Errorf, when not nil, makes an error about key of the table ("" for
	// the table itself) placed at its line, as package config's
	// Section.Errorf does; without it errors name the file and the table.
	Errorf func(key, format string, args ...any) error
}

// Options change how a Daemon is built.
type Options struct {
	// Check builds and validates every plugin without starting any and
	// without restoring or writing state (sandpiper check).
	Check bool
	// Log receives the daemon's log; nil is os.Stderr's standard logger.
	Log *log.Logger
}

// Daemon is a built pipeline, ready to Run once.
type Daemon struct {
	settings Settings
	log      *log.Logger
	check    bool

	plugins map[string]*plugin // by name
	order   []*plugin          // as configured
	inputs  []*inputRunner
	filters []*filterRunner
	outputs []*outputRunner
	router  router
	pending atomic.Int64 // messages queued for or in a filter

	errs   []error   // errors of codecs built on first reference, while New runs
	codecs []*plugin // splitters, decoders and encoders built, named or default

	terminations atomic.Int64
	started      time.Time
}

// plugin is one configured plugin while the daemon is built: its table, its
// registration and, once built, the value New returned.
type plugin struct {
	cfg   PluginConfig
	reg   pipeline.Registration
	value any
	err   error
	built bool
}

// The options the daemon takes from every plugin's table beside the
// plugin's own (docs/configuration.md).
type (
	commonOptions struct {
		Type string `toml:"type"`
	}
	inputOptions struct {
		Type               string `toml:"type"`
		Decoder            string `toml:"decoder"`
		Splitter           string `toml:"splitter"`
		SendDecodeFailures bool   `toml:"send_decode_failures"`
		LogDecodeFailures  bool   `toml:"log_decode_failures"`
	}
	routeOptions struct {
		Type           string `toml:"type"`
		MessageMatcher string `toml:"message_matcher"`
		MessageSigner  string `toml:"message_signer"`
		QueueSize      int    `toml:"queue_size"`
		FullAction     string `toml:"full_action"`
		TickerInterval int    `toml:"ticker_interval"` // filters
		Encoder        string `toml:"encoder"`         // outputs
		UseFraming     *bool  `toml:"use_framing"`     // outputs
	}
)

// New builds every configured plugin. It goes on after an error, so that the
// error it returns lists every problem of the configuration, each naming
// the file and the plugin.
func New(settings Settings, configs []PluginConfig, opts Options) (*Daemon, error) {
	d := &Daemon{
		started:  time.Now(),
		settings: settings,
		log:      opts.Log,
		check:    opts.Check,
		plugins:  map[string]*plugin{},
	}
	if d.log == nil {
		d.log = log.Default()
	}
	if d.settings.QueueSize <= 0 {
		d.settings.QueueSize = 10000
	}
	if d.settings.MaxLoops <= 0 {
		d.settings.MaxLoops = 4
	}
	if d.settings.ShutdownTimeout <= 0 {
		d.settings.ShutdownTimeout = 30 * time.Second
	}
	var errs []error
	for _, c := range configs {
		p := &plugin{cfg: c}
		if prev, dup := d.plugins[c.Name]; dup {
			errs = append(errs, p.fail("", "plugin name already used in %s", prev.cfg.File))
			continue
		}
		reg, ok := pipeline.Lookup(c.Type)
		if !ok {
			errs = append(errs, p.fail("type", "unknown plugin type %q", c.Type))
			continue
		}
		p.reg = reg
		d.plugins[c.Name] = p
		d.order = append(d.order, p)
	}
	// Outputs and filters first, so that the router's routes are in
	// configuration order; inputs last; codecs as they are referenced, and
	// any left over after, so that check validates them too.
	for _, kind := range []pipeline.Kind{pipeline.KindOutput, pipeline.KindFilter, pipeline.KindInput, pipeline.KindSplitter, pipeline.KindDecoder, pipeline.KindEncoder} {
		for _, p := range d.order {
			if p.reg.Kind != kind || p.built {
				continue
			}
			var err error
			switch kind {
			case pipeline.KindOutput:
				err = d.buildOutput(p)
			case pipeline.KindFilter:
				err = d.buildFilter(p)
			case pipeline.KindInput:
				err = d.buildInput(p)
			default:
				_, err = d.codec(p, kind)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, d.errs...)
	if err := errors.Join(errs...); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// fail returns an error about key of p's table ("" for the table), naming
// the file, the line where known, and the table.
func (p *plugin) fail(key, format string, args ...any) error {
	if p.cfg.Errorf != nil {
		return p.cfg.Errorf(key, format, args...)
	}
	prefix := fmt.Sprintf("%s: [%s]: ", p.cfg.File, p.cfg.Name)
	if key != "" {
		prefix += key + ": "
	}
	return fmt.Errorf(prefix+format, args...)
}

// failed returns the error of a plugin's New about p's table, dropping the
// plugin's name where the error starts with it.
func (p *plugin) failed(err error) error {
	return p.fail("", "%s", strings.TrimPrefix(err.Error(), p.cfg.Name+": "))
}

// build decodes p's table into common, the daemon's options for p's kind,
// and into the plugin's own options, separately, so that a bad value in
// one still lets the other be checked; it calls New (with env, or a plain
// Env when nil) when the plugin's own options decoded. commonOK reports
// whether common decoded; err holds every error.
func (d *Daemon) build(p *plugin, common any, env *pipeline.Env) (v any, commonOK bool, err error) {
	p.built = true
	commonErr := p.cfg.Decode(common)
	errs := []error{commonErr}
	cfg := p.reg.Config()
	if err := p.cfg.Decode(cfg); err != nil {
		errs = append(errs, err)
	} else {
		if env == nil {
			env = d.env(p)
		}
		switch v, err = p.reg.New(env, cfg); {
		case err != nil:
			errs = append(errs, p.failed(err))
			v = nil
		case v == nil:
			errs = append(errs, p.fail("type", "%s made no plugin (a bug of the plugin type)", p.cfg.Type))
		}
	}
	p.value = v
	p.err = errors.Join(errs...)
	return v, commonErr == nil, p.err
}

func (d *Daemon) env(p *plugin) *pipeline.Env {
	name := p.cfg.Name
	return &pipeline.Env{
		Name:      name,
		Type:      p.cfg.Type,
		Globals:   d.settings.Globals,
		ConfigDir: p.cfg.Dir,
		Check:     d.check,
		Logf:      func(format string, args ...any) { d.logf(name, format, args...) },
		Splitter: func(ref string) (pipeline.Splitter, error) {
			v, err := d.lookup(name, ref, pipeline.KindSplitter)
			s, _ := v.(pipeline.Splitter)
			return s, err
		},
		Decoder: func(ref string) (pipeline.Decoder, error) {
			v, err := d.lookup(name, ref, pipeline.KindDecoder)
			s, _ := v.(pipeline.Decoder)
			return s, err
		},
		Encoder: func(ref string) (pipeline.Encoder, error) {
			v, err := d.lookup(name, ref, pipeline.KindEncoder)
			s, _ := v.(pipeline.Encoder)
			return s, err
		},
		Inject: func(*message.Message) error { return fmt.Errorf("%s: only filters inject messages", name) },
	}
}

// lookup returns the splitter, decoder or encoder configured under ref, for
// the plugin called from, building it on first use: what a plugin's Env
// gives it. The error names from, the kind and ref.
func (d *Daemon) lookup(from, ref string, kind pipeline.Kind) (any, error) {
	v, err := d.resolve(ref, kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %q: %v", from, kind, ref, err)
	}
	return v, nil
}

// resolve returns the plugin of kind configured under ref, building it on
// first use. A plugin that fails to build has its own errors added to the
// daemon's (once), and resolve says only that it is broken.
func (d *Daemon) resolve(ref string, kind pipeline.Kind) (any, error) {
	p, ok := d.plugins[ref]
	if !ok {
		return nil, errors.New("no plugin of that name in the configuration")
	}
	if p.reg.Kind != kind {
		return nil, fmt.Errorf("is %s (%s), not a %s", article(p.reg.Kind), p.reg.Type, kind)
	}
	if !p.built {
		if _, err := d.codec(p, kind); err != nil {
			d.errs = append(d.errs, err)
		}
	}
	if p.err != nil {
		return nil, errors.New("cannot be built (see its own errors)")
	}
	if p.value == nil {
		return nil, errors.New("refers to itself while it is being built")
	}
	return p.value, nil
}

// ref resolves the plugin of kind that p names in its option key.
func (d *Daemon) ref(p *plugin, key, ref string, kind pipeline.Kind) (any, error) {
	v, err := d.resolve(ref, kind)
	if err != nil {
		return nil, p.fail(key, "%q: %v", ref, err)
	}
	return v, nil
}

// codec builds a splitter, decoder or encoder and checks that it implements
// its kind's interface.
func (d *Daemon) codec(p *plugin, kind pipeline.Kind) (any, error) {
	v, _, err := d.build(p, &commonOptions{}, nil)
	if err != nil {
		closeValue(v)
		return nil, err
	}
	d.codecs = append(d.codecs, p)
	var ok bool
	switch kind {
	case pipeline.KindSplitter:
		_, ok = v.(pipeline.Splitter)
	case pipeline.KindDecoder:
		_, ok = v.(pipeline.Decoder)
	case pipeline.KindEncoder:
		_, ok = v.(pipeline.Encoder)
	}
	if !ok {
		p.err = p.fail("type", "%s does not implement a %s", p.cfg.Type, kind)
		return nil, p.err
	}
	return v, nil
}

// anonymous builds a plugin of type typ with its default options, for an
// input or output that names none of that kind (TcpInput's ProtobufDecoder).
func (d *Daemon) anonymous(owner *plugin, typ string, kind pipeline.Kind) (any, error) {
	reg, ok := pipeline.Lookup(typ)
	if !ok || reg.Kind != kind {
		return nil, owner.fail("", "default %s type %q is not available", kind, typ)
	}
	p := &plugin{cfg: PluginConfig{Name: owner.cfg.Name + "." + typ, Type: typ, File: owner.cfg.File, Dir: owner.cfg.Dir,
		Decode: func(...any) error { return nil }}, reg: reg}
	return d.codec(p, kind)
}

func (d *Daemon) buildInput(p *plugin) error {
	opts := inputOptions{LogDecodeFailures: true}
	v, commonOK, err := d.build(p, &opts, nil)
	errs := []error{err}
	in, ok := v.(pipeline.Input)
	if v != nil && !ok {
		errs = append(errs, p.fail("type", "%s does not implement an input", p.cfg.Type))
	}
	if !commonOK {
		return errors.Join(errs...)
	}
	ir := &inputRunner{d: d, name: p.cfg.Name, input: in, sendFailures: opts.SendDecodeFailures, logFailures: opts.LogDecodeFailures}
	switch {
	case opts.Splitter != "":
		s, err := d.ref(p, "splitter", opts.Splitter, pipeline.KindSplitter)
		errs = append(errs, err)
		ir.splitter, _ = s.(pipeline.Splitter)
	default:
		typ := p.reg.DefaultSplitter
		if typ == "" {
			typ = "TokenSplitter"
		}
		s, err := d.anonymous(p, typ, pipeline.KindSplitter)
		errs = append(errs, err)
		ir.splitter, _ = s.(pipeline.Splitter)
	}
	switch {
	case opts.Decoder != "":
		v, err := d.ref(p, "decoder", opts.Decoder, pipeline.KindDecoder)
		errs = append(errs, err)
		ir.decoder, _ = v.(pipeline.Decoder)
		ir.decoderName = opts.Decoder
	case p.reg.DefaultDecoder != "":
		v, err := d.anonymous(p, p.reg.DefaultDecoder, pipeline.KindDecoder)
		errs = append(errs, err)
		ir.decoder, _ = v.(pipeline.Decoder)
		ir.decoderName = p.reg.DefaultDecoder
	default:
		ir.decoder = pipeline.PayloadDecoder
		ir.decoderName = "payload"
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ir.workers = runtime.GOMAXPROCS(0)
	if w, ok := ir.decoder.(pipeline.Workers); ok {
		ir.workers = max(1, w.Workers())
	}
	ir.jobs = make(chan *batch)
	d.inputs = append(d.inputs, ir)
	return nil
}

// newRoute compiles a filter's or output's matcher and makes its queue.
func (d *Daemon) newRoute(p *plugin, opts *routeOptions) (*route, error) {
	var errs []error
	fail := func(key, format string, args ...any) { errs = append(errs, p.fail(key, format, args...)) }
	var m *matcher.Matcher
	if opts.MessageMatcher == "" {
		fail("message_matcher", "missing: every filter and output needs one")
	} else {
		var err error
		if m, err = matcher.Compile(opts.MessageMatcher); err != nil {
			fail("message_matcher", "%v", err)
		}
	}
	size := opts.QueueSize
	if size < 0 {
		fail("queue_size", "%d: must be positive", size)
	}
	if size <= 0 {
		size = d.settings.QueueSize
	}
	var action FullAction
	switch opts.FullAction {
	case "", "block":
		action = Block
	case "drop":
		action = Drop
	default:
		fail("full_action", "%q: want \"block\" or \"drop\"", opts.FullAction)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &route{name: p.cfg.Name, matcher: m, signer: opts.MessageSigner, queue: newQueue(size, action)}, nil
}

func (d *Daemon) buildFilter(p *plugin) error {
	var opts routeOptions
	// The filter's Env injects through its runner, which exists before
	// the filter does.
	fr := &filterRunner{d: d, name: p.cfg.Name, shutdown: make(chan chan struct{}), done: make(chan struct{})}
	env := d.env(p)
	env.Inject = fr.inject
	v, commonOK, err := d.build(p, &opts, env)
	errs := []error{err}
	fr.filter, _ = v.(pipeline.Filter)
	if v != nil && fr.filter == nil {
		errs = append(errs, p.fail("type", "%s does not implement a filter", p.cfg.Type))
	}
	var rt *route
	if commonOK {
		if opts.Encoder != "" || opts.UseFraming != nil {
			errs = append(errs, p.fail("", "encoder and use_framing are options of outputs, not filters"))
		}
		if opts.TickerInterval < 0 {
			errs = append(errs, p.fail("ticker_interval", "%d: must be 0 (none) or a number of seconds", opts.TickerInterval))
		}
		rt, err = d.newRoute(p, &opts)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		if fr.filter != nil {
			fr.filter.Stop()
		}
		p.err = err
		return err
	}
	rt.pending = &d.pending
	fr.route = rt
	fr.ticker = time.Duration(opts.TickerInterval) * time.Second
	d.router.routes = append(d.router.routes, rt)
	d.filters = append(d.filters, fr)
	return nil
}

func (d *Daemon) buildOutput(p *plugin) error {
	var opts routeOptions
	v, commonOK, err := d.build(p, &opts, nil)
	errs := []error{err}
	out, ok := v.(pipeline.Output)
	if v != nil && !ok {
		errs = append(errs, p.fail("type", "%s does not implement an output", p.cfg.Type))
	}
	if !commonOK {
		return errors.Join(errs...)
	}
	if opts.TickerInterval != 0 {
		errs = append(errs, p.fail("ticker_interval", "is an option of filters, not outputs"))
	}
	rt, err := d.newRoute(p, &opts)
	errs = append(errs, err)
	or := &outputRunner{d: d, name: p.cfg.Name, output: out, route: rt, framing: p.reg.DefaultFraming,
		batches: make(chan []*pipeline.Pack), done: make(chan struct{})}
	if opts.UseFraming != nil {
		or.framing = *opts.UseFraming
	}
	if p.reg.OwnFraming {
		if !or.framing {
			errs = append(errs, p.fail("use_framing", "false: %s always writes Heka's stream framing", p.cfg.Type))
		}
		or.framing = false
	}
	var enc any
	switch {
	case opts.Encoder != "":
		enc, err = d.ref(p, "encoder", opts.Encoder, pipeline.KindEncoder)
	default:
		typ := p.reg.DefaultEncoder
		if typ == "" {
			typ = "ProtobufEncoder"
		}
		enc, err = d.anonymous(p, typ, pipeline.KindEncoder)
	}
	errs = append(errs, err)
	or.encoder, _ = enc.(pipeline.Encoder)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	d.router.routes = append(d.router.routes, rt)
	d.outputs = append(d.outputs, or)
	return nil
}

// Plugins returns the number of configured plugins.
func (d *Daemon) Plugins() int { return len(d.order) }

// Close releases a daemon that will not run (after a check): filters are
// stopped without running, decoders and encoders closed.
func (d *Daemon) Close() error {
	for _, fr := range d.filters {
		fr.filter.Stop()
	}
	d.closeCodecs()
	return nil
}

// closeCodecs closes the built plugins of the kinds given that hold
// resources of their own (a SandboxDecoder's pool), every kind when none is
// given.
func (d *Daemon) closeCodecs(kinds ...pipeline.Kind) {
	for _, p := range d.codecs {
		if len(kinds) > 0 && !slices.Contains(kinds, p.reg.Kind) {
			continue
		}
		if err := closeValue(p.value); err != nil {
			d.logf(p.cfg.Name, "close: %v", err)
		}
	}
}

func (d *Daemon) logf(name, format string, args ...any) {
	d.log.Printf("%s: %s", name, fmt.Sprintf(format, args...))
}

// Run starts the outputs, then the filters, then the inputs, and runs until
// ctx is cancelled or every input has finished by itself (batch mode). It
// then stops the inputs, lets the filters drain their queues and run their
// final timer_event, stops them, and lets the outputs drain and flush,
// waiting at most ShutdownTimeout for the outputs. It returns an error when
// a plugin failed.
func (d *Daemon) Run(ctx context.Context) error {
	outCtx, cancelOutputs := context.WithCancel(context.Background())
	defer cancelOutputs()
	for _, or := range d.outputs {
		go or.run(outCtx)
	}
	for _, fr := range d.filters {
		go fr.run()
	}
	inCtx, cancelInputs := context.WithCancel(ctx)
	defer cancelInputs()
	inputsDone := make(chan struct{})
	for _, ir := range d.inputs {
		ir.ctx, ir.cancel = context.WithCancel(inCtx)
		ir.done = make(chan struct{})
		go ir.run()
	}
	go func() {
		for _, ir := range d.inputs {
			<-ir.done
		}
		close(inputsDone)
	}()

	select {
	case <-ctx.Done():
		d.logf("sandpiper", "stopping: draining the queues")
	case <-inputsDone:
		d.logf("sandpiper", "every input has finished: draining the queues")
	}
	cancelInputs()
	<-inputsDone
	d.closeCodecs(pipeline.KindSplitter, pipeline.KindDecoder)

	// Filters: drain, final timer_event, drain what that injected into
	// other filters, then close their queues.
	d.waitFilters()
	for _, fr := range d.filters {
		reply := make(chan struct{})
		select {
		case fr.shutdown <- reply:
			<-reply
		case <-fr.done:
		}
	}
	d.waitFilters()
	for _, fr := range d.filters {
		fr.route.queue.Close()
	}
	for _, fr := range d.filters {
		<-fr.done
	}

	for _, or := range d.outputs {
		or.route.queue.Close()
	}
	timeout := time.NewTimer(d.settings.ShutdownTimeout)
	defer timeout.Stop()
	for _, or := range d.outputs {
		select {
		case <-or.done:
		case <-timeout.C:
			d.logf("sandpiper", "outputs still busy after shutdown_timeout (%v): giving up on them", d.settings.ShutdownTimeout)
			cancelOutputs()
			<-or.done
		}
	}
	d.closeCodecs(pipeline.KindEncoder)
	var errs []error
	for _, ir := range d.inputs {
		if ir.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ir.name, ir.err))
		}
	}
	for _, fr := range d.filters {
		if fr.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", fr.name, fr.err))
		}
	}
	for _, or := range d.outputs {
		if or.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", or.name, or.err))
		}
		if n := or.dropped.Load() + or.route.queue.dropped.Load(); n > 0 {
			d.logf(or.name, "%d messages were not written", n)
		}
	}
	return errors.Join(errs...)
}

// waitFilters waits until no message is queued for or being processed by a
// filter. Filters may inject into each other, so the count can rise again
// while it is watched; it reaches zero once the inputs are stopped because
// every chain of injections is at most max_message_loops long.
func (d *Daemon) waitFilters() {
	for d.pending.Load() > 0 {
		time.Sleep(2 * time.Millisecond)
	}
}

// article returns "an input", "a filter": a kind with its article.
func article(k pipeline.Kind) string {
	if strings.ContainsRune("aeiou", rune(k.String()[0])) {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// closeValue closes a built plugin that holds resources of its own (a
// SandboxDecoder's pool).
func closeValue(v any) error {
	if c, ok := v.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// withoutName returns err without the leading "name: " that plugins put on
// their errors, for messages that name the plugin already.
func withoutName(name string, err error) error {
	if msg := err.Error(); strings.HasPrefix(msg, name+": ") {
		return errors.New(strings.TrimPrefix(msg, name+": "))
	}
	return err
}
