package container

// Finding the program `elfloader run` starts, the way a shell or a
// container engine does before it calls execve.

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// defaultExecPath is the search path execvp uses when PATH is unset
// (glibc's _CS_PATH).
const defaultExecPath = "/bin:/usr/bin"

// LookPath finds the program name in the app's filesystem the way
// execvp(3) does: a name with a slash is used as it is (relative to the
// working directory); a bare name is searched in the directories of
// pathList (an empty entry is the working directory), and the first
// regular file ctx may execute wins. A name found only without execute
// permission is EACCES, a name found nowhere ENOENT; both are
// *kernel.LoadError so that the caller reports them as execve's errors.
func LookPath(ctx *vfs.Context, name, pathList string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if name == "" {
		return "", &kernel.LoadError{Path: name, Errno: unix.ENOENT, Err: errors.New("empty program name: no such file or directory")}
	}
	sawDenied := false
	for _, dir := range strings.Split(pathList, ":") {
		if dir == "" {
			dir = "."
		}
		candidate := path.Join(dir, name)
		if !strings.Contains(candidate, "/") {
			candidate = "./" + candidate
		}
		switch err := mayExecute(ctx, candidate); {
		case err == nil:
			return candidate, nil
		case errors.Is(err, unix.EACCES):
			sawDenied = true
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		default:
			return "", &kernel.LoadError{Path: candidate, Errno: errnoOf(err, unix.ENOENT), Err: fmt.Errorf("%s: %w", candidate, err)}
		}
	}
	if sawDenied {
		return "", &kernel.LoadError{Path: name, Errno: unix.EACCES,
			Err: fmt.Errorf("%s: found in PATH (%s) but not executable: %w", name, pathList, unix.EACCES)}
	}
	return "", &kernel.LoadError{Path: name, Errno: unix.ENOENT,
		Err: fmt.Errorf("%s: executable file not found in PATH (%s)", name, pathList)}
}

// mayExecute reports whether p is a regular file ctx may execute:
// EACCES for anything else that exists.
func mayExecute(ctx *vfs.Context, p string) error {
	st, err := vfs.StatAt(ctx, ctx.Cwd, p, 0)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return unix.EACCES
	}
	return vfs.AccessAt(ctx, ctx.Cwd, p, unix.X_OK, unix.AT_EACCESS)
}

func errnoOf(err error, fallback unix.Errno) unix.Errno {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return fallback
}

// FindProgram resolves the program name the app's environment env names,
// inside the app's filesystem v with the app's working directory and user.
// With hostPaths, a path the user gave that the app cannot see is exposed
// to it (exposeHostPath).
func FindProgram(v *vfs.VFS, workdir string, cred vfs.Cred, name string, env []string, hostPaths bool) (string, error) {
	ctx, err := AppContext(v, workdir, cred)
	if err != nil {
		return "", err
	}
	pathList, ok := LookupEnv(env, "PATH")
	if !ok {
		pathList = defaultExecPath
	}
	prog, err := LookPath(ctx, name, pathList)
	if err != nil {
		return "", err
	}
	if hostPaths && strings.Contains(name, "/") {
		return exposeHostPath(v, workdir, prog)
	}
	return prog, nil
}

// CheckProgram reports, as execve would, whether the app may run the
// program at prog: a *kernel.LoadError (ENOENT, EACCES) when it may not.
// An OCI runtime checks this at create, before the app is started.
func CheckProgram(v *vfs.VFS, workdir string, cred vfs.Cred, prog string) error {
	ctx, err := AppContext(v, workdir, cred)
	if err != nil {
		return err
	}
	if err := mayExecute(ctx, prog); err != nil {
		return &kernel.LoadError{Path: prog, Errno: errnoOf(err, unix.ENOENT), Err: fmt.Errorf("%s: %w", prog, err)}
	}
	return nil
}

// AppContext is a filesystem context of the app's view: its root, its
// working directory and its user, for finding the program.
func AppContext(v *vfs.VFS, workdir string, cred vfs.Cred) (*vfs.Context, error) {
	ctx := v.NewContext()
	ctx.Cred = cred
	if workdir != "" {
		if err := vfs.Chdir(ctx, ctx.Root, workdir); err != nil {
			return nil, fmt.Errorf("working directory %s: %w", workdir, err)
		}
	}
	return ctx, nil
}
