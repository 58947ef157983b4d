package keys

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
)

// keyType is one of the key types the kernel knows.
type keyType struct {
	name   string
	read   bool // has a read method (KEYCTL_READ works)
	update bool // add_key and KEYCTL_UPDATE may replace the payload
}

var (
	typeUser    = &keyType{name: "user", read: true, update: true}
	typeLogon   = &keyType{name: "logon", update: true}
	typeKeyring = &keyType{name: "keyring", read: true}
)

func lookupType(name string) *keyType {
	for _, kt := range []*keyType{typeUser, typeLogon, typeKeyring} {
		if kt.name == name {
			return kt
		}
	}
	return nil
}

// noGID is INVALID_GID: the user keyrings belong to no group.
const noGID = ^uint32(0)

// overflowGID is what DESCRIBE prints for noGID (from_kgid_munged).
const overflowGID = 65534

// Permission bits a caller needs (one byte of key.perm).
const (
	needView    = 0x01
	needRead    = 0x02
	needWrite   = 0x04
	needSearch  = 0x08
	needLink    = 0x10
	needSetattr = 0x20
)

// Lookup modes besides a permission: needNone checks nothing but the
// key's state (unlink), needDefer checks neither (read does its own).
const (
	needNone  = 0
	needDefer = -1
)

// key is one key or keyring.
type key struct {
	serial   int32
	typ      *keyType
	desc     string
	uid, gid uint32
	perm     uint32
	payload  []byte // user and logon
	links    []*key // keyring contents, in link order
	revoked  bool
	invalid  bool
	expiry   int64 // Unix seconds, 0 for none
	// special keys (user keyrings) are never found by name and do not
	// count against a quota.
	special bool
	gen     uint64 // allocation generation (gc.go)
	quota   int    // bytes charged to the owner
	owner   uint32 // uid charged
}

// validate is Linux's key_validate.
func (k *key) validate(now int64) error {
	switch {
	case k.invalid:
		return unix.ENOKEY
	case k.revoked:
		return unix.EKEYREVOKED
	case k.expiry != 0 && now >= k.expiry:
		return unix.EKEYEXPIRED
	}
	return nil
}

// find returns the key in keyring r with this type and description.
func (r *key) find(kt *keyType, desc string) (int, *key) {
	for i, l := range r.links {
		if l.typ == kt && l.desc == desc {
			return i, l
		}
	}
	return -1, nil
}

// link puts k into keyring r, displacing a key of the same type and
// description.
func (r *key) link(k *key) {
	if i, old := r.find(k.typ, k.desc); old != nil {
		r.links[i] = k
		return
	}
	r.links = append(r.links, k)
}

// unlink takes k out of keyring r; false when it was not there.
func (r *key) unlink(k *key) bool {
	for i, l := range r.links {
		if l == k {
			r.links = append(r.links[:i:i], r.links[i+1:]...)
			return true
		}
	}
	return false
}

// reaches reports whether keyring r contains target, directly or through
// nested keyrings (cycle detection for link).
func (r *key) reaches(target *key, depth int) bool {
	if r == target {
		return true
	}
	if depth > 8 {
		return true // as deep as Linux refuses (ELOOP); treat as a cycle
	}
	for _, l := range r.links {
		if l.typ == typeKeyring && l.reaches(target, depth+1) {
			return true
		}
	}
	return false
}

// userRings are one uid's user and user-session keyrings.
type userRings struct{ user, session *key }

// procRings are one process's process keyring and its threads' thread
// keyrings, valid for one program image (mm).
type procRings struct {
	mm      *kernel.MM
	process *key
	threads map[*kernel.Task]*key
}

// quota is /proc/sys/kernel/keys: how many keys and bytes one uid may own.
type quota struct {
	maxKeys, maxBytes, rootMaxKeys, rootMaxBytes int
}

func hostQuota() quota {
	q := quota{maxKeys: 200, maxBytes: 20000, rootMaxKeys: 1000000, rootMaxBytes: 25000000}
	for name, dst := range map[string]*int{"maxkeys": &q.maxKeys, "maxbytes": &q.maxBytes,
		"root_maxkeys": &q.rootMaxKeys, "root_maxbytes": &q.rootMaxBytes} {
		if b, err := os.ReadFile("/proc/sys/kernel/keys/" + name); err == nil {
			if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				*dst = v
			}
		}
	}
	return q
}

// usage is what one uid owns.
type usage struct{ keys, bytes int }

// state is the kernel's key table.
type state struct {
	mu         sync.Mutex
	keys       map[int32]*key
	users      map[uint32]*userRings
	persistent map[uint32]*key
	procs      map[*kernel.Process]*procRings
	usage      map[uint32]*usage
	quota      quota
	gen        uint64
	sinceGC    int
}

type stateKey struct{}

func keyState(t *kernel.Task) *state {
	return t.Kernel().LibraryState(stateKey{}, func() any {
		return &state{keys: map[int32]*key{}, users: map[uint32]*userRings{}, persistent: map[uint32]*key{},
			procs: map[*kernel.Process]*procRings{}, usage: map[uint32]*usage{}, quota: hostQuota()}
	}).(*state)
}

func now() int64 { return time.Now().Unix() }

// caller is the identity a permission check uses (the fs ids and groups).
type caller struct {
	creds  kernel.Credentials
	groups []uint32
}

func callerOf(t *kernel.Task) caller {
	c := caller{creds: t.Process().Creds()}
	if fs := t.Process().FS; fs != nil {
		c.groups = fs.Groups
	}
	return c
}

func (c caller) inGroup(gid uint32) bool {
	if c.creds.FSGID == gid {
		return true
	}
	for _, g := range c.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// permits is Linux's key_task_permission: the user byte for the owner,
// the group byte for a member of the key's group (when it grants
// anything), else the other byte; the possessor byte is added for a key
// the caller possesses. Capabilities do not override it.
func (c caller) permits(k *key, possessed bool, need uint32) bool {
	var kperm uint32
	switch {
	case k.uid == c.creds.FSUID:
		kperm = k.perm >> 16
	case k.gid != noGID && k.perm&linux.KEY_GRP_ALL != 0 && c.inGroup(k.gid):
		kperm = k.perm >> 8
	default:
		kperm = k.perm
	}
	if possessed {
		kperm |= k.perm >> 24
	}
	return kperm&need&0x3f == need
}

// alloc makes a new key owned by the caller's fs ids; quota charges it
// to that uid unless it is a keyring the kernel makes on demand.
func (s *state) alloc(c caller, kt *keyType, desc string, perm uint32, payload []byte, charge bool) (*key, error) {
	k := &key{typ: kt, desc: desc, uid: c.creds.FSUID, gid: c.creds.FSGID, perm: perm, payload: payload}
	if charge {
		k.quota, k.owner = len(desc)+1+len(payload), k.uid
		u := s.usageOf(k.uid)
		maxKeys, maxBytes := s.quota.maxKeys, s.quota.maxBytes
		if k.uid == 0 {
			maxKeys, maxBytes = s.quota.rootMaxKeys, s.quota.rootMaxBytes
		}
		if u.keys+1 > maxKeys || u.bytes+k.quota > maxBytes {
			return nil, unix.EDQUOT
		}
		u.keys++
		u.bytes += k.quota
	}
	for {
		// Linux draws serials at random, positive and at least 3.
		sn := rand.Int32N(1<<31-3) + 3
		if _, used := s.keys[sn]; !used {
			k.serial = sn
			break
		}
	}
	s.gen++
	k.gen = s.gen
	s.keys[k.serial] = k
	s.sinceGC++
	return k, nil
}

func (s *state) usageOf(uid uint32) *usage {
	u := s.usage[uid]
	if u == nil {
		u = &usage{}
		s.usage[uid] = u
	}
	return u
}

// recharge moves a key's quota to its new owner (chown).
func (s *state) recharge(k *key, uid uint32) error {
	if k.quota == 0 {
		return nil
	}
	nu := s.usageOf(uid)
	maxKeys, maxBytes := s.quota.maxKeys, s.quota.maxBytes
	if uid == 0 {
		maxKeys, maxBytes = s.quota.rootMaxKeys, s.quota.rootMaxBytes
	}
	if nu.keys+1 > maxKeys || nu.bytes+k.quota > maxBytes {
		return unix.EDQUOT
	}
	ou := s.usageOf(k.owner)
	ou.keys--
	ou.bytes -= k.quota
	nu.keys++
	nu.bytes += k.quota
	k.owner = uid
	return nil
}

// resize changes the bytes a key's payload charges (update).
func (s *state) resize(k *key, payload []byte) error {
	if k.quota == 0 {
		return nil
	}
	n := len(k.desc) + 1 + len(payload)
	u := s.usageOf(k.owner)
	maxBytes := s.quota.maxBytes
	if k.owner == 0 {
		maxBytes = s.quota.rootMaxBytes
	}
	if n > k.quota && u.bytes+n-k.quota > maxBytes {
		return unix.EDQUOT
	}
	u.bytes += n - k.quota
	k.quota = n
	return nil
}

// Default permissions of the keyrings the kernel makes.
const (
	permAnon     = linux.KEY_POS_ALL | linux.KEY_USR_VIEW                      // _tid, _pid
	permSession  = linux.KEY_POS_ALL | linux.KEY_USR_VIEW | linux.KEY_USR_READ // _ses
	permNamed    = permSession | linux.KEY_USR_LINK                            // a named session keyring
	permUserRing = (linux.KEY_POS_ALL &^ linux.KEY_POS_SETATTR) | linux.KEY_USR_ALL
	permPersist  = (linux.KEY_POS_ALL &^ linux.KEY_POS_SETATTR) | linux.KEY_USR_VIEW | linux.KEY_USR_READ
)

// userRingsOf returns (making them on first use) the user keyring
// "_uid.N" and the user session keyring "_uid_ses.N", which links it, of
// the caller's real uid.
func (s *state) userRingsOf(c caller) (*userRings, error) {
	uid := c.creds.RUID
	if ur := s.users[uid]; ur != nil {
		return ur, nil
	}
	owner := c
	owner.creds.FSUID, owner.creds.FSGID = uid, noGID
	u, err := s.alloc(owner, typeKeyring, "_uid."+strconv.FormatUint(uint64(uid), 10), permUserRing, nil, false)
	if err != nil {
		return nil, err
	}
	ses, err := s.alloc(owner, typeKeyring, "_uid_ses."+strconv.FormatUint(uint64(uid), 10), permUserRing, nil, false)
	if err != nil {
		return nil, err
	}
	u.special, ses.special = true, true
	ses.link(u)
	ur := &userRings{user: u, session: ses}
	s.users[uid] = ur
	return ur, nil
}

// taskCred is the keyring part of a task's credentials, kept in the
// task's values so that clone and fork copy it and execve keeps it.
// It is replaced, never changed in place.
type taskCred struct {
	owner     *kernel.Task // the task it was made for; another holder inherited it
	mm        *kernel.MM   // the image it was made under (execve changes it)
	session   *key
	hadThread bool // owner has a thread keyring: a new thread gets one too
	reqkey    int  // KEYCTL_SET_REQKEY_KEYRING's setting
}

type credKey struct{}

// cred returns t's keyring credentials, settling what it inherited: a
// new thread of a task with a thread keyring gets a thread keyring of
// its own; a fork child none.
func (s *state) cred(t *kernel.Task, c caller) *taskCred {
	v, _ := t.TaskValue(credKey{})
	tc, _ := v.(*taskCred)
	if tc == nil {
		tc = &taskCred{owner: t, mm: t.MM()}
		t.SetTaskValue(credKey{}, tc)
		return tc
	}
	if tc.owner == t && tc.mm == t.MM() {
		return tc
	}
	nc := *tc
	nc.owner, nc.mm, nc.hadThread = t, t.MM(), false
	if tc.owner != t && tc.hadThread && tc.owner.Process() == t.Process() && tc.mm == t.MM() {
		pr := s.procRingsOf(t)
		if kr, err := s.alloc(c.real(), typeKeyring, "_tid", permAnon, nil, false); err == nil {
			pr.threads[t] = kr
			nc.hadThread = true
		}
	}
	t.SetTaskValue(credKey{}, &nc)
	return &nc
}

// setCred replaces t's keyring credentials.
func setCred(t *kernel.Task, tc *taskCred, change func(*taskCred)) *taskCred {
	nc := *tc
	change(&nc)
	t.SetTaskValue(credKey{}, &nc)
	return &nc
}

// procRingsOf returns the caller's process record, emptied when the
// process has run execve since (a new image has no process or thread
// keyrings).
func (s *state) procRingsOf(t *kernel.Task) *procRings {
	p := t.Process()
	pr := s.procs[p]
	if pr == nil {
		pr = &procRings{mm: p.MM(), threads: map[*kernel.Task]*key{}}
		s.procs[p] = pr
		p.OnExit(stateKey{}, func() {
			s.mu.Lock()
			delete(s.procs, p)
			s.mu.Unlock()
		})
	}
	if pr.mm != p.MM() {
		pr.mm, pr.process, pr.threads = p.MM(), nil, map[*kernel.Task]*key{}
	}
	return pr
}

// rings are the keyrings a task possesses and request_key searches:
// thread, process and session (the user session one without a session
// keyring). Missing ones are nil.
func (s *state) rings(t *kernel.Task, c caller) (thread, process, session *key) {
	tc := s.cred(t, c)
	pr := s.procRingsOf(t)
	thread, process, session = pr.threads[t], pr.process, tc.session
	if session == nil {
		if ur := s.users[c.creds.RUID]; ur != nil {
			session = ur.session
		}
	}
	return
}
