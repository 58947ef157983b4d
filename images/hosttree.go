package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"
)

// HostTree is a FileSource of chosen host files placed at the same or
// another path, plus generated files. Symlinks met on the way (in the file
// itself or in its parent directories) are kept as symlinks, and their
// targets are added too.
type HostTree struct {
	squash  bool
	entries map[string]*hostEntry // by clean relative path
}

type hostEntry struct {
	kind     Kind
	host     string // file or directory whose metadata (and content) is used
	data     []byte // generated content when host is ""
	perm     uint32
	linkname string
}

func NewHostTree(squash bool) *HostTree {
	return &HostTree{squash: squash, entries: map[string]*hostEntry{}}
}

// AddPath adds the host file at abs at the same path, resolving symlinks
// component by component as the kernel would, so that every link on the
// way is part of the tree.
func (t *HostTree) AddPath(abs string) error {
	const maxLinks = 40
	links := 0
	todo := strings.Split(strings.Trim(path.Clean(abs), "/"), "/")
	cur := "/"
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		st, err := os.Lstat(next)
		if err != nil {
			return err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			if links++; links > maxLinks {
				return fmt.Errorf("%s: too many levels of symbolic links", abs)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return err
			}
			t.entries[strings.TrimPrefix(next, "/")] = &hostEntry{kind: KindSymlink, host: next, linkname: target}
			if path.IsAbs(target) {
				cur = "/"
			}
			todo = append(strings.Split(target, "/"), todo...)
		case st.IsDir():
			if len(todo) == 0 {
				return fmt.Errorf("%s: is a directory", abs)
			}
			cur = next
		case st.Mode().IsRegular():
			if len(todo) > 0 {
				return fmt.Errorf("%s: %s is not a directory", abs, next)
			}
			t.addParents(next)
			t.entries[strings.TrimPrefix(next, "/")] = &hostEntry{kind: KindFile, host: next}
			return nil
		default:
			return fmt.Errorf("%s: not a regular file", next)
		}
	}
	return fmt.Errorf("%s: is a directory", abs)
}

// AddAs adds the host regular file (or symlink, kept as is) at host under
// the image path guest.
func (t *HostTree) AddAs(host, guest string) error {
	st, err := os.Lstat(host)
	if err != nil {
		return err
	}
	rel := strings.TrimPrefix(path.Clean(guest), "/")
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(host)
		if err != nil {
			return err
		}
		t.entries[rel] = &hostEntry{kind: KindSymlink, host: host, linkname: target}
	case st.Mode().IsRegular():
		t.entries[rel] = &hostEntry{kind: KindFile, host: host}
	default:
		return errors.New("not a regular file, symlink or directory")
	}
	return nil
}

// addParents adds the real directories above the host path p.
func (t *HostTree) addParents(p string) {
	for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
		rel := strings.TrimPrefix(dir, "/")
		if _, ok := t.entries[rel]; ok {
			continue
		}
		t.entries[rel] = &hostEntry{kind: KindDir, host: dir}
	}
}

// AddSystemFiles adds what most programs expect: /etc/passwd, /etc/group,
// /etc/hosts, /etc/nsswitch.conf, /etc/resolv.conf (the host's when
// readable) and /tmp.
func (t *HostTree) AddSystemFiles() {
	gen := func(rel, content string) {
		if _, ok := t.entries[rel]; !ok {
			t.entries[rel] = &hostEntry{kind: KindFile, data: []byte(content), perm: 0o644}
		}
	}
	if _, ok := t.entries["etc"]; !ok {
		t.entries["etc"] = &hostEntry{kind: KindDir, perm: 0o755}
	}
	gen("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
	gen("etc/group", "root:x:0:\nnogroup:x:65534:\n")
	gen("etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	gen("etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n")
	resolv := "nameserver 127.0.0.1\n"
	if data, err := os.ReadFile("/etc/resolv.conf"); err == nil && len(data) < 64<<10 {
		resolv = string(data)
	}
	gen("etc/resolv.conf", resolv)
	if _, ok := t.entries["tmp"]; !ok {
		t.entries["tmp"] = &hostEntry{kind: KindDir, perm: 0o1777}
	}
	if _, ok := t.entries["root"]; !ok {
		t.entries["root"] = &hostEntry{kind: KindDir, perm: 0o700}
	}
}

// ContentSize implements Sizer.
func (t *HostTree) ContentSize(ctx context.Context) (int64, error) {
	var n int64
	for _, e := range t.entries {
		if e.kind != KindFile {
			continue
		}
		if e.host == "" {
			n += int64(len(e.data))
		} else if st, err := os.Stat(e.host); err == nil {
			n += st.Size()
		}
	}
	return n, nil
}

// Walk implements FileSource: the root, directories, symlinks, then
// files, each group sorted.
func (t *HostTree) Walk(ctx context.Context, fn WalkFunc) error {
	now := time.Now().Truncate(time.Second)
	if err := fn(Header{Path: ".", Kind: KindDir, Perm: 0o755, ModTime: now}, nil); err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(t.entries))
	for _, kind := range []Kind{KindDir, KindSymlink, KindFile} {
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			e := t.entries[name]
			if e.kind != kind {
				continue
			}
			if err := t.emit(name, e, now, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *HostTree) emit(name string, e *hostEntry, now time.Time, fn WalkFunc) error {
	hdr := Header{Path: name, Kind: e.kind, Perm: e.perm, ModTime: now, Linkname: e.linkname}
	if e.host == "" {
		if e.kind != KindFile {
			return fn(hdr, nil)
		}
		hdr.Size = int64(len(e.data))
		return fn(hdr, strings.NewReader(string(e.data)))
	}
	var f *os.File
	var st os.FileInfo
	var err error
	if e.kind == KindFile {
		if f, err = os.Open(e.host); err != nil {
			return err
		}
		defer f.Close()
		st, err = f.Stat()
	} else {
		st, err = os.Lstat(e.host)
	}
	if err != nil {
		return err
	}
	hdr.Perm = linuxPerm(st.Mode())
	hdr.ModTime = st.ModTime()
	if !t.squash {
		hdr.UID, hdr.GID = fileOwner(st)
	}
	if e.kind != KindFile {
		return fn(hdr, nil)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", e.host)
	}
	hdr.Size = st.Size()
	r := &exactReader{r: io.LimitReader(f, hdr.Size), left: hdr.Size, name: e.host}
	return fn(hdr, r)
}

// exactReader fails when its file turns out shorter than announced.
type exactReader struct {
	r    io.Reader
	left int64
	name string
}

func (r *exactReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if err == io.EOF && r.left > 0 {
		return n, fmt.Errorf("%s: file shrank while it was packed", r.name)
	}
	return n, err
}

// fileOwner returns the owner of a host file.
func fileOwner(st os.FileInfo) (uid, gid uint32) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Uid, sys.Gid
	}
	return 0, 0
}
