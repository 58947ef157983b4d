package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Directory notification (dnotify, fcntl(2)'s F_NOTIFY): an open
// directory asks to hear about changes to its entries. Each (open file,
// owner) pair, the owner being the descriptor table that asked (Linux's
// current->files), keeps one registration whose mask grows with each
// request; a matching event fires it, and a registration without
// DN_MULTISHOT is dropped once fired. The events are those of the
// directory's entries (accesses, changes and attribute changes of its
// files, names created, removed and renamed) and of the directory itself
// (a chmod of it is DN_ATTRIB), as Linux reports them.

// The DN_* bits of F_NOTIFY's argument (<linux/fcntl.h>).
const (
	DNAccess    = 0x1
	DNModify    = 0x2
	DNCreate    = 0x4
	DNDelete    = 0x8
	DNRename    = 0x10
	DNAttrib    = 0x20
	DNMultishot = 0x80000000
)

// dnotifyEvents are the DN_* events an inotify-style event mask is, one
// entry per event Linux raises (convert_arg read the other way): a name
// moved out of the directory is two, FS_RENAME (DN_RENAME, reported to
// the old directory of every rename) and FS_MOVED_FROM (DN_DELETE).
func dnotifyEvents(mask uint32) []uint32 {
	switch {
	case mask&unix.IN_ACCESS != 0:
		return []uint32{DNAccess}
	case mask&unix.IN_MODIFY != 0:
		return []uint32{DNModify}
	case mask&unix.IN_ATTRIB != 0:
		return []uint32{DNAttrib}
	case mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0:
		return []uint32{DNCreate}
	case mask&unix.IN_DELETE != 0:
		return []uint32{DNDelete}
	case mask&unix.IN_MOVED_FROM != 0:
		return []uint32{DNRename, DNDelete}
	}
	return nil
}

// dnotifyState is a File's registrations, by owner.
type dnotifyState struct {
	mu   sync.Mutex
	regs map[any]*dirNotify
}

// dirNotify is one registration: a watch on the directory's inode.
type dirNotify struct {
	f     *File
	owner any
	key   WatchKey

	mu   sync.Mutex
	mask uint32 // DN_* bits, DNMultishot included
	fire func()
	gone bool
}

// Event implements Watcher.
func (d *dirNotify) Event(mask, cookie uint32, name string) {
	for _, ev := range dnotifyEvents(mask) {
		d.mu.Lock()
		if d.gone || d.mask&ev == 0 {
			d.mu.Unlock()
			continue
		}
		fire, once := d.fire, d.mask&DNMultishot == 0
		d.mu.Unlock()
		if once {
			d.f.dropDirNotify(d.owner, d)
		}
		fire()
	}
}

// SetDirNotify serves F_NOTIFY for owner: arg without any event bit drops
// owner's registration; otherwise the file must be a directory (ENOTDIR)
// and arg's bits join the registration, which calls fire (replacing the
// previous function: it names the latest descriptor) for each matching
// event.
func (f *File) SetDirNotify(owner any, arg uint32, fire func()) error {
	if arg&^DNMultishot == 0 {
		f.DropDirNotify(owner)
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Type() != unix.S_IFDIR || !f.loc.Valid() {
		return unix.ENOTDIR
	}
	f.dn.mu.Lock()
	defer f.dn.mu.Unlock()
	if d := f.dn.regs[owner]; d != nil {
		d.mu.Lock()
		d.mask |= arg
		d.fire = fire
		d.mu.Unlock()
		return nil
	}
	d := &dirNotify{f: f, owner: owner, mask: arg, fire: fire}
	d.key = f.loc.AddWatch(d)
	if f.dn.regs == nil {
		f.dn.regs = make(map[any]*dirNotify)
	}
	f.dn.regs[owner] = d
	return nil
}

// DropDirNotify removes owner's registration on the file, if any (F_NOTIFY
// with no event bit, and every close of a descriptor of the file by that
// owner, as Linux's dnotify_flush).
func (f *File) DropDirNotify(owner any) {
	f.dropDirNotify(owner, nil)
}

// dropDirNotify removes owner's registration; when only is not nil (a
// one-shot registration that fired), only if it is still that one.
func (f *File) dropDirNotify(owner any, only *dirNotify) {
	f.dn.mu.Lock()
	d := f.dn.regs[owner]
	if d == nil || only != nil && d != only {
		f.dn.mu.Unlock()
		return
	}
	delete(f.dn.regs, owner)
	f.dn.mu.Unlock()
	d.mu.Lock()
	d.gone = true
	d.mu.Unlock()
	f.loc.RemoveWatch(d.key, d)
}
