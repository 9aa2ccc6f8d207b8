package daemon

import (
	"sync"
	"sync/atomic"

	"sandpiper/core/pipeline"
)

// FullAction is what a queue does with messages that find it full.
type FullAction int

// The full_action policies.
const (
	// Block makes the producer wait for room: backpressure up to the inputs.
	Block FullAction = iota
	// Drop drops the messages that do not fit and counts them.
	Drop
)

// queue is the bounded queue in front of one filter or output: a ring of
// packs filled in batches by any number of producers (streams routing,
// filters injecting) and emptied in batches by the plugin's one goroutine.
// It holds at most its capacity of messages, whatever the batch sizes, and
// allocates nothing once made.
type queue struct {
	mu      sync.Mutex
	notFull sync.Cond
	ring    []*pipeline.Pack
	head    int // index of the oldest pack
	n       int // packs held
	closed  bool
	action  FullAction
	// ready has room for one token: Put leaves one when it adds to an empty
	// queue, so that the consumer can wait for work in a select beside its
	// timers.
	ready chan struct{}

	dropped atomic.Int64 // messages dropped by the Drop policy or after Close
}

func newQueue(capacity int, action FullAction) *queue {
	q := &queue{ring: make([]*pipeline.Pack, max(capacity, 1)), action: action, ready: make(chan struct{}, 1)}
	q.notFull.L = &q.mu
	return q
}

// Put adds packs in order. With Block it waits while the queue is full; with
// Drop it adds what fits and drops the rest. It returns how many packs were
// added. A closed queue drops everything (counted).
func (q *queue) Put(packs []*pipeline.Pack) int {
	added := 0
	q.mu.Lock()
	for added < len(packs) {
		if q.closed {
			break
		}
		room := len(q.ring) - q.n
		if room == 0 {
			if q.action == Drop {
				break
			}
			q.notFull.Wait()
			continue
		}
		k := min(room, len(packs)-added)
		tail := (q.head + q.n) % len(q.ring)
		for i := 0; i < k; i++ {
			q.ring[(tail+i)%len(q.ring)] = packs[added+i]
		}
		q.n += k
		added += k
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	q.mu.Unlock()
	if lost := len(packs) - added; lost > 0 {
		q.dropped.Add(int64(lost))
	}
	return added
}

// Take moves up to cap(dst)-len(dst) packs (at least one slot is assumed)
// into dst without waiting and returns it with closed reporting whether the
// queue is closed and now empty: the consumer's signal to finish.
func (q *queue) Take(dst []*pipeline.Pack) (batch []*pipeline.Pack, done bool) {
	q.mu.Lock()
	k := min(q.n, cap(dst)-len(dst))
	for i := 0; i < k; i++ {
		j := (q.head + i) % len(q.ring)
		dst = append(dst, q.ring[j])
		q.ring[j] = nil
	}
	q.head = (q.head + k) % len(q.ring)
	q.n -= k
	done = q.closed && q.n == 0
	if k > 0 {
		q.notFull.Broadcast()
	}
	if q.n > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	q.mu.Unlock()
	return dst, done
}

// Ready returns the channel that holds a token when there may be packs to
// Take or the queue was closed.
func (q *queue) Ready() <-chan struct{} { return q.ready }

// Len returns the number of packs held.
func (q *queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Close stops the queue from accepting packs; those held can still be taken.
// Producers waiting for room give up and count their packs as dropped.
func (q *queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.notFull.Broadcast()
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Discard empties the queue, releasing and counting as dropped what it
// held, and returns how many packs that was: for a plugin that stopped with
// messages waiting.
func (q *queue) Discard() int {
	q.mu.Lock()
	n := q.n
	for i := 0; i < n; i++ {
		j := (q.head + i) % len(q.ring)
		q.ring[j].Release()
		q.ring[j] = nil
	}
	q.head, q.n = 0, 0
	q.notFull.Broadcast()
	q.mu.Unlock()
	q.dropped.Add(int64(n))
	return n
}
