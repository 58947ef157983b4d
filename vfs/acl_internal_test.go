package vfs

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestACLParseAndValidate(t *testing.T) {
	ok := []aclEntry{{aclUserObj, 6, 0}, {aclUser, 6, 1000}, {aclGroupObj, 4, 0}, {aclMask, 4, 0}, {aclOther, 0, 0}}
	got, err := parseACL(encodeACL(ok))
	if err != nil || len(got) != 5 || got[0].id != aclUndefinedID || got[1].id != 1000 {
		t.Fatalf("parse: %v %v", got, err)
	}
	for name, acl := range map[string][]aclEntry{
		"no mask":      {{aclUserObj, 6, 0}, {aclUser, 6, 1000}, {aclGroupObj, 4, 0}, {aclOther, 0, 0}},
		"no other":     {{aclUserObj, 6, 0}, {aclGroupObj, 4, 0}},
		"order":        {{aclGroupObj, 4, 0}, {aclUserObj, 6, 0}, {aclOther, 0, 0}},
		"perm":         {{aclUserObj, 8, 0}, {aclGroupObj, 4, 0}, {aclOther, 0, 0}},
		"undefined id": {{aclUserObj, 6, 0}, {aclUser, 6, aclUndefinedID}, {aclGroupObj, 4, 0}, {aclMask, 4, 0}, {aclOther, 0, 0}},
	} {
		if _, err := parseACL(encodeACL(acl)); err != unix.EINVAL {
			t.Errorf("%s: %v, want EINVAL", name, err)
		}
	}
	if _, err := parseACL([]byte{3, 0, 0, 0}); err != unix.EOPNOTSUPP {
		t.Errorf("version 3: %v", err)
	}
	if acl, err := parseACL([]byte{2, 0, 0, 0}); acl != nil || err != nil {
		t.Errorf("empty: %v %v", acl, err)
	}
}

// The ACL algorithm of acl(5): named user limited by the mask, groups,
// other denied once a group matched.
func TestACLPermission(t *testing.T) {
	st := &Stat{Mode: unix.S_IFREG | 0o640, UID: 0, GID: 0}
	acl := []aclEntry{{aclUserObj, 6, 0}, {aclUser, 6, 1000}, {aclGroupObj, 4, 0}, {aclGroup, 6, 50}, {aclMask, 4, 0}, {aclOther, 0, 0}}
	for _, tc := range []struct {
		cred Cred
		want uint32
		err  error
	}{
		{Cred{UID: 1000, GID: 1000}, unix.R_OK, nil},
		{Cred{UID: 1000, GID: 1000}, unix.W_OK, unix.EACCES},
		{Cred{UID: 2000, GID: 50}, unix.R_OK, nil},
		{Cred{UID: 2000, GID: 50}, unix.X_OK, unix.EACCES},
		{Cred{UID: 2000, GID: 2000}, unix.R_OK, unix.EACCES},
	} {
		if err := aclPermission(tc.cred, st, acl, tc.want); err != tc.err {
			t.Errorf("%+v want %d: %v, want %v", tc.cred, tc.want, err, tc.err)
		}
	}
}

// posix_acl_create_masq: the create mode limits the inherited list and
// the list limits the mode; the umask plays no part.
func TestACLCreateMasq(t *testing.T) {
	def := []aclEntry{{aclUserObj, 7, 0}, {aclUser, 7, 1000}, {aclGroupObj, 5, 0}, {aclMask, 7, 0}, {aclOther, 0, 0}}
	acl := append([]aclEntry(nil), def...)
	mode, notEquiv := aclCreateMasq(acl, 0o644)
	if mode != 0o640 || !notEquiv || acl[0].perm != 6 || acl[3].perm != 4 || acl[4].perm != 0 {
		t.Errorf("mode %o notEquiv %v acl %v", mode, notEquiv, acl)
	}
	if m, ne := aclEquivMode(acl, unix.S_IFREG|0o777); m != unix.S_IFREG|0o640 || !ne {
		t.Errorf("equiv: %o %v", m, ne)
	}
	aclChmod(acl, 0o664)
	if acl[0].perm != 6 || acl[3].perm != 6 || acl[4].perm != 4 || acl[2].perm != 5 {
		t.Errorf("chmod: %v", acl)
	}
}

func TestConvertFileCaps(t *testing.T) {
	v3 := make([]byte, 24)
	v3[3], v3[0], v3[5] = 3, 1, 4
	v2, err := convertFileCaps(v3)
	if err != nil || len(v2) != 20 || v2[3] != 2 || v2[0] != 1 || v2[5] != 4 {
		t.Errorf("v3 root 0: %v %v", v2, err)
	}
	v1 := make([]byte, 12)
	v1[3] = 1
	if _, err := convertFileCaps(v1); err != unix.EINVAL {
		t.Errorf("v1: %v", err)
	}
}
