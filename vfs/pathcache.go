package vfs

import (
	"sync"
	"sync/atomic"
	"time"
)

// The path cache remembers where whole paths led, so that a path walked
// again and again (a server opening the file it serves, per request) costs
// one map lookup instead of a lookup, a permission check and a mount check
// per component. An entry is trusted while
//   - no name was removed or replaced, and no mount changed, anywhere in
//     the VFS since it was made: the VFS's name generation (bumped where a
//     dentry dies, on every rename, and on every change of the mount tree
//     or of a mount's attributes) is still the entry's; new names change no
//     path that already resolved, so creating files keeps the cache;
//   - it is younger than PathCacheTTL: names a filesystem changes behind the
//     vfs's back (the host under hostfs) show within its own lookup cache's
//     time plus this one;
//   - it was made for the same walk: start (for relative paths), root,
//     path, and the resolution options.
// Only walks that check no permission are cached (callers with
// CAP_DAC_OVERRIDE, for whom searching a directory is always allowed), and
// only through filesystems whose names change only through the vfs or
// within a lookup cache's time (PathCacheable): procfs answers per
// process, and magic links jump where the caller is.

// PathCacheable is implemented by filesystems that may say their names
// change only through the vfs's operations, or, for a filesystem that
// mirrors the host, show the host's changes only after a lookup cache's
// time anyway (hostfs: its LookupTTL). Paths through other filesystems
// (and those that answer false: a ramfs that devpts or devfs fill and
// empty themselves) are walked every time. It is a method with an answer,
// not a marker, because filesystems embed ramfs.
type PathCacheable interface {
	PathCacheable() bool
}

// PathCacheTTL bounds how long a cached path is trusted without a walk.
const PathCacheTTL = 100 * time.Millisecond

// maxCachedPaths bounds the cache: it is emptied when full.
const maxCachedPaths = 512

type pathKey struct {
	start, root Location // start is zero for absolute paths
	path        string
	opts        resolveOpts
}

type pathEntry struct {
	loc Location
	at  time.Time
}

// pathCache is a VFS's cache of resolved paths.
type pathCache struct {
	gen atomic.Uint64 // the name generation

	mu      sync.Mutex
	entries map[pathKey]pathEntry
	of      uint64 // the generation the entries belong to
}

// namesChanged bumps the name generation: every cached path is dropped.
func (c *pathCache) namesChanged() { c.gen.Add(1) }

// get returns the cached resolution of key, if still trusted.
func (c *pathCache) get(key pathKey, now time.Time) (Location, bool) {
	gen := c.gen.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.of != gen {
		c.entries, c.of = nil, gen
		return Location{}, false
	}
	e, ok := c.entries[key]
	if !ok {
		return Location{}, false
	}
	if now.Sub(e.at) >= PathCacheTTL || now.Before(e.at) {
		delete(c.entries, key)
		return Location{}, false
	}
	return e.loc, true
}

// put caches a resolution made while the generation was gen: one made
// across a change is not kept.
func (c *pathCache) put(key pathKey, loc Location, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if c.of != gen || c.entries == nil || len(c.entries) >= maxCachedPaths {
		c.entries, c.of = make(map[pathKey]pathEntry), gen
	}
	c.entries[key] = pathEntry{loc: loc, at: now}
}

// cacheableMount reports whether paths through m may be cached.
func cacheableMount(m *Mount) bool {
	c, ok := m.fs.(PathCacheable)
	return ok && c.PathCacheable()
}
