package elfloader

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// DefaultLibraryDirs returns the directories ld.so searches last, in
// order (Debian multiarch first, then the generic ones).
func DefaultLibraryDirs() []string {
	return []string{
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
	}
}

// NotFoundError lists DT_NEEDED names that no search directory holds.
type NotFoundError struct {
	Object string   // the file whose DT_NEEDED could not be satisfied
	Names  []string // the missing libraries
	Dirs   []string // the directories searched for the first missing name
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: cannot find needed %s (searched %s)",
		e.Object, strings.Join(e.Names, ", "), strings.Join(e.Dirs, ":"))
}

// ResolveNeeded finds the file for each of b's DT_NEEDED names as ld.so
// would: a name with a '/' is used as is; otherwise DT_RPATH (only if there
// is no DT_RUNPATH), then DT_RUNPATH, then extraDirs (standing in for
// ld.so.cache), then DefaultLibraryDirs(). LD_LIBRARY_PATH is not consulted.
// $ORIGIN, $LIB and $PLATFORM are expanded, $ORIGIN to the directory of
// b.Path. exists reports whether a candidate file is present (on the host or
// in an image). The map holds every name found; a *NotFoundError lists the rest.
func ResolveNeeded(b *Binary, exists func(path string) bool, extraDirs []string) (map[string]string, error) {
	r := resolver{exists: exists, extraDirs: extraDirs}
	found := make(map[string]string, len(b.Needed))
	var missing []string
	var searched []string
	for _, name := range b.Needed {
		cands := r.candidates(b, name, nil)
		p := ""
		for _, c := range cands {
			if exists(c) {
				p = c
				break
			}
		}
		if p == "" {
			if missing == nil {
				searched = candidateDirs(cands)
			}
			missing = append(missing, name)
			continue
		}
		found[name] = p
	}
	if len(missing) > 0 {
		return found, &NotFoundError{Object: b.Path, Names: missing, Dirs: searched}
	}
	return found, nil
}

// Closure returns every shared library the executable at execPath needs,
// directly or indirectly, in the breadth-first order ld.so loads them,
// without duplicates. The interpreter (PT_INTERP) is not included. open
// reads a file (it is closed afterwards if it is an io.Closer); exists
// tests a path. Candidates that are not x86-64 ELF files are skipped like
// ld.so skips them. Libraries inherit DT_RPATH from the objects that load
// them, as in ld.so. Missing libraries are reported as a *NotFoundError
// together with the libraries that were found.
func Closure(execPath string, open func(string) (io.ReaderAt, error), exists func(string) bool) ([]string, error) {
	return closure(execPath, open, exists, nil)
}

// ClosureDirs is Closure with extra directories searched after DT_RUNPATH,
// where ld.so would consult its cache.
func ClosureDirs(execPath string, open func(string) (io.ReaderAt, error), exists func(string) bool, extraDirs []string) ([]string, error) {
	return closure(execPath, open, exists, extraDirs)
}

func closure(execPath string, open func(string) (io.ReaderAt, error), exists func(string) bool, extraDirs []string) ([]string, error) {
	r := resolver{exists: exists, extraDirs: extraDirs}
	root, err := parseWith(open, execPath)
	if err != nil {
		return nil, err
	}
	type item struct {
		b     *Binary
		chain [][]string // DT_RPATHs of the loaders, nearest first
	}
	var (
		out      []string
		byName   = map[string]bool{} // needed names already satisfied
		byPath   = map[string]bool{execPath: true}
		queue    = []item{{b: root}}
		notFound *NotFoundError
	)
	mainRPath := root.RPath
	if len(root.RunPath) > 0 {
		mainRPath = nil
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		chain := it.chain
		if it.b != root && mainRPath != nil {
			chain = append(append([][]string{}, chain...), mainRPath)
		}
		for _, name := range it.b.Needed {
			if byName[name] {
				continue
			}
			cands := r.candidates(it.b, name, chain)
			lib, p, err := r.firstLoadable(cands, open)
			if err != nil {
				return out, err
			}
			if lib == nil {
				if notFound == nil {
					notFound = &NotFoundError{Object: it.b.Path, Dirs: candidateDirs(cands)}
				}
				notFound.Names = append(notFound.Names, name)
				byName[name] = true
				continue
			}
			byName[name] = true
			if lib.SOName != "" {
				byName[lib.SOName] = true
			}
			if byPath[p] {
				continue
			}
			byPath[p] = true
			out = append(out, p)
			next := it.chain
			if len(it.b.RunPath) == 0 && len(it.b.RPath) > 0 && it.b != root {
				next = append([][]string{it.b.RPath}, it.chain...)
			}
			queue = append(queue, item{b: lib, chain: next})
		}
	}
	if notFound != nil {
		return out, notFound
	}
	return out, nil
}

// firstLoadable returns the first candidate that exists and parses as an
// x86-64 ELF; a candidate for another architecture is skipped.
func (r *resolver) firstLoadable(cands []string, open func(string) (io.ReaderAt, error)) (*Binary, string, error) {
	for _, c := range cands {
		if !r.exists(c) {
			continue
		}
		b, err := parseWith(open, c)
		if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrNotELF) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return b, c, nil
	}
	return nil, "", nil
}

func parseWith(open func(string) (io.ReaderAt, error), p string) (*Binary, error) {
	ra, err := open(p)
	if err != nil {
		return nil, fmt.Errorf("elfloader: open %s: %w", p, err)
	}
	if c, ok := ra.(io.Closer); ok {
		defer c.Close()
	}
	return Parse(ra, p)
}

type resolver struct {
	exists    func(string) bool
	extraDirs []string
}

// candidates lists, in search order, the paths ld.so would try for name
// when b loads it; chain holds the DT_RPATHs inherited from b's loaders.
func (r *resolver) candidates(b *Binary, name string, chain [][]string) []string {
	origin := path.Dir(b.Path)
	if strings.Contains(name, "/") {
		return []string{expandDST(name, origin)}
	}
	var dirs []string
	if len(b.RunPath) == 0 {
		dirs = append(dirs, b.RPath...)
		for _, rp := range chain {
			dirs = append(dirs, rp...)
		}
	}
	dirs = append(dirs, b.RunPath...)
	dirs = append(dirs, r.extraDirs...)
	dirs = append(dirs, DefaultLibraryDirs()...)
	seen := make(map[string]bool, len(dirs))
	var out []string
	for _, d := range dirs {
		p := path.Join(expandDST(d, origin), name)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// expandDST expands ld.so's dynamic string tokens for Debian x86-64.
func expandDST(s, origin string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return strings.NewReplacer(
		"${ORIGIN}", origin, "$ORIGIN", origin,
		"${LIB}", "lib/x86_64-linux-gnu", "$LIB", "lib/x86_64-linux-gnu",
		"${PLATFORM}", "x86_64", "$PLATFORM", "x86_64",
	).Replace(s)
}

func candidateDirs(cands []string) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = path.Dir(c)
	}
	return out
}
