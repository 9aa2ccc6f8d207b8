package daemon

import (
	"sync"
	"sync/atomic"

	"sandpiper/core/matcher"
	"sandpiper/core/pipeline"
)

// route is one filter or output as the router sees it: its matcher, its
// queue, and whether it still takes messages.
type route struct {
	name    string
	matcher *matcher.Matcher
	signer  string // message_signer: only messages of this verified signer; "" any
	queue   *queue
	// dead is set once the plugin has stopped for good (a terminated
	// filter, a failed output): the router stops matching for it.
	dead atomic.Bool
	// pending, for filters, is the daemon's count of messages queued for
	// or being processed by any filter; nil for outputs.
	pending *atomic.Int64

	matched atomic.Int64 // messages the matcher accepted
}

// router sends each message to the queue of every plugin whose matcher
// accepts it. It has no goroutine of its own: whoever has messages to route
// (a stream after decoding a batch, a filter injecting) calls Route, so
// routing runs on as many cores as there are producers and one slow plugin
// holds up only the producers that feed it, and only under the Block policy.
type router struct {
	routes  []*route
	scratch sync.Pool // *[]*pipeline.Pack, one batch's matches for one route
}

// Route evaluates every route's matcher once per message and puts the
// matching messages of the batch into the route's queue in one call. A
// filter is never sent the messages it injected itself.
//
// Route holds each pack while it routes it and once for each queue that
// takes it; a pack no queue took is released, and so returns its message
// to the pool, before Route returns.
func (rt *router) Route(packs []*pipeline.Pack) {
	injected := false
	for _, p := range packs {
		p.Hold(1)
		injected = injected || p.Injector != ""
	}
	sp, _ := rt.scratch.Get().(*[]*pipeline.Pack)
	if sp == nil {
		s := make([]*pipeline.Pack, 0, len(packs))
		sp = &s
	}
	for _, r := range rt.routes {
		if r.dead.Load() {
			continue
		}
		matched := (*sp)[:0]
		for _, p := range packs {
			if p.Injector == r.name || (r.signer != "" && p.Signer != r.signer) {
				continue
			}
			if r.matcher.Match(p.Message) {
				matched = append(matched, p)
			}
		}
		if len(matched) == 0 {
			continue
		}
		r.matched.Add(int64(len(matched)))
		if r.pending != nil {
			r.pending.Add(int64(len(matched)))
		}
		for _, p := range matched {
			p.Hold(1)
		}
		if added := r.queue.Put(matched, injected); added < len(matched) {
			if r.pending != nil {
				r.pending.Add(int64(added - len(matched)))
			}
			for _, p := range matched[added:] {
				p.Release()
			}
		}
		clear(matched)
		*sp = matched[:0]
	}
	rt.scratch.Put(sp)
	for _, p := range packs {
		p.Release()
	}
}
