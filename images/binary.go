package images

// Packing one program with what it needs to run: its interpreter, the
// shared libraries ld.so would load, a language runtime's standard library,
// and the extra host files the user adds.

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/elfloader/elfloader/elfloader"
)

// AddSource returns the source for one --add HOST[:GUEST].
func AddSource(spec string, squash bool, logger *slog.Logger) (FileSource, error) {
	host, guest, ok := strings.Cut(spec, ":")
	if !ok {
		guest = host
	}
	if host == "" || guest == "" {
		return nil, fmt.Errorf("--add %q: want HOST or HOST:GUEST", spec)
	}
	hostAbs, err := filepath.Abs(host)
	if err != nil {
		return nil, err
	}
	if !path.IsAbs(guest) {
		if ok {
			return nil, fmt.Errorf("--add %q: the image path must be absolute", spec)
		}
		guest = hostAbs
	}
	guest = path.Clean(guest)
	st, err := os.Lstat(hostAbs)
	if err != nil {
		return nil, fmt.Errorf("--add: %w", err)
	}
	if st.IsDir() {
		rel := strings.TrimPrefix(guest, "/")
		if rel == "" {
			rel = "."
		}
		return &PrefixSource{Src: NewDirSource(hostAbs, DirOptions{SquashOwners: squash, Logger: logger}), Prefix: rel}, nil
	}
	t := NewHostTree(squash)
	if err := t.AddAs(hostAbs, guest); err != nil {
		return nil, fmt.Errorf("--add %s: %w", spec, err)
	}
	return t, nil
}

// DefaultPath is the PATH an image gets when its config has none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// BinaryOptions say how to pack one program (pack --binary).
type BinaryOptions struct {
	Program      string // host path of the program
	SquashOwners bool   // every file owned by 0:0
	NoStdlib     bool   // leave out an interpreter's standard library
}

// BinarySource builds the root filesystem of `pack --binary PROGRAM`: the
// program, its interpreter, the libraries ld.so would load, and the system
// files most programs expect. extraAdds lists host directories the caller
// should add as --add would (an interpreter's standard library).
func BinarySource(o BinaryOptions) (src FileSource, cfg Config, extraAdds []string, err error) {
	prog, err := filepath.Abs(o.Program)
	if err != nil {
		return nil, Config{}, nil, err
	}
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		return nil, Config{}, nil, fmt.Errorf("--binary: %w", err)
	}
	b, err := elfloader.ParseFile(real)
	if err != nil {
		return nil, Config{}, nil, fmt.Errorf("--binary: %w", err)
	}
	t := NewHostTree(o.SquashOwners)
	if err := t.AddPath(prog); err != nil {
		return nil, Config{}, nil, err
	}
	if b.Interp != "" {
		if err := t.AddPath(b.Interp); err != nil {
			return nil, Config{}, nil, fmt.Errorf("interpreter: %w", err)
		}
	}
	ldDirs := LdSoConfDirs("/etc/ld.so.conf")
	if err := addLibraries(t, real, ldDirs); err != nil {
		return nil, Config{}, nil, fmt.Errorf("libraries of %s: %w", o.Program, err)
	}
	if !o.NoStdlib {
		if dir := InterpreterStdlib(real); dir != "" {
			extraAdds = append(extraAdds, dir)
			addExtensionLibraries(t, dir, ldDirs)
		}
	}
	t.AddSystemFiles()
	cfg = Config{
		Entrypoint: []string{prog},
		Env:        []string{"PATH=" + DefaultPath},
		WorkingDir: "/",
		Source:     SourceInfo{Kind: "dir", Path: prog, Platform: "linux/amd64"},
	}
	return t, cfg, extraAdds, nil
}

// addLibraries adds the shared libraries ld.so would load for the ELF
// file at p (a program or a library), searching ldDirs as its cache does.
func addLibraries(t *HostTree, p string, ldDirs []string) error {
	openFile := func(p string) (io.ReaderAt, error) { return os.Open(p) }
	exists := func(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() }
	libs, err := elfloader.ClosureDirs(p, openFile, exists, ldDirs)
	if err != nil {
		return err
	}
	for _, lib := range libs {
		if err := t.AddPath(lib); err != nil {
			return fmt.Errorf("library: %w", err)
		}
	}
	return nil
}

// addExtensionLibraries adds the libraries that the standard library's
// extension modules (python's lib-dynload/*.so: _sqlite3, _ssl, _ctypes,
// _lzma, _bz2 …) load: ld.so loads them at import, not at start. A
// module whose libraries the host lacks is left as it is: it would not
// import natively either.
func addExtensionLibraries(t *HostTree, stdlib string, ldDirs []string) {
	modules, _ := filepath.Glob(filepath.Join(stdlib, "lib-dynload", "*.so"))
	for _, m := range modules {
		addLibraries(t, m, ldDirs)
	}
}

// pythonName matches a versioned python binary's name. It is compiled on
// first use, not in every start's package initialisation (40 us).
var pythonName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^python\d+\.\d+$`) })

// InterpreterStdlib returns the standard library directory a language
// runtime needs next to its binary (python: /usr/lib/pythonX.Y beside
// /usr/bin/pythonX.Y), or "".
func InterpreterStdlib(real string) string {
	base := filepath.Base(real)
	if !pythonName().MatchString(base) {
		return ""
	}
	dir := filepath.Join(filepath.Dir(filepath.Dir(real)), "lib", base)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// LdSoConfDirs lists the directories of ld.so.conf (and its includes), the
// directories ld.so's cache covers.
func LdSoConfDirs(conf string) []string {
	var dirs []string
	seen := map[string]bool{}
	var read func(p string, depth int)
	read = func(p string, depth int) {
		if depth > 8 || seen[p] {
			return
		}
		seen[p] = true
		data, err := os.ReadFile(p)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			f := strings.Fields(line)
			switch {
			case len(f) == 0:
			case f[0] == "include" && len(f) >= 2:
				for _, pat := range f[1:] {
					if !filepath.IsAbs(pat) {
						pat = filepath.Join(filepath.Dir(p), pat)
					}
					matches, _ := filepath.Glob(pat)
					for _, m := range matches {
						read(m, depth+1)
					}
				}
			case filepath.IsAbs(f[0]) && !slices.Contains(dirs, f[0]):
				dirs = append(dirs, f[0])
			}
		}
	}
	read(conf, 0)
	return dirs
}
