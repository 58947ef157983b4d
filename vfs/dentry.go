package vfs

import (
	"weak"
)

// Dentry is a name in the vfs's cache of the directory tree: it links an
// Inode to its parent and its name, which is what ".." and PathOf need.
// Children are cached through weak pointers, so dentries that no Location
// holds are collected. All fields are guarded by VFS.treeMu.
type Dentry struct {
	name     string
	parent   *Dentry // nil for a filesystem root
	inode    Inode
	ino      uint64
	typ      uint32 // S_IFMT bits, fixed for the inode's life
	dead     bool   // unlinked or replaced
	children map[string]weak.Pointer[Dentry]
	pruneAt  int // prune collected children when the map grows past this
}

// Inode returns the dentry's inode.
func (d *Dentry) Inode() Inode { return d.inode }

func newDentry(parent *Dentry, name string, inode Inode, ino uint64, typ uint32) *Dentry {
	return &Dentry{name: name, parent: parent, inode: inode, ino: ino, typ: typ}
}

// cachedChild returns the live cached child called name, if any.
// Caller holds treeMu.
func (d *Dentry) cachedChild(name string) *Dentry {
	if d.children == nil {
		return nil
	}
	wp, ok := d.children[name]
	if !ok {
		return nil
	}
	c := wp.Value()
	if c == nil {
		delete(d.children, name)
	}
	return c
}

// setChild caches c as the child called name. Caller holds treeMu.
func (d *Dentry) setChild(name string, c *Dentry) {
	if d.children == nil {
		d.children = make(map[string]weak.Pointer[Dentry])
	}
	if len(d.children) >= d.pruneAt {
		d.pruneChildren()
		d.pruneAt = 2*len(d.children) + 64
	}
	d.children[name] = weak.Make(c)
}

func (d *Dentry) pruneChildren() {
	for name, wp := range d.children {
		if wp.Value() == nil {
			delete(d.children, name)
		}
	}
}

// dropChild forgets the cached child called name and marks it dead.
// Caller holds treeMu.
func (d *Dentry) dropChild(name string) {
	if c := d.cachedChild(name); c != nil {
		c.dead = true
		delete(d.children, name)
	}
}
