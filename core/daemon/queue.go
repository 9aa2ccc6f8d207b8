package daemon

import (
	"sync"
	"sync/atomic"
	"time"

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
	mu       sync.Mutex
	notFull  sync.Cond
	ring     []*pipeline.Pack
	head     int // index of the oldest pack
	n        int // packs held
	capacity int // queue_size; n passes it only by injections that waited injectWait
	closed   bool
	action   FullAction
	// ready has room for one token: Put leaves one when it adds to an empty
	// queue, so that the consumer can wait for work in a select beside its
	// timers.
	ready chan struct{}

	dropped    atomic.Int64 // messages dropped by the Drop policy or after Close
	overflowed atomic.Int64 // injected messages let in over capacity
}

// injectWait is how long a filter's injection waits for room in a full
// queue with the Block policy before it goes in over capacity. A filter
// blocked on a queue cannot empty its own, so two filters injecting into
// each other's full queues would otherwise wait on each other for ever (the
// wedge Heka users knew); one message a second over capacity is
// backpressure still, and progress.
var injectWait = time.Second

func newQueue(capacity int, action FullAction) *queue {
	capacity = max(capacity, 1)
	q := &queue{ring: make([]*pipeline.Pack, capacity), capacity: capacity, action: action, ready: make(chan struct{}, 1)}
	q.notFull.L = &q.mu
	return q
}

// Put adds packs in order. With Block it waits while the queue is full,
// except that packs a filter injected wait at most injectWait and then go
// in over capacity; with Drop it adds what fits and drops the rest. It
// returns how many packs were added. A closed queue drops everything
// (counted).
func (q *queue) Put(packs []*pipeline.Pack, injected bool) int {
	added := 0
	var deadline time.Time
	q.mu.Lock()
	for added < len(packs) {
		if q.closed {
			break
		}
		room := q.capacity - q.n
		if room <= 0 {
			if q.action == Drop {
				break
			}
			if !injected {
				q.notFull.Wait()
				continue
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(injectWait)
				t := time.AfterFunc(injectWait, func() {
					q.mu.Lock()
					q.notFull.Broadcast()
					q.mu.Unlock()
				})
				defer t.Stop()
			}
			if time.Now().Before(deadline) {
				q.notFull.Wait()
				continue
			}
			room = 1
			q.overflowed.Add(1)
		}
		k := min(room, len(packs)-added)
		if q.n+k > len(q.ring) {
			q.grow(q.n + k)
		}
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

// grow makes the ring hold at least n packs, keeping their order.
func (q *queue) grow(n int) {
	ring := make([]*pipeline.Pack, max(n, 2*len(q.ring)))
	for i := 0; i < q.n; i++ {
		ring[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = ring, 0
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
