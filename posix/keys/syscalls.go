package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_ADD_KEY, shim.Full, "key types user, logon and keyring (others ENODEV, as a kernel built without them); creates or updates in the target keyring", sysAddKey)
	tb.Register(unix.SYS_REQUEST_KEY, shim.Partial, "searches the thread, process and session keyrings; never runs /sbin/request-key: a key not found is ENOKEY even with callout information", sysRequestKey)
	tb.Register(unix.SYS_KEYCTL, shim.Partial, "all keyring operations (ids, sessions, update, revoke, invalidate, chown, setperm, describe, clear, link, unlink, move, search, read, timeouts, security, session to parent, persistent, capabilities); not DH_COMPUTE, PKEY_*, RESTRICT_KEYRING, WATCH_KEY (EOPNOTSUPP); INSTANTIATE, NEGATE, REJECT, ASSUME_AUTHORITY only as a task without a request_key authorisation (no upcalls); SESSION_TO_PARENT takes effect at once and is EPERM for the first process (its parent is not elfloader's)", sysKeyctl)
}

// Limits of security/keys.
const (
	maxDesc       = 4096      // KEY_MAX_DESC_SIZE, with the NUL
	maxTypeName   = 32        // type names are shorter
	maxAddPayload = 1<<20 - 1 // add_key
	maxUpdate     = 4096      // KEYCTL_UPDATE (PAGE_SIZE)
	maxUserData   = 32767     // user and logon payloads
)

// readType is key_get_type_from_user.
func readType(t *kernel.Task, addr uint64) (string, error) {
	s, err := t.CopyInString(addr, maxTypeName)
	if errors.Is(err, unix.ENAMETOOLONG) || err == nil && s == "" {
		return "", unix.EINVAL
	}
	if err != nil {
		return "", err
	}
	if s[0] == '.' {
		return "", unix.EPERM
	}
	return s, nil
}

// readString is strndup_user: EINVAL when no NUL comes within max bytes.
func readString(t *kernel.Task, addr uint64, max int) (string, error) {
	s, err := t.CopyInString(addr, max)
	if errors.Is(err, unix.ENAMETOOLONG) {
		return "", unix.EINVAL
	}
	return s, err
}

func readPayload(t *kernel.Task, addr, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	b := make([]byte, n)
	if err := t.CopyIn(addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

// preparse is the key type's payload check.
func preparse(kt *keyType, payload []byte) error {
	if kt == typeKeyring {
		if len(payload) != 0 {
			return unix.EINVAL
		}
		return nil
	}
	if len(payload) == 0 || len(payload) > maxUserData {
		return unix.EINVAL
	}
	return nil
}

// vetDescription is the logon type's rule: "service:name".
func vetDescription(kt *keyType, desc string) error {
	if kt == typeLogon {
		if i := strings.IndexByte(desc, ':'); i <= 0 {
			return unix.EINVAL
		}
	}
	return nil
}

// linkInto is key_link: k into keyring r, refusing a cycle.
func linkInto(r, k *key) error {
	if r.typ != typeKeyring {
		return unix.ENOTDIR
	}
	if k.typ == typeKeyring && k.reaches(r, 0) {
		return unix.EDEADLK
	}
	r.link(k)
	return nil
}

// real is the caller with its real ids as the fs ids: the kernel's own
// keyrings (thread, process, session) belong to the real uid and gid.
func (c caller) real() caller {
	c.creds.FSUID, c.creds.FSGID = c.creds.RUID, c.creds.RGID
	return c
}

func sysAddKey(t *kernel.Task, a shim.Args) (uint64, error) {
	plen := a[3]
	if plen > maxAddPayload {
		return 0, unix.EINVAL
	}
	typ, err := readType(t, a[0])
	if err != nil {
		return 0, err
	}
	var desc string
	if a[1] != 0 {
		if desc, err = readString(t, a[1], maxDesc); err != nil {
			return 0, err
		}
		if desc != "" && desc[0] == '.' && strings.HasPrefix(typ, "keyring") {
			return 0, unix.EPERM
		}
	}
	payload, err := readPayload(t, a[2], plen)
	if err != nil {
		return 0, err
	}
	s := keyState(t)
	s.maybeCollect(t.Kernel(), false)
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	ring, ringPoss, err := s.lookup(t, c, int32(a[4]), lookupCreate, needWrite)
	if err != nil {
		return 0, err
	}
	kt := lookupType(typ)
	if kt == nil {
		return 0, unix.ENODEV
	}
	if ring.typ != typeKeyring {
		return 0, unix.ENOTDIR
	}
	if err := preparse(kt, payload); err != nil {
		return 0, err
	}
	if desc == "" {
		return 0, unix.EINVAL
	}
	if kt.update {
		if _, old := ring.find(kt, desc); old != nil && !old.revoked && !old.invalid {
			if !c.permits(old, ringPoss, needWrite) {
				return 0, unix.EACCES
			}
			if err := s.resize(old, payload); err != nil {
				return 0, err
			}
			old.payload, old.expiry = payload, 0
			return uint64(old.serial), nil
		}
	}
	if err := vetDescription(kt, desc); err != nil {
		return 0, err
	}
	perm := uint32(linux.KEY_POS_VIEW | linux.KEY_POS_SEARCH | linux.KEY_POS_LINK | linux.KEY_POS_SETATTR | linux.KEY_USR_VIEW)
	if kt.read {
		perm |= linux.KEY_POS_READ
	}
	if kt == typeKeyring || kt.update {
		perm |= linux.KEY_POS_WRITE
	}
	k, err := s.alloc(c, kt, desc, perm, payload, true)
	if err != nil {
		return 0, err
	}
	ring.link(k)
	return uint64(k.serial), nil
}

func sysRequestKey(t *kernel.Task, a shim.Args) (uint64, error) {
	typ, err := readType(t, a[0])
	if err != nil {
		return 0, err
	}
	desc, err := readString(t, a[1], maxDesc)
	if err != nil {
		return 0, err
	}
	if a[2] != 0 {
		// The callout information would go to /sbin/request-key,
		// which is never run; it is read for its errors only.
		if _, err := readString(t, a[2], 4096); err != nil {
			return 0, err
		}
	}
	s := keyState(t)
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	var dest *key
	if id := int32(a[3]); id != 0 {
		if dest, _, err = s.lookup(t, c, id, lookupCreate, needWrite); err != nil {
			return 0, err
		}
	}
	kt := lookupType(typ)
	if kt == nil {
		return 0, unix.ENOKEY
	}
	sc := &search{c: c, possessed: true, typ: kt, desc: desc, state: true, skipExp: true, now: now()}
	k, err := s.searchProcess(t, sc)
	if err == unix.EAGAIN {
		return 0, unix.ENOKEY
	}
	if err != nil {
		return 0, err
	}
	if dest != nil {
		if !c.permits(k, true, needLink) {
			return 0, unix.EACCES
		}
		if err := linkInto(dest, k); err != nil {
			return 0, err
		}
	}
	return uint64(k.serial), nil
}

func sysKeyctl(t *kernel.Task, a shim.Args) (uint64, error) {
	s := keyState(t)
	op := a.Int(0)
	switch op {
	case unix.KEYCTL_JOIN_SESSION_KEYRING:
		return s.joinSession(t, a)
	case unix.KEYCTL_UPDATE:
		return s.update(t, a)
	case unix.KEYCTL_SEARCH:
		return s.searchOp(t, a)
	case unix.KEYCTL_CAPABILITIES:
		return capabilities(t, a)
	case unix.KEYCTL_INSTANTIATE, unix.KEYCTL_INSTANTIATE_IOV:
		if op == unix.KEYCTL_INSTANTIATE && a[3] > maxAddPayload {
			return 0, unix.EINVAL
		}
		return 0, unix.EPERM // no authorisation key is ever assumed
	case unix.KEYCTL_NEGATE, unix.KEYCTL_REJECT:
		if op == unix.KEYCTL_REJECT {
			if e := uint32(a[3]); e == 0 || e >= 4096 || e == 512 || e == 513 || e == 514 || e == 516 {
				return 0, unix.EINVAL
			}
		}
		return 0, unix.EPERM
	case unix.KEYCTL_ASSUME_AUTHORITY:
		switch id := a.Int(1); {
		case id < 0:
			return 0, unix.EINVAL
		case id == 0:
			return 0, nil
		}
		return 0, unix.ENOKEY
	}
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	id := int32(a[1])
	switch op {
	case unix.KEYCTL_GET_KEYRING_ID:
		flags := 0
		if a[2] != 0 {
			flags = lookupCreate
		}
		k, _, err := s.lookup(t, c, id, flags, needSearch)
		if err != nil {
			return 0, err
		}
		return uint64(k.serial), nil
	case unix.KEYCTL_REVOKE:
		k, _, err := s.lookup(t, c, id, 0, needWrite)
		if err == unix.EACCES {
			k, _, err = s.lookup(t, c, id, 0, needSetattr)
		}
		if err != nil {
			return 0, err
		}
		k.revoked = true
		if k.typ == typeKeyring {
			k.links = nil // a revoked keyring is cleared
		}
		return 0, nil
	case unix.KEYCTL_INVALIDATE:
		k, _, err := s.lookup(t, c, id, 0, needSearch)
		if err != nil {
			return 0, err
		}
		s.invalidate(k)
		return 0, nil
	case unix.KEYCTL_CHOWN:
		return s.chown(t, c, id, uint32(a[2]), uint32(a[3]))
	case unix.KEYCTL_SETPERM:
		perm := uint32(a[2])
		if perm&^(linux.KEY_POS_ALL|linux.KEY_USR_ALL|linux.KEY_GRP_ALL|linux.KEY_OTH_ALL) != 0 {
			return 0, unix.EINVAL
		}
		k, _, err := s.lookup(t, c, id, lookupCreate|lookupPartial, needSetattr)
		if err != nil {
			return 0, err
		}
		if k.uid != c.creds.FSUID && !c.creds.HasCap(kernel.CapSysAdmin) {
			return 0, unix.EACCES
		}
		k.perm = perm
		return 0, nil
	case unix.KEYCTL_DESCRIBE:
		k, _, err := s.lookup(t, c, id, lookupPartial, needView)
		if err != nil {
			return 0, err
		}
		gid := int64(int32(k.gid))
		if k.gid == noGID {
			gid = overflowGID
		}
		info := fmt.Sprintf("%s;%d;%d;%08x;%s\x00", k.typ.name, int32(k.uid), gid, k.perm, k.desc)
		if a[2] != 0 && uint64(uint32(a[3])) >= uint64(len(info)) { // buflen is an unsigned int
			if err := t.CopyOut(a[2], []byte(info)); err != nil {
				return 0, err
			}
		}
		return uint64(len(info)), nil
	case unix.KEYCTL_GET_SECURITY:
		if _, _, err := s.lookup(t, c, id, lookupPartial, needView); err != nil {
			return 0, err
		}
		// No security module labels keys: the label is "".
		if a[2] != 0 && a[3] > 0 {
			if err := t.CopyOut(a[2], []byte{0}); err != nil {
				return 0, err
			}
		}
		return 1, nil
	case unix.KEYCTL_CLEAR:
		r, _, err := s.lookup(t, c, id, lookupCreate, needWrite)
		if err != nil {
			return 0, err
		}
		if r.typ != typeKeyring {
			return 0, unix.ENOTDIR
		}
		r.links = nil
		return 0, nil
	case unix.KEYCTL_LINK:
		r, _, err := s.lookup(t, c, int32(a[2]), lookupCreate, needWrite)
		if err != nil {
			return 0, err
		}
		k, _, err := s.lookup(t, c, id, lookupCreate, needLink)
		if err != nil {
			return 0, err
		}
		return 0, linkInto(r, k)
	case unix.KEYCTL_UNLINK:
		r, _, err := s.lookup(t, c, int32(a[2]), 0, needWrite)
		if err != nil {
			return 0, err
		}
		k, _, err := s.lookup(t, c, id, lookupPartial, needNone)
		if err != nil {
			return 0, err
		}
		if r.typ != typeKeyring {
			return 0, unix.ENOTDIR
		}
		if !r.unlink(k) {
			return 0, unix.ENOENT
		}
		return 0, nil
	case unix.KEYCTL_MOVE:
		return s.move(t, c, id, int32(a[2]), int32(a[3]), a[4])
	case unix.KEYCTL_READ:
		return s.read(t, c, id, a[2], a[3])
	case unix.KEYCTL_SET_TIMEOUT:
		k, _, err := s.lookup(t, c, id, lookupCreate|lookupPartial, needSetattr)
		if err != nil {
			return 0, err
		}
		k.expiry = 0
		if timeout := uint32(a[2]); timeout != 0 {
			k.expiry = now() + int64(timeout)
		}
		return 0, nil
	case unix.KEYCTL_SET_REQKEY_KEYRING:
		return s.setReqkey(t, c, a.Int(1))
	case unix.KEYCTL_SESSION_TO_PARENT:
		return s.sessionToParent(t, c)
	case unix.KEYCTL_GET_PERSISTENT:
		return s.persistentRing(t, c, uint32(a[1]), int32(a[2]))
	}
	// DH_COMPUTE, PKEY_*, RESTRICT_KEYRING, WATCH_KEY and unknown
	// operations.
	return 0, unix.EOPNOTSUPP
}

// invalidate makes k unusable at once and takes it out of every keyring
// (Linux's garbage collector does that straight after an invalidation).
func (s *state) invalidate(k *key) {
	k.invalid = true
	for _, r := range s.keys {
		if r.typ == typeKeyring {
			for r.unlink(k) {
			}
		}
	}
	s.forget(k)
	delete(s.keys, k.serial)
}

func (s *state) joinSession(t *kernel.Task, a shim.Args) (uint64, error) {
	var name string
	named := a[1] != 0
	if named {
		var err error
		if name, err = readString(t, a[1], maxDesc); err != nil {
			return 0, err
		}
		if name != "" && name[0] == '.' {
			return 0, unix.EPERM
		}
	}
	s.maybeCollect(t.Kernel(), false)
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !named {
		k, err := s.joinAnon(t, c.real())
		if err != nil {
			return 0, err
		}
		return uint64(k.serial), nil
	}
	tc := s.cred(t, c)
	k := s.findByName(c, name)
	if k == nil {
		var err error
		if k, err = s.alloc(c.real(), typeKeyring, name, permNamed, nil, true); err != nil {
			return 0, err
		}
	} else if k == tc.session {
		return 0, nil
	}
	s.touch(k)
	setCred(t, tc, func(n *taskCred) { n.session = k })
	return uint64(k.serial), nil
}

func (s *state) update(t *kernel.Task, a shim.Args) (uint64, error) {
	if a[3] > maxUpdate {
		return 0, unix.EINVAL
	}
	payload, err := readPayload(t, a[2], a[3])
	if err != nil {
		return 0, err
	}
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, _, err := s.lookup(t, c, int32(a[1]), 0, needWrite)
	if err != nil {
		return 0, err
	}
	if !k.typ.update {
		return 0, unix.EOPNOTSUPP
	}
	if err := preparse(k.typ, payload); err != nil {
		return 0, err
	}
	if err := s.resize(k, payload); err != nil {
		return 0, err
	}
	k.payload, k.expiry = payload, 0
	return 0, nil
}

func (s *state) searchOp(t *kernel.Task, a shim.Args) (uint64, error) {
	typ, err := readType(t, a[2])
	if err != nil {
		return 0, err
	}
	desc, err := readString(t, a[3], maxDesc)
	if err != nil {
		return 0, err
	}
	c := callerOf(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	ring, ringPoss, err := s.lookup(t, c, int32(a[1]), 0, needSearch)
	if err != nil {
		return 0, err
	}
	var dest *key
	if id := int32(a[4]); id != 0 {
		if dest, _, err = s.lookup(t, c, id, lookupCreate, needWrite); err != nil {
			return 0, err
		}
	}
	kt := lookupType(typ)
	if kt == nil {
		return 0, unix.ENOKEY
	}
	sc := &search{c: c, possessed: ringPoss, typ: kt, desc: desc, state: true, now: now()}
	k, err := sc.in(ring)
	if err == unix.EAGAIN {
		return 0, unix.ENOKEY
	}
	if err != nil {
		return 0, err
	}
	if dest != nil {
		if !c.permits(k, ringPoss, needLink) {
			return 0, unix.EACCES
		}
		if err := linkInto(dest, k); err != nil {
			return 0, err
		}
	}
	return uint64(k.serial), nil
}

// read is keyctl_read_key: the payload, or a keyring's serials as
// int32s; the whole length is returned and nothing is copied when the
// buffer is too short.
func (s *state) read(t *kernel.Task, c caller, id int32, buf, buflen uint64) (uint64, error) {
	k, possessed, err := s.lookup(t, c, id, 0, needDefer)
	if err != nil {
		return 0, unix.ENOKEY
	}
	if !c.permits(k, possessed, needRead) && !possessed {
		return 0, unix.EACCES
	}
	if !k.typ.read {
		return 0, unix.EOPNOTSUPP
	}
	if err := k.validate(now()); err != nil {
		return 0, err
	}
	data := k.payload
	if k.typ == typeKeyring {
		data = make([]byte, 0, 4*len(k.links))
		for _, l := range k.links {
			data = binary.LittleEndian.AppendUint32(data, uint32(l.serial))
		}
	}
	if buf != 0 && buflen != 0 && uint64(len(data)) <= buflen && len(data) > 0 {
		if err := t.CopyOut(buf, data); err != nil {
			return 0, err
		}
	}
	return uint64(len(data)), nil
}

func (s *state) chown(t *kernel.Task, c caller, id int32, uid, gid uint32) (uint64, error) {
	const none = ^uint32(0)
	if uid == none && gid == none {
		return 0, nil
	}
	k, _, err := s.lookup(t, c, id, lookupCreate|lookupPartial, needSetattr)
	if err != nil {
		return 0, err
	}
	privileged := uid != none && uid != k.uid || gid != none && gid != k.gid && !c.inGroup(gid)
	if privileged && !c.creds.HasCap(kernel.CapSysAdmin) {
		return 0, unix.EACCES
	}
	if uid != none && uid != k.uid {
		if err := s.recharge(k, uid); err != nil {
			return 0, err
		}
		k.uid = uid
	}
	if gid != none {
		k.gid = gid
	}
	return 0, nil
}

func (s *state) move(t *kernel.Task, c caller, id, from, to int32, flags uint64) (uint64, error) {
	if flags&^unix.KEYCTL_MOVE_EXCL != 0 {
		return 0, unix.EINVAL
	}
	k, _, err := s.lookup(t, c, id, lookupCreate, needLink)
	if err != nil {
		return 0, err
	}
	fr, _, err := s.lookup(t, c, from, 0, needWrite)
	if err != nil {
		return 0, err
	}
	tr, _, err := s.lookup(t, c, to, lookupCreate, needWrite)
	if err != nil {
		return 0, err
	}
	if fr.typ != typeKeyring || tr.typ != typeKeyring {
		return 0, unix.ENOTDIR
	}
	if fr == tr {
		return 0, nil
	}
	if k.typ == typeKeyring && k.reaches(tr, 0) {
		return 0, unix.EDEADLK
	}
	if _, here := fr.find(k.typ, k.desc); here != k {
		return 0, unix.ENOENT
	}
	if _, there := tr.find(k.typ, k.desc); there != nil && flags&unix.KEYCTL_MOVE_EXCL != 0 {
		return 0, unix.EEXIST
	}
	fr.unlink(k)
	tr.link(k)
	return 0, nil
}

func (s *state) setReqkey(t *kernel.Task, c caller, v int) (uint64, error) {
	tc := s.cred(t, c)
	old := uint64(tc.reqkey)
	switch v {
	case unix.KEY_REQKEY_DEFL_NO_CHANGE:
		return old, nil
	case unix.KEY_REQKEY_DEFL_THREAD_KEYRING:
		if _, err := s.installThread(t, c.real()); err != nil {
			return 0, err
		}
	case unix.KEY_REQKEY_DEFL_PROCESS_KEYRING:
		if _, err := s.installProcess(t, c.real()); err != nil {
			return 0, err
		}
	case unix.KEY_REQKEY_DEFL_DEFAULT, unix.KEY_REQKEY_DEFL_SESSION_KEYRING, unix.KEY_REQKEY_DEFL_USER_KEYRING,
		unix.KEY_REQKEY_DEFL_USER_SESSION_KEYRING, unix.KEY_REQKEY_DEFL_REQUESTOR_KEYRING:
	default:
		return 0, unix.EINVAL
	}
	setCred(t, s.cred(t, c), func(n *taskCred) { n.reqkey = v })
	return old, nil
}

// sessionToParent is KEYCTL_SESSION_TO_PARENT: the caller's session
// keyring becomes its parent's (Linux does it when the parent next
// returns to user space; here at once).
func (s *state) sessionToParent(t *kernel.Task, c caller) (uint64, error) {
	k, _, err := s.lookup(t, c, unix.KEY_SPEC_SESSION_KEYRING, 0, needLink)
	if err != nil {
		return 0, err
	}
	// Linux refuses the global init only; a parent outside elfloader's
	// kernel (the first process's) cannot be changed from here.
	pp := t.Kernel().ProcessByPID(t.Process().PPID())
	if pp == nil {
		return 0, unix.EPERM
	}
	tasks := pp.Tasks()
	if len(tasks) != 1 {
		return 0, unix.EPERM
	}
	pt := tasks[0]
	pc := caller{creds: pp.Creds()}
	ptc := s.cred(pt, pc)
	if ptc.session == k {
		return 0, nil
	}
	my, their := c.creds, pc.creds
	if their.RUID != my.EUID || their.EUID != my.EUID || their.SUID != my.EUID ||
		their.RGID != my.EGID || their.EGID != my.EGID || their.SGID != my.EGID {
		return 0, unix.EPERM
	}
	if ptc.session != nil && ptc.session.uid != my.EUID || k.uid != my.EUID {
		return 0, unix.EPERM
	}
	s.touch(k)
	setCred(pt, ptc, func(n *taskCred) { n.session = k })
	return 0, nil
}

// persistentRing is KEYCTL_GET_PERSISTENT: the uid's persistent keyring
// "_persistent.N", linked into dest; each call renews its expiry
// (/proc/sys/kernel/keys/persistent_keyring_expiry).
func (s *state) persistentRing(t *kernel.Task, c caller, uid uint32, destID int32) (uint64, error) {
	if uid == ^uint32(0) {
		uid = c.creds.RUID
	} else if uid != c.creds.RUID && uid != c.creds.EUID && !c.creds.HasCap(kernel.CapSetuid) {
		return 0, unix.EPERM
	}
	dest, _, err := s.lookup(t, c, destID, lookupCreate, needWrite)
	if err != nil {
		return 0, err
	}
	if dest.typ != typeKeyring {
		return 0, unix.ENOTDIR
	}
	pk := s.persistent[uid]
	if pk == nil || pk.revoked || pk.invalid || pk.expiry != 0 && now() >= pk.expiry {
		owner := c
		owner.creds.FSUID, owner.creds.FSGID = uid, noGID
		if pk, err = s.alloc(owner, typeKeyring, "_persistent."+strconv.FormatUint(uint64(uid), 10), permPersist, nil, false); err != nil {
			return 0, err
		}
		s.persistent[uid] = pk
	}
	if !c.permits(pk, true, needLink) {
		return 0, unix.EACCES
	}
	if err := linkInto(dest, pk); err != nil {
		return 0, err
	}
	expiry := int64(3 * 24 * 3600)
	if b, err := os.ReadFile("/proc/sys/kernel/keys/persistent_keyring_expiry"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			expiry = v
		}
	}
	pk.expiry = now() + expiry
	return uint64(pk.serial), nil
}

// capabilities is KEYCTL_CAPABILITIES: the features served here.
func capabilities(t *kernel.Task, a shim.Args) (uint64, error) {
	caps := []byte{linux.KEYCTL_CAPS0_CAPABILITIES | linux.KEYCTL_CAPS0_PERSISTENT_KEYRINGS |
		linux.KEYCTL_CAPS0_INVALIDATE | linux.KEYCTL_CAPS0_MOVE, 0}
	// As much as fits, the rest of the buffer zeroed.
	var zero [4096]byte
	for off, n := uint64(0), a[2]; off < n; {
		chunk := zero[:min(n-off, uint64(len(zero)))]
		if off == 0 {
			chunk = append([]byte(nil), chunk...)
			copy(chunk, caps)
		}
		if err := t.CopyOut(a[1]+off, chunk); err != nil {
			return 0, err
		}
		off += uint64(len(chunk))
	}
	return uint64(len(caps)), nil
}
