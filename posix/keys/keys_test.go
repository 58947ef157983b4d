package keys

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

func newTestState() *state {
	return &state{keys: map[int32]*key{}, users: map[uint32]*userRings{}, persistent: map[uint32]*key{},
		procs: map[*kernel.Process]*procRings{}, usage: map[uint32]*usage{},
		quota: quota{maxKeys: 3, maxBytes: 100, rootMaxKeys: 10, rootMaxBytes: 1000}}
}

func user(uid, gid uint32, groups ...uint32) caller {
	return caller{creds: kernel.Credentials{RUID: uid, EUID: uid, FSUID: uid, RGID: gid, EGID: gid, FSGID: gid}, groups: groups}
}

func TestPermits(t *testing.T) {
	k := &key{uid: 1000, gid: 50, perm: 0x09_01_02_04} // pos view+search, usr view, grp read, oth write
	cases := []struct {
		c         caller
		possessed bool
		need      uint32
		want      bool
	}{
		{user(1000, 1), false, needView, true},
		{user(1000, 1), false, needRead, false},  // the owner gets the user byte only
		{user(1000, 50), false, needRead, false}, // owner wins over group
		{user(2000, 50), false, needRead, true},
		{user(2000, 1, 50), false, needRead, true}, // supplementary group
		{user(2000, 1), false, needWrite, true},    // other
		{user(2000, 1), false, needSearch, false},
		{user(2000, 1), true, needSearch, true}, // possessor bits add
		{user(0, 0), false, needRead, false},    // root has no override
	}
	for i, tc := range cases {
		if got := tc.c.permits(k, tc.possessed, tc.need); got != tc.want {
			t.Errorf("case %d: permits = %v, want %v", i, got, tc.want)
		}
	}
	// A group byte of zero is skipped: the other byte applies.
	k2 := &key{uid: 1000, gid: 50, perm: 0x00_00_00_02}
	if !user(2000, 50).permits(k2, false, needRead) {
		t.Error("empty group byte: other byte not used")
	}
	// No group at all (the user keyrings).
	k3 := &key{uid: 1000, gid: noGID, perm: 0x00_00_3f_00}
	if user(2000, noGID).permits(k3, false, needView) {
		t.Error("noGID matched a group")
	}
}

func TestAllocQuota(t *testing.T) {
	s := newTestState()
	c := user(1000, 1000)
	var made []*key
	for i := 0; i < 3; i++ {
		k, err := s.alloc(c, typeUser, "k", 0, []byte("x"), true)
		if err != nil {
			t.Fatalf("alloc %d: %v", i, err)
		}
		if k.serial < 3 {
			t.Fatalf("serial %d below 3", k.serial)
		}
		made = append(made, k)
	}
	if _, err := s.alloc(c, typeUser, "k", 0, []byte("x"), true); err != unix.EDQUOT {
		t.Fatalf("fourth key: %v, want EDQUOT", err)
	}
	if _, err := s.alloc(c, typeKeyring, "_tid", 0, nil, false); err != nil {
		t.Fatalf("uncharged keyring: %v", err)
	}
	s.forget(made[0])
	if _, err := s.alloc(c, typeUser, "k", 0, []byte("x"), true); err != nil {
		t.Fatalf("after forget: %v", err)
	}
	if _, err := s.alloc(user(2000, 1), typeUser, "big", 0, make([]byte, 100), true); err != unix.EDQUOT {
		t.Fatalf("bytes over quota: %v, want EDQUOT", err)
	}
	// chown moves the charge.
	if err := s.recharge(made[1], 2000); err != nil {
		t.Fatalf("recharge: %v", err)
	}
	if u := s.usage[1000]; u.keys != 2 {
		t.Errorf("uid 1000 keys = %d, want 2", u.keys)
	}
}

func TestSearchNested(t *testing.T) {
	s := newTestState()
	c := user(0, 0)
	ring := func(desc string, perm uint32) *key {
		k, _ := s.alloc(c, typeKeyring, desc, perm, nil, false)
		return k
	}
	all := uint32(0x3f_01_00_00)
	top := ring("top", all)
	mid := ring("mid", all)
	hidden := ring("hidden", 0x37_00_00_00) // no search
	top.link(mid)
	top.link(hidden)
	k, _ := s.alloc(c, typeUser, "k", all, []byte("x"), true)
	mid.link(k)
	h, _ := s.alloc(c, typeUser, "h", all, []byte("x"), true)
	hidden.link(h)

	find := func(desc string) (*key, error) {
		sc := &search{c: c, possessed: true, typ: typeUser, desc: desc, state: true, now: now()}
		return sc.in(top)
	}
	if got, err := find("k"); err != nil || got != k {
		t.Fatalf("nested key: %v %v", got, err)
	}
	if _, err := find("h"); err != unix.EAGAIN {
		t.Fatalf("key behind a keyring without search: %v, want EAGAIN", err)
	}
	k.revoked = true
	if _, err := find("k"); err != unix.EKEYREVOKED {
		t.Fatalf("revoked: %v", err)
	}
	k.revoked, k.expiry = false, 1
	if _, err := find("k"); err != unix.EKEYEXPIRED {
		t.Fatalf("expired: %v", err)
	}
	sc := &search{c: c, possessed: true, typ: typeUser, desc: "k", state: true, skipExp: true, now: now()}
	if _, err := sc.in(top); err != unix.EAGAIN {
		t.Fatalf("expired, skipped silently: %v", err)
	}
	if _, err := (&search{c: c, typ: typeUser, desc: "k"}).in(k); err != unix.ENOTDIR {
		t.Fatalf("search in a user key: %v", err)
	}
}

func TestLinkCycles(t *testing.T) {
	s := newTestState()
	c := user(0, 0)
	a, _ := s.alloc(c, typeKeyring, "a", 0, nil, false)
	b, _ := s.alloc(c, typeKeyring, "b", 0, nil, false)
	if err := linkInto(a, b); err != nil {
		t.Fatal(err)
	}
	if err := linkInto(b, a); err != unix.EDEADLK {
		t.Fatalf("cycle: %v", err)
	}
	if err := linkInto(a, a); err != unix.EDEADLK {
		t.Fatalf("self: %v", err)
	}
	u1, _ := s.alloc(c, typeUser, "same", 0, []byte("1"), false)
	u2, _ := s.alloc(c, typeUser, "same", 0, []byte("2"), false)
	linkInto(a, u1)
	linkInto(a, u2)
	if _, got := a.find(typeUser, "same"); got != u2 || len(a.links) != 2 {
		t.Fatalf("a key of the same type and description is not displaced: %v", a.links)
	}
	if err := linkInto(u1, a); err != unix.ENOTDIR {
		t.Fatalf("link into a user key: %v", err)
	}
}

func TestPayloadRules(t *testing.T) {
	if preparse(typeUser, nil) != unix.EINVAL || preparse(typeUser, make([]byte, 32768)) != unix.EINVAL ||
		preparse(typeUser, make([]byte, 32767)) != nil {
		t.Error("user payload sizes")
	}
	if preparse(typeKeyring, []byte("x")) != unix.EINVAL || preparse(typeKeyring, nil) != nil {
		t.Error("keyring payload")
	}
	if vetDescription(typeLogon, "x") != unix.EINVAL || vetDescription(typeLogon, ":x") != unix.EINVAL ||
		vetDescription(typeLogon, "svc:x") != nil || vetDescription(typeUser, "x") != nil {
		t.Error("logon descriptions")
	}
}
