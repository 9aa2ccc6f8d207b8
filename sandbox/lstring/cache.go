package lstring

import "unsafe"

// DefaultCacheEntries is the number of patterns NewCache keeps when asked for
// a count <= 0.
const DefaultCacheEntries = 256

// maxCacheBytes bounds the memory a Cache's programs take (see patternSize):
// a script that builds patterns of its own cannot make it grow past this.
const maxCacheBytes = 512 << 10

type cacheKey struct {
	src string
	// gmatch patterns read a leading '^' as a literal, so they compile to a
	// different program from the same text.
	gmatch bool
}

type cacheEntry struct {
	key        cacheKey
	p          *Pattern
	size       int
	prev, next *cacheEntry
}

// A Cache keeps the most recently used compiled patterns of one sandbox, so
// that a pattern is compiled once and not at every call. It holds at most
// its count of patterns and at most 512 KiB of programs, and drops the least
// recently used first. A Cache is not safe for concurrent use: give each
// sandbox its own.
type Cache struct {
	max     int
	bytes   int
	entries map[cacheKey]*cacheEntry
	lru     cacheEntry // sentinel: lru.next is the most recently used
}

// NewCache returns a Cache of at most n patterns (DefaultCacheEntries when
// n <= 0).
func NewCache(n int) *Cache {
	if n <= 0 {
		n = DefaultCacheEntries
	}
	c := &Cache{max: n, entries: make(map[cacheKey]*cacheEntry)}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// Len returns the number of patterns in the cache.
func (c *Cache) Len() int { return len(c.entries) }

// Bytes returns the estimated memory of the patterns in the cache.
func (c *Cache) Bytes() int { return c.bytes }

// get returns the compiled form of src, compiling and keeping it when it is
// not in the cache; compiled reports that it had to.
func (c *Cache) get(src string, gmatch bool) (p *Pattern, compiled bool) {
	key := cacheKey{src, gmatch}
	// Scripts mostly reuse one constant pattern, whose string shares its
	// bytes with the cached key: comparing it is then one pointer test.
	if e := c.lru.next; e != &c.lru && e.key == key {
		return e.p, false
	}
	if e, ok := c.entries[key]; ok {
		c.unlink(e)
		c.pushFront(e)
		return e.p, false
	}
	p = compile(src, !gmatch)
	size := patternSize(p)
	if size > maxCacheBytes/4 {
		return p, true
	}
	for len(c.entries) >= c.max || c.bytes+size > maxCacheBytes {
		old := c.lru.prev
		c.unlink(old)
		delete(c.entries, old.key)
		c.bytes -= old.size
	}
	e := &cacheEntry{key: key, p: p, size: size}
	c.entries[key] = e
	c.bytes += size
	c.pushFront(e)
	return p, true
}

func (c *Cache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *Cache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}

// patternSize estimates the memory of a compiled pattern and its entry.
func patternSize(p *Pattern) int {
	n := len(p.src) + int(unsafe.Sizeof(*p)) + int(unsafe.Sizeof(cacheEntry{})) + len(p.prog)*int(unsafe.Sizeof(inst{}))
	for i := range p.prog {
		if p.prog[i].cl.set != nil && p.prog[i].op != opError {
			n += 256
		}
	}
	return n
}
