package container

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// ResolveUser resolves the config's user ("uid", "uid:gid", "name",
// "name:group"; default root) against the image's /etc/passwd and
// /etc/group, and returns the credentials and the user's home directory.
func ResolveUser(ctx *vfs.Context, spec string) (vfs.Cred, string, error) {
	passwd := readTable(ctx, "/etc/passwd")
	groups := readTable(ctx, "/etc/group")
	if spec == "" {
		spec = "0"
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	var cred vfs.Cred
	var home, userName string
	gidKnown := false
	if n, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		cred.UID = uint32(n)
		for _, e := range passwd {
			if len(e) >= 6 && e[2] == userPart {
				userName, home = e[0], e[5]
				if g, err := strconv.ParseUint(e[3], 10, 32); err == nil {
					cred.GID, gidKnown = uint32(g), true
				}
				break
			}
		}
		if !gidKnown {
			cred.GID = cred.UID
		}
	} else {
		found := false
		for _, e := range passwd {
			if len(e) >= 6 && e[0] == userPart {
				u, err1 := strconv.ParseUint(e[2], 10, 32)
				g, err2 := strconv.ParseUint(e[3], 10, 32)
				if err1 != nil || err2 != nil {
					return cred, "", fmt.Errorf("user %q: bad /etc/passwd entry", userPart)
				}
				cred.UID, cred.GID, userName, home, found = uint32(u), uint32(g), e[0], e[5], true
				break
			}
		}
		if !found {
			return cred, "", fmt.Errorf("user %q: no such user in the image's /etc/passwd", userPart)
		}
	}
	if hasGroup {
		if n, err := strconv.ParseUint(groupPart, 10, 32); err == nil {
			cred.GID = uint32(n)
		} else {
			found := false
			for _, e := range groups {
				if len(e) >= 3 && e[0] == groupPart {
					g, err := strconv.ParseUint(e[2], 10, 32)
					if err != nil {
						return cred, "", fmt.Errorf("group %q: bad /etc/group entry", groupPart)
					}
					cred.GID, found = uint32(g), true
					break
				}
			}
			if !found {
				return cred, "", fmt.Errorf("group %q: no such group in the image's /etc/group", groupPart)
			}
		}
	}
	if userName != "" {
		for _, e := range groups {
			if len(e) < 4 {
				continue
			}
			g, err := strconv.ParseUint(e[2], 10, 32)
			if err != nil || uint32(g) == cred.GID {
				continue
			}
			for _, m := range strings.Split(e[3], ",") {
				if m == userName {
					cred.Groups = append(cred.Groups, uint32(g))
				}
			}
		}
	}
	return cred, home, nil
}

// readTable reads a colon-separated table (/etc/passwd, /etc/group)
// from the image; a missing or unreadable file is an empty table.
func readTable(ctx *vfs.Context, p string) [][]string {
	f, err := vfs.OpenAt(ctx, ctx.Root, p, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return nil
	}
	defer f.DecRef()
	var rows [][]string
	sc := bufio.NewScanner(io.LimitReader(&vfsReader{f: f}, 4<<20))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, ":"))
	}
	return rows
}

// vfsReader reads a vfs.File as an io.Reader.
type vfsReader struct{ f *vfs.File }

func (r *vfsReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(context.Background(), p)
	if n == 0 && err == nil && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}
