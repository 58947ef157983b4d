package vfs

import (
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Identifier is an optional Inode method that reports the inode number and
// file type without a full Stat (path walks call it for every component).
type Identifier interface {
	Identity() (ino uint64, typ uint32)
}

// MagicLinker is implemented by procfs-style "magic" symlinks
// (/proc/self/fd/N, /proc/self/cwd) that jump straight to a Location
// instead of being resolved as text. RESOLVE_NO_MAGICLINKS refuses them.
type MagicLinker interface {
	ResolveMagic(ctx *Context) (Location, error)
}

// ContextReadlinker is implemented by symlinks whose target depends on the
// caller (procfs's "self" and "thread-self", the text of magic links).
// The vfs prefers it over Readlink.
type ContextReadlinker interface {
	ReadlinkCtx(ctx *Context) (string, error)
}

// readlinkOf returns a symlink's target as ctx's process sees it.
func readlinkOf(ctx *Context, in Inode) (string, error) {
	if cr, ok := in.(ContextReadlinker); ok {
		return cr.ReadlinkCtx(ctx)
	}
	return in.Readlink()
}

// resolveOpts controls one path resolution.
type resolveOpts struct {
	follow  bool   // follow a symlink in the final component
	resolve uint64 // openat2 RESOLVE_* flags
}

// walker is the state of one path resolution.
type walker struct {
	ctx   *Context
	root  Location // "/" for absolute paths and symlinks
	start Location
	opts  resolveOpts
	links int
	// trailingSlash is set when the final component must be a directory.
	trailingSlash bool
	// cacheable says the walk so far may be cached (pathcache.go): it
	// checked no permission and crossed only PathCacheable filesystems;
	// seen is the mount last checked.
	cacheable bool
	seen      *Mount
}

func newWalker(ctx *Context, start Location, opts resolveOpts) *walker {
	w := &walker{ctx: ctx, root: ctx.Root, start: start, opts: opts, cacheable: ctx.Capable(unix.CAP_DAC_OVERRIDE)}
	if opts.resolve&(unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT) != 0 {
		w.root = start
	}
	return w
}

// splitPath validates path and splits it into components. It reports
// whether the path is absolute and whether it ends with a slash.
func splitPath(path string) (comps []string, abs, trailing bool, err error) {
	if path == "" {
		return nil, false, false, unix.ENOENT
	}
	if len(path) >= PathMax {
		return nil, false, false, unix.ENAMETOOLONG
	}
	abs = path[0] == '/'
	trailing = strings.HasSuffix(path, "/")
	// Sized once: growing the slice component by component was a fifth of
	// an open's cost.
	comps = make([]string, 0, strings.Count(path, "/")+1)
	for c := range strings.SplitSeq(path, "/") {
		if c == "" {
			continue
		}
		if len(c) > NameMax {
			return nil, false, false, unix.ENAMETOOLONG
		}
		comps = append(comps, c)
	}
	return comps, abs, trailing, nil
}

// begin returns the starting location for a path.
func (w *walker) begin(abs bool) (Location, error) {
	if !abs {
		return w.start, nil
	}
	if w.opts.resolve&unix.RESOLVE_BENEATH != 0 {
		return Location{}, unix.EXDEV
	}
	return w.root, nil
}

// walk resolves comps from cur. The final component is followed if it is
// a symlink and opts.follow or a trailing slash asks for it.
func (w *walker) walk(cur Location, comps []string) (Location, error) {
	w.visit(cur)
	for len(comps) > 0 {
		name := comps[0]
		comps = comps[1:]
		last := len(comps) == 0
		next, err := w.step(cur, name)
		if err != nil {
			return Location{}, err
		}
		if next.Dentry.typ == unix.S_IFLNK && (!last || w.opts.follow || w.trailingSlash) {
			target, tcomps, slash, err := w.followLink(cur, next)
			if err != nil {
				return Location{}, err
			}
			if last && slash {
				w.trailingSlash = true
			}
			comps = append(tcomps, comps...)
			cur = target
			w.visit(cur)
			continue
		}
		cur = next
		w.visit(cur)
	}
	if w.trailingSlash && cur.Dentry.typ != unix.S_IFDIR {
		return Location{}, unix.ENOTDIR
	}
	return cur, nil
}

// followLink expands the symlink at link (found in directory dir). It
// returns where resolution continues, the target's components and whether
// the target ends with a slash.
func (w *walker) followLink(dir, link Location) (Location, []string, bool, error) {
	if w.opts.resolve&unix.RESOLVE_NO_SYMLINKS != 0 {
		return Location{}, nil, false, unix.ELOOP
	}
	if link.Mount.attr.Load()&unix.MOUNT_ATTR_NOSYMFOLLOW != 0 {
		return Location{}, nil, false, unix.ELOOP
	}
	w.links++
	if w.links > MaxSymlinks {
		return Location{}, nil, false, unix.ELOOP
	}
	if ml, ok := link.Dentry.inode.(MagicLinker); ok {
		w.cacheable = false // where it leads depends on the caller
		if w.opts.resolve&(unix.RESOLVE_NO_MAGICLINKS|unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT) != 0 {
			return Location{}, nil, false, unix.ELOOP
		}
		loc, err := ml.ResolveMagic(w.ctx)
		return loc, nil, false, err
	}
	if _, ok := link.Dentry.inode.(ContextReadlinker); ok {
		w.cacheable = false
	}
	target, err := readlinkOf(w.ctx, link.Dentry.inode)
	if err != nil {
		return Location{}, nil, false, err
	}
	comps, abs, trailing, err := splitPath(target)
	if err != nil {
		return Location{}, nil, false, err
	}
	if abs {
		start, err := w.begin(true)
		return start, comps, trailing, err
	}
	return dir, comps, trailing, nil
}

// step moves from directory cur to its child name ("." and ".." included),
// crossing mounts.
func (w *walker) step(cur Location, name string) (Location, error) {
	if cur.Dentry.typ != unix.S_IFDIR {
		return Location{}, unix.ENOTDIR
	}
	if err := mayAccess(w.ctx, cur, unix.X_OK); err != nil {
		return Location{}, err
	}
	switch name {
	case ".":
		return cur, nil
	case "..":
		return w.dotdot(cur)
	}
	return w.lookup(cur, name)
}

func sameLocation(a, b Location) bool {
	return a.Mount == b.Mount && a.Dentry == b.Dentry
}

func (w *walker) dotdot(cur Location) (Location, error) {
	v := cur.Mount.vfs
	v.treeMu.RLock()
	defer v.treeMu.RUnlock()
	for {
		if sameLocation(cur, w.root) {
			if w.opts.resolve&unix.RESOLVE_BENEATH != 0 {
				return Location{}, unix.EXDEV
			}
			return cur, nil
		}
		if cur.Dentry != cur.Mount.root {
			break
		}
		if cur.Mount.parent == nil {
			return cur, nil
		}
		if w.opts.resolve&unix.RESOLVE_NO_XDEV != 0 {
			return Location{}, unix.EXDEV
		}
		cur = Location{Mount: cur.Mount.parent, Dentry: cur.Mount.point}
	}
	if cur.Dentry.parent == nil {
		return cur, nil
	}
	return Location{Mount: cur.Mount, Dentry: cur.Dentry.parent}, nil
}

// visit notes a location the walk reached: a mount of a filesystem that
// is not PathCacheable makes the walk uncacheable.
func (w *walker) visit(loc Location) {
	if w.cacheable && loc.Mount != w.seen {
		w.seen = loc.Mount
		w.cacheable = cacheableMount(loc.Mount)
	}
}

// identify returns the inode number and type of an inode.
func identify(in Inode) (uint64, uint32, error) {
	if id, ok := in.(Identifier); ok {
		ino, typ := id.Identity()
		return ino, typ, nil
	}
	st, err := in.Stat()
	if err != nil {
		return 0, 0, err
	}
	return st.Ino, st.Type(), nil
}

// lookup finds name in directory cur through the dentry cache and crosses
// any mount stacked on the result.
func (w *walker) lookup(cur Location, name string) (Location, error) {
	child, err := cur.Dentry.inode.Lookup(name)
	if err != nil {
		return Location{}, err
	}
	ino, typ, err := identify(child)
	if err != nil {
		return Location{}, err
	}
	v := cur.Mount.vfs
	v.treeMu.Lock()
	d := cur.Dentry.cachedChild(name)
	if d == nil || d.ino != ino || d.typ != typ {
		if d != nil {
			d.dead = true
			v.paths.namesChanged() // replaced behind the vfs's back
		}
		d = newDentry(cur.Dentry, name, child, ino, typ)
		cur.Dentry.setChild(name, d)
	}
	loc := Location{Mount: cur.Mount, Dentry: d}
	for {
		m := v.mountedAt(loc.Mount, loc.Dentry)
		if m == nil {
			break
		}
		if w.opts.resolve&unix.RESOLVE_NO_XDEV != 0 {
			v.treeMu.Unlock()
			return Location{}, unix.EXDEV
		}
		loc = m.Root()
	}
	v.treeMu.Unlock()
	return loc, nil
}

// resolve resolves path from start to a Location, through the path cache
// when the walk may be cached.
func resolve(ctx *Context, start Location, path string, opts resolveOpts) (Location, error) {
	cache := ctx.pathCache()
	var key pathKey
	var gen uint64
	var now time.Time
	if cache != nil {
		key = pathKey{start: start, root: ctx.Root, path: path, opts: opts}
		if path != "" && path[0] == '/' && opts.resolve&(unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT) == 0 {
			key.start = Location{} // the same walk from any start
		}
		now = time.Now()
		if loc, ok := cache.get(key, now); ok {
			return loc, nil
		}
		gen = cache.gen.Load()
	}
	comps, abs, trailing, err := splitPath(path)
	if err != nil {
		return Location{}, err
	}
	w := newWalker(ctx, start, opts)
	w.trailingSlash = trailing
	cur, err := w.begin(abs)
	if err != nil {
		return Location{}, err
	}
	loc, err := w.walk(cur, comps)
	if err == nil && cache != nil && w.cacheable {
		cache.put(key, loc, gen, now)
	}
	return loc, err
}

// parentResult is the outcome of resolving all but the last component.
type parentResult struct {
	dir      Location
	name     string // "." when the path has no components ("/")
	trailing bool   // the path ended with a slash
	w        *walker
}

// resolveParent resolves every component of path but the last, which it
// returns unresolved. The directory must be a directory (ENOTDIR).
func resolveParent(ctx *Context, start Location, path string, opts resolveOpts) (parentResult, error) {
	comps, abs, trailing, err := splitPath(path)
	if err != nil {
		return parentResult{}, err
	}
	w := newWalker(ctx, start, resolveOpts{follow: true, resolve: opts.resolve})
	cur, err := w.begin(abs)
	if err != nil {
		return parentResult{}, err
	}
	name := "."
	if len(comps) > 0 {
		name = comps[len(comps)-1]
		comps = comps[:len(comps)-1]
	}
	dir, err := w.walk(cur, comps)
	if err != nil {
		return parentResult{}, err
	}
	if dir.Dentry.typ != unix.S_IFDIR {
		return parentResult{}, unix.ENOTDIR
	}
	w.opts.follow = opts.follow
	return parentResult{dir: dir, name: name, trailing: trailing, w: w}, nil
}

// child looks up the final component of a parentResult without following
// it. It returns ENOENT when it does not exist.
func (p parentResult) child() (Location, error) {
	return p.w.step(p.dir, p.name)
}
