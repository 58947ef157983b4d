package oci

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/elfloader/elfloader/images"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// inode is the final state of one file, possibly named by several nodes.
type inode struct {
	hdr     images.Header // Kind, Perm, UID, GID, ModTime, Size, Linkname (symlinks)
	layer   int           // layer whose tar holds the content
	ordinal int           // index of that tar entry within its layer
	srcName string        // cleaned tar name of that entry, checked again in pass 2
	names   []string      // surviving names, sorted; filled by finalize
}

// node is one name in the merged tree.
type node struct {
	children map[string]*node // directories only
	ino      *inode
	touched  int // last layer that wrote this node or anything below it
}

func (n *node) isDir() bool { return n.ino.hdr.Kind == images.KindDir }

// mergedTree is the result of the first pass.
type mergedTree struct {
	root     *node
	dirs     []images.Header
	symlinks []images.Header
	wanted   []map[int]*inode // per layer: tar ordinal → file whose content it holds
	total    int64            // bytes of file content
}

func newDirInode(layer int) *inode {
	return &inode{hdr: images.Header{Kind: images.KindDir, Perm: 0o755}, layer: layer, ordinal: -1}
}

// merger applies layers in order (pass 1).
type merger struct {
	root *node
	log  *slog.Logger
}

type whiteout struct {
	dir    string // directory holding the whiteout
	name   string // hidden name, "" for an opaque marker
	opaque bool
}

func (m *merger) applyLayer(ctx context.Context, store blobStore, layer int, ref *layerRef, progress func(int64)) error {
	ls, err := openLayer(store, ref, true)
	if err != nil {
		return err
	}
	defer ls.Close()
	var whiteouts []whiteout
	lastCount := int64(0)
	for ordinal := 0; ; ordinal++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := ls.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if progress != nil && ls.rawBytes.n-lastCount >= 1<<20 {
			progress(ls.rawBytes.n - lastCount)
			lastCount = ls.rawBytes.n
		}
		wo, err := m.applyEntry(layer, ordinal, hdr)
		if err != nil {
			return fmt.Errorf("layer %s: entry %q: %w", ref.label(), hdr.Name, err)
		}
		if wo != nil {
			whiteouts = append(whiteouts, *wo)
		}
	}
	if err := ls.verify(); err != nil {
		return err
	}
	if progress != nil {
		progress(ls.rawBytes.n - lastCount)
	}
	// Whiteouts hide what lower layers put there, whatever their position
	// in this layer's tar.
	for _, wo := range whiteouts {
		if err := m.applyWhiteout(layer, wo); err != nil {
			return fmt.Errorf("layer %s: whiteout in %q: %w", ref.label(), wo.dir, err)
		}
	}
	return nil
}

// maxEntryName bounds a layer entry's name like PATH_MAX: the image format
// carries no longer names (images/cpio's MaxNameSize includes the NUL),
// and it bounds the depth of the merged tree that hide and finalize walk
// recursively (a PAX name may otherwise be a megabyte of "a/a/a/…").
const maxEntryName = 4095

// cleanEntryName validates a tar name: relative, not climbing out.
func cleanEntryName(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty name")
	}
	if len(name) > maxEntryName {
		return "", fmt.Errorf("name of %d bytes is longer than %d", len(name), maxEntryName)
	}
	clean := path.Clean(name)
	if path.IsAbs(clean) {
		return "", fmt.Errorf("absolute name %q", name)
	}
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("name %q climbs out of the root", name)
	}
	return clean, nil
}

func (m *merger) applyEntry(layer, ordinal int, th *tar.Header) (*whiteout, error) {
	name, err := cleanEntryName(th.Name)
	if err != nil {
		return nil, err
	}
	switch th.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
		return nil, nil
	}
	dir, base := path.Split(name)
	dir = path.Clean(dir) // "" → "."
	if strings.HasPrefix(base, whiteoutPrefix) {
		if base == whiteoutOpaque {
			return &whiteout{dir: dir, opaque: true}, nil
		}
		hidden := strings.TrimPrefix(base, whiteoutPrefix)
		if hidden == "" || hidden == "." || hidden == ".." {
			return nil, fmt.Errorf("malformed whiteout %q", base)
		}
		return &whiteout{dir: dir, name: hidden}, nil
	}
	meta := images.Header{
		Perm: uint32(th.Mode) & 0o7777, UID: uint32(th.Uid), GID: uint32(th.Gid), ModTime: th.ModTime.UTC(),
	}
	if name == "." {
		if th.Typeflag != tar.TypeDir {
			return nil, errors.New("the root must be a directory")
		}
		meta.Kind = images.KindDir
		m.root.ino.hdr = meta
		m.root.ino.layer = layer
		m.root.touched = layer
		return nil, nil
	}
	parent, err := m.walkParents(dir, layer, true)
	if err != nil {
		return nil, err
	}
	existing := parent.children[base]
	var n *node
	switch th.Typeflag {
	case tar.TypeDir:
		meta.Kind = images.KindDir
		if existing != nil && existing.isDir() {
			existing.ino.hdr = meta
			existing.ino.layer = layer
			existing.touched = layer
			return nil, nil
		}
		n = &node{children: make(map[string]*node), ino: &inode{hdr: meta, layer: layer, ordinal: -1}}
	case tar.TypeReg, tar.TypeRegA:
		meta.Kind, meta.Size = images.KindFile, th.Size
		n = &node{ino: &inode{hdr: meta, layer: layer, ordinal: ordinal, srcName: name}}
	case tar.TypeSymlink:
		if th.Linkname == "" {
			return nil, errors.New("symlink without a target")
		}
		meta.Kind, meta.Perm, meta.Linkname = images.KindSymlink, 0o777, th.Linkname
		n = &node{ino: &inode{hdr: meta, layer: layer, ordinal: -1}}
	case tar.TypeLink:
		target, err := m.lookupLiteral(th.Linkname)
		if err != nil {
			return nil, fmt.Errorf("hard link to %q: %w", th.Linkname, err)
		}
		switch target.ino.hdr.Kind {
		case images.KindDir:
			return nil, fmt.Errorf("hard link to directory %q", th.Linkname)
		case images.KindSymlink:
			// A hard link to a symlink: store an equal symlink.
			n = &node{ino: &inode{hdr: target.ino.hdr, layer: layer, ordinal: -1}}
		default:
			n = &node{ino: target.ino}
		}
	default:
		m.log.Warn("skipping layer entry of a kind images do not carry",
			"path", name, "type", string(th.Typeflag))
		if existing != nil {
			delete(parent.children, base)
		}
		return nil, nil
	}
	n.touched = layer
	parent.children[base] = n
	return nil, nil
}

// walkParents returns the directory node at dir, creating missing
// directories when create is set and marking the path touched by layer.
// A component that is a symlink or a file is an error: symlinks are never
// followed while applying layers.
func (m *merger) walkParents(dir string, layer int, create bool) (*node, error) {
	cur := m.root
	if create {
		cur.touched = layer
	}
	if dir == "." {
		return cur, nil
	}
	walked := ""
	for _, part := range strings.Split(dir, "/") {
		walked = path.Join(walked, part)
		child := cur.children[part]
		switch {
		case child == nil && !create:
			return nil, nil
		case child == nil:
			child = &node{children: make(map[string]*node), ino: newDirInode(layer)}
			cur.children[part] = child
		case child.ino.hdr.Kind == images.KindSymlink:
			return nil, fmt.Errorf("parent %q is a symlink (to %q); refusing to write through it", walked, child.ino.hdr.Linkname)
		case !child.isDir():
			return nil, fmt.Errorf("parent %q is not a directory", walked)
		}
		if create {
			child.touched = layer
		}
		cur = child
	}
	return cur, nil
}

// lookupLiteral finds an existing node by name without following symlinks.
func (m *merger) lookupLiteral(name string) (*node, error) {
	clean, err := cleanEntryName(name)
	if err != nil {
		return nil, err
	}
	if clean == "." {
		return m.root, nil
	}
	dir, base := path.Split(clean)
	parent, err := m.walkParents(path.Clean(dir), 0, false)
	if err != nil {
		return nil, err
	}
	if parent == nil || parent.children[base] == nil {
		return nil, errors.New("target does not exist")
	}
	return parent.children[base], nil
}

func (m *merger) applyWhiteout(layer int, wo whiteout) error {
	parent, err := m.walkParents(wo.dir, layer, false)
	if err != nil {
		return err
	}
	if parent == nil {
		return nil // nothing below to hide
	}
	if wo.opaque {
		for name := range parent.children {
			hide(parent, name, layer)
		}
		return nil
	}
	hide(parent, wo.name, layer)
	return nil
}

// hide removes what lower layers put at parent/name, keeping what layer
// itself wrote there or below.
func hide(parent *node, name string, layer int) {
	n := parent.children[name]
	if n == nil {
		return
	}
	if n.touched < layer {
		delete(parent.children, name)
		return
	}
	if n.isDir() {
		for child := range n.children {
			hide(n, child, layer)
		}
	}
}

// finalize lists the surviving tree for the second pass.
func (m *merger) finalize(layers int) *mergedTree {
	t := &mergedTree{root: m.root, wanted: make([]map[int]*inode, layers)}
	rootHdr := m.root.ino.hdr
	rootHdr.Path = "."
	t.dirs = append(t.dirs, rootHdr)
	var visit func(dir string, n *node)
	visit = func(dir string, n *node) {
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			child := n.children[name]
			p := path.Join(dir, name)
			hdr := child.ino.hdr
			hdr.Path = p
			switch hdr.Kind {
			case images.KindDir:
				t.dirs = append(t.dirs, hdr)
				visit(p, child)
			case images.KindSymlink:
				t.symlinks = append(t.symlinks, hdr)
			case images.KindFile:
				ino := child.ino
				if len(ino.names) == 0 {
					if t.wanted[ino.layer] == nil {
						t.wanted[ino.layer] = make(map[int]*inode)
					}
					t.wanted[ino.layer][ino.ordinal] = ino
					t.total += hdr.Size
				}
				ino.names = append(ino.names, p)
			}
		}
	}
	visit(".", m.root)
	return t
}
