package landlock

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// ABI is the Landlock ABI version served (LANDLOCK_CREATE_RULESET_VERSION).
const ABI = 6

// Errata is LANDLOCK_CREATE_RULESET_ERRATA's answer: the fixed issues
// that apply to this implementation. Erratum 1 (only TCP sockets are
// subject to the TCP rights) and erratum 2 (a process may always signal
// its own threads) hold; erratum 3 is about Linux's disconnected
// directories, which elfloader's dentry walk does not have, and is not
// claimed.
const Errata = 1<<0 | 1<<1

// The rights and scopes of ABI 6.
const (
	MaskFS    = uint64(1)<<16 - 1 // EXECUTE … IOCTL_DEV
	MaskNet   = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
	MaskScope = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL

	// fileAccess are the rights that make sense on a file that is not a
	// directory (a path-beneath rule on a file takes only these).
	fileAccess = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

	// MaxLayers is how many rulesets a domain stacks (E2BIG beyond).
	MaxLayers = 16
)

// Ruleset is a ruleset under construction (a landlock-ruleset descriptor).
type Ruleset struct {
	handledFS, handledNet, scoped uint64

	mu    sync.Mutex
	fs    map[vfs.ObjectKey]uint64
	ports map[uint16]uint64
}

// NewRuleset validates the handled rights (EINVAL for unknown bits,
// ENOMSG when nothing is handled) and makes an empty ruleset.
func NewRuleset(fs, net, scoped uint64) (*Ruleset, error) {
	if fs&^MaskFS != 0 || net&^MaskNet != 0 || scoped&^MaskScope != 0 {
		return nil, unix.EINVAL
	}
	if fs == 0 && net == 0 && scoped == 0 {
		return nil, unix.ENOMSG
	}
	return &Ruleset{handledFS: fs, handledNet: net, scoped: scoped,
		fs: map[vfs.ObjectKey]uint64{}, ports: map[uint16]uint64{}}, nil
}

// AddPathBeneath grants access beneath the directory (or to the file) at
// loc: ENOMSG for an empty grant, EINVAL for rights the ruleset does not
// handle or directory rights on a file. Rules on one inode add up.
func (r *Ruleset) AddPathBeneath(loc vfs.Location, access uint64) error {
	if access == 0 {
		return unix.ENOMSG
	}
	if access|r.handledFS != r.handledFS {
		return unix.EINVAL
	}
	if !loc.IsDir() && access&^fileAccess != 0 {
		return unix.EINVAL
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fs[loc.Object()] |= access
	return nil
}

// AddNetPort grants access on a TCP port: ENOMSG for an empty grant,
// EINVAL for rights not handled or a port above 65535.
func (r *Ruleset) AddNetPort(port, access uint64) error {
	if access == 0 {
		return unix.ENOMSG
	}
	if access|r.handledNet != r.handledNet || port > 0xffff {
		return unix.EINVAL
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ports[uint16(port)] |= access
	return nil
}

// layer is a frozen ruleset in a domain. Its identity (the pointer) is
// what the scopes compare: two domains share a layer when one descends
// from the other.
type layer struct {
	handledFS, handledNet, scoped uint64
	fs                            map[vfs.ObjectKey]uint64
	ports                         map[uint16]uint64
}

// Domain is a process's stack of layers, innermost last. It is never
// changed once made; nil is no domain.
type Domain struct {
	layers []*layer
}

// Restrict returns d with r frozen on top as a new layer (d may be nil);
// E2BIG past MaxLayers.
func (d *Domain) Restrict(r *Ruleset) (*Domain, error) {
	var layers []*layer
	if d != nil {
		layers = d.layers
	}
	if len(layers) >= MaxLayers {
		return nil, unix.E2BIG
	}
	r.mu.Lock()
	l := &layer{
		// REFER is handled by every layer (Linux's
		// _LANDLOCK_ACCESS_FS_INITIALLY_DENIED): reparenting is refused
		// unless a rule allows it, even for ABI 1 rulesets.
		handledFS:  r.handledFS | unix.LANDLOCK_ACCESS_FS_REFER,
		handledNet: r.handledNet,
		scoped:     r.scoped,
		fs:         make(map[vfs.ObjectKey]uint64, len(r.fs)),
		ports:      make(map[uint16]uint64, len(r.ports)),
	}
	for k, v := range r.fs {
		l.fs[k] = v
	}
	for k, v := range r.ports {
		l.ports[k] = v
	}
	r.mu.Unlock()
	n := &Domain{layers: make([]*layer, 0, len(layers)+1)}
	n.layers = append(append(n.layers, layers...), l)
	return n, nil
}

// Layers is the number of layers (0 for nil).
func (d *Domain) Layers() int {
	if d == nil {
		return 0
	}
	return len(d.layers)
}

// masks returns, per layer, the rights among access that the layer
// handles and no rule on loc or its ancestors grants.
func (d *Domain) masks(loc vfs.Location, access uint64) [MaxLayers]uint64 {
	var m [MaxLayers]uint64
	pending := 0
	for i, l := range d.layers {
		if m[i] = access & l.handledFS; m[i] != 0 {
			pending++
		}
	}
	if pending == 0 {
		return m
	}
	loc.Ancestors(func(k vfs.ObjectKey) bool {
		for i, l := range d.layers {
			if m[i] == 0 {
				continue
			}
			if g, ok := l.fs[k]; ok && g&m[i] != 0 {
				if m[i] &^= g; m[i] == 0 {
					pending--
				}
			}
		}
		return pending > 0
	})
	return m
}

// own returns, per layer, the handled rights (all of them) that the rule
// on loc itself, if any, does not grant.
func (d *Domain) own(loc vfs.Location) [MaxLayers]uint64 {
	var m [MaxLayers]uint64
	k := loc.Object()
	for i, l := range d.layers {
		m[i] = l.handledFS &^ l.fs[k]
	}
	return m
}

// Denied implements vfs.Guard.
func (d *Domain) Denied(loc vfs.Location, access uint64) uint64 {
	m := d.masks(loc, access)
	var denied uint64
	for i := range d.layers {
		denied |= m[i]
	}
	return denied
}

// typeOf is the S_IFMT type of loc.
func typeOf(loc vfs.Location) uint32 {
	st, err := loc.Stat()
	if err != nil {
		return unix.S_IFREG
	}
	return st.Mode & unix.S_IFMT
}

// removeAccess is the right that removing loc needs in its directory.
func removeAccess(loc vfs.Location) uint64 {
	if loc.IsDir() {
		return unix.LANDLOCK_ACCESS_FS_REMOVE_DIR
	}
	return unix.LANDLOCK_ACCESS_FS_REMOVE_FILE
}

// CheckRefer implements vfs.Guard, as Linux's current_check_refer_path:
// within one directory a link needs MAKE_* and a rename also REMOVE_*
// there (EACCES). Across directories both sides also need REFER, and the
// file may not gain at the destination any right that a layer denies it at
// the source (both ways for RENAME_EXCHANGE); a missing MAKE_* or REMOVE_*
// answers EACCES, a refused reparenting EXDEV.
func (d *Domain) CheckRefer(r vfs.ReferRequest) error {
	var req1, req2 uint64
	if r.Exchange && r.New.Valid() {
		req1 = vfs.MakeAccess(typeOf(r.New))
	}
	req2 = vfs.MakeAccess(typeOf(r.Old))
	if r.Removable {
		req1 |= removeAccess(r.Old)
		if r.New.Valid() {
			req2 |= removeAccess(r.New)
		}
	}
	if r.OldDir == r.NewDir {
		if d.Denied(r.NewDir, req1|req2) != 0 {
			return unix.EACCES
		}
		return nil
	}
	req1 |= unix.LANDLOCK_ACCESS_FS_REFER
	req2 |= unix.LANDLOCK_ACCESS_FS_REFER
	p1 := d.masks(r.OldDir, MaskFS)
	p2 := d.masks(r.NewDir, MaskFS)
	c1 := d.own(r.Old)
	f1 := MaskFS
	if !r.Old.IsDir() {
		f1 = fileAccess
	}
	var c2 [MaxLayers]uint64
	f2 := MaskFS
	if r.Exchange && r.New.Valid() {
		c2 = d.own(r.New)
		if !r.New.IsDir() {
			f2 = fileAccess
		}
	}
	noMore, denied1, denied2 := true, uint64(0), uint64(0)
	for i := range d.layers {
		// restrictions(destination) ⊇ restrictions(source, with the
		// file's own rule): the move gives no layer's right away.
		if p1[i]&c1[i]&f1&^p2[i] != 0 {
			noMore = false
		}
		if r.Exchange && p2[i]&c2[i]&f2&^p1[i] != 0 {
			noMore = false
		}
		denied1 |= p1[i] & req1
		denied2 |= p2[i] & req2
	}
	if noMore && denied1 == 0 && denied2 == 0 {
		return nil
	}
	if (denied1|denied2)&^unix.LANDLOCK_ACCESS_FS_REFER != 0 {
		return unix.EACCES // EACCES takes precedence over EXDEV
	}
	return unix.EXDEV
}

// CheckNet answers EACCES when a layer handles access (BIND_TCP or
// CONNECT_TCP) and has no rule granting it on port.
func (d *Domain) CheckNet(port uint16, access uint64) error {
	if d == nil {
		return nil
	}
	for _, l := range d.layers {
		if need := access & l.handledNet; need&^l.ports[port] != 0 {
			return unix.EACCES
		}
	}
	return nil
}

// Scoped reports whether client's domain forbids reaching a process (or a
// socket made by one) in server's domain for scope (Linux's
// domain_is_scoped): a layer of the client that has the scope must also be
// a layer of the server, at the same depth, i.e. the server is in the same
// domain or one nested in it.
func Scoped(client, server *Domain, scope uint64) bool {
	if client == nil {
		return false
	}
	for i := len(client.layers) - 1; i >= 0; i-- {
		if client.layers[i].scoped&scope == 0 {
			continue
		}
		return server == nil || i >= len(server.layers) || server.layers[i] != client.layers[i]
	}
	return false
}

// HandledFS is the filesystem rights the ruleset handles.
func (r *Ruleset) HandledFS() uint64 { return r.handledFS }
