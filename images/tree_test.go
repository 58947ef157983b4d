package images

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// Tree is an in-memory root filesystem built by extracting an image into it
// (Tree is a Sink). The kernel can walk it to populate its ramfs. Paths are
// looked up literally: symlinks are never followed.
type Tree struct {
	root *Node
	// MaxBytes, when positive, bounds the total file content held.
	MaxBytes int64
	bytes    int64
}

// Node is one inode of a Tree. Hard links are the same *Node under several
// names; Nlink counts them.
type Node struct {
	Header   Header           // metadata; Header.Path is the first name seen
	Data     []byte           // file content (KindFile)
	Children map[string]*Node // directory entries (KindDir), keyed by name
	Nlink    int
}

// NewTree returns a tree holding only an empty root directory (mode 0755).
func NewTree() *Tree {
	return &Tree{root: newDirNode(Header{Path: ".", Kind: KindDir, Perm: 0o755})}
}

func newDirNode(h Header) *Node {
	return &Node{Header: h, Children: make(map[string]*Node), Nlink: 1}
}

// Root returns the root directory.
func (t *Tree) Root() *Node { return t.root }

// Lookup returns the node at a clean relative path ("." is the root).
func (t *Tree) Lookup(p string) (*Node, bool) {
	if p == "." {
		return t.root, true
	}
	n := t.root
	for _, name := range strings.Split(p, "/") {
		if n.Children == nil {
			return nil, false
		}
		child, ok := n.Children[name]
		if !ok {
			return nil, false
		}
		n = child
	}
	return n, true
}

// Walk visits every name in the tree in sorted order, parents first.
// A hard-linked node is visited once per name.
func (t *Tree) Walk(fn func(p string, n *Node) error) error {
	if err := fn(".", t.root); err != nil {
		return err
	}
	return walkNode(".", t.root, fn)
}

func walkNode(dir string, n *Node, fn func(string, *Node) error) error {
	names := make([]string, 0, len(n.Children))
	for name := range n.Children {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		child := n.Children[name]
		p := path.Join(dir, name)
		if err := fn(p, child); err != nil {
			return err
		}
		if child.Header.Kind == KindDir {
			if err := walkNode(p, child, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// parent returns the directory that holds p, which must exist.
func (t *Tree) parent(p string) (*Node, string, error) {
	dir, name := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	parent, ok := t.Lookup(dir)
	if !ok {
		return nil, "", fmt.Errorf("parent directory %q does not exist", dir)
	}
	if parent.Header.Kind != KindDir {
		return nil, "", fmt.Errorf("parent %q is a %v, not a directory", dir, parent.Header.Kind)
	}
	return parent, name, nil
}

func (t *Tree) put(hdr Header, n *Node) error {
	parent, name, err := t.parent(hdr.Path)
	if err != nil {
		return err
	}
	if old, ok := parent.Children[name]; ok {
		if old.Header.Kind == KindDir {
			return fmt.Errorf("a directory already exists there")
		}
		old.Nlink--
	}
	parent.Children[name] = n
	n.Nlink++
	return nil
}

// Dir implements Sink.
func (t *Tree) Dir(hdr Header) error {
	if hdr.Path == "." {
		t.root.Header = hdr
		return nil
	}
	if n, ok := t.Lookup(hdr.Path); ok && n.Header.Kind == KindDir {
		n.Header = hdr
		return nil
	}
	n := newDirNode(hdr)
	n.Nlink = 0
	return t.put(hdr, n)
}

// File implements Sink.
func (t *Tree) File(hdr Header, content io.Reader) error {
	if hdr.Size < 0 || hdr.Size > 0 && content == nil {
		return fmt.Errorf("no content for a %d-byte file", hdr.Size)
	}
	if t.MaxBytes > 0 && t.bytes+hdr.Size > t.MaxBytes {
		return fmt.Errorf("tree is over its %d-byte limit", t.MaxBytes)
	}
	// The buffer grows as content arrives: a header may claim more bytes
	// than its archive holds.
	var data bytes.Buffer
	if hdr.Size > 0 {
		if _, err := io.CopyN(&data, content, hdr.Size); err != nil {
			return fmt.Errorf("read content: %w", err)
		}
	}
	t.bytes += hdr.Size
	return t.put(hdr, &Node{Header: hdr, Data: data.Bytes()})
}

// Symlink implements Sink.
func (t *Tree) Symlink(hdr Header, target string) error {
	hdr.Linkname = target
	return t.put(hdr, &Node{Header: hdr})
}

// Hardlink implements Sink.
func (t *Tree) Hardlink(hdr Header, target string) error {
	n, ok := t.Lookup(target)
	if !ok {
		return fmt.Errorf("hard link target %q does not exist", target)
	}
	if n.Header.Kind == KindDir {
		return fmt.Errorf("hard link target %q is a directory", target)
	}
	return t.put(hdr, n)
}
