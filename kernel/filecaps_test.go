package kernel

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// execCreds with file capabilities (capabilities(7)'s transformation):
// forced and inherited capabilities, the effective flag, ambient cleared,
// root, EPERM for a forced capability outside the bounding set, and
// no_new_privs.
func TestExecCredsFileCaps(t *testing.T) {
	const bind, raw, admin = 1 << 10, 1 << 13, 1 << 12
	user := Credentials{RUID: 65534, EUID: 65534, SUID: 65534, FSUID: 65534, Bounding: CapValidMask}
	for _, tc := range []struct {
		name           string
		c              Credentials
		file           *vfs.FileCaps
		nnp            bool
		err            error
		prm, eff, ambi uint64
	}{
		{name: "+ep", c: user, file: &vfs.FileCaps{Permitted: bind, Effective: true}, prm: bind, eff: bind},
		{name: "+p", c: user, file: &vfs.FileCaps{Permitted: bind}, prm: bind},
		{name: "inheritable and ambient", c: func() Credentials {
			c := user
			c.Inheritable, c.Permitted, c.Ambient = raw|admin, raw|admin, admin
			return c
		}(), file: &vfs.FileCaps{Permitted: bind, Inheritable: raw}, prm: bind | raw},
		{name: "ambient kept without file caps", c: func() Credentials {
			c := user
			c.Inheritable, c.Permitted, c.Ambient = raw|admin, raw|admin, admin
			return c
		}(), prm: admin, eff: admin, ambi: admin},
		{name: "bounding lacks a forced cap", c: func() Credentials {
			c := user
			c.Bounding = CapValidMask &^ bind
			return c
		}(), file: &vfs.FileCaps{Permitted: bind, Effective: true}, err: unix.EPERM},
		{name: "no_new_privs", c: user, file: &vfs.FileCaps{Permitted: bind, Effective: true}, nnp: true},
		{name: "root", c: Credentials{Bounding: 0b111}, file: &vfs.FileCaps{Permitted: 0b1}, prm: 0b111, eff: 0b111},
	} {
		c := tc.c
		err := c.execCreds(tc.file, tc.nnp)
		if err != tc.err {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err != nil {
			if c != tc.c {
				t.Errorf("%s: credentials changed on error", tc.name)
			}
			continue
		}
		if c.Permitted != tc.prm || c.Effective != tc.eff || c.Ambient != tc.ambi {
			t.Errorf("%s: prm %x eff %x amb %x, want %x %x %x", tc.name, c.Permitted, c.Effective, c.Ambient, tc.prm, tc.eff, tc.ambi)
		}
	}
}
