package main

// `elfloader pack`: build an elfloader image from a directory, an OCI image
// layout, an OCI archive, a docker-save tarball, another image, or a single
// program with the libraries it needs (--binary).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/elfloader/elfloader/elfloader"
	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/images/oci"
)

// packOptions are pack's flags.
type packOptions struct {
	output       string
	binary       string
	entrypoint   string
	cmd          string
	envs         multiFlag
	workdir      string
	user         string
	labels       multiFlag
	platform     string
	ref          string
	adds         multiFlag
	squashOwners bool
	compression  string
	noStdlib     bool
}

func (o *packOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.output, "o", "", "write the image to `FILE` (required)")
	fs.StringVar(&o.output, "output", "", "same as -o")
	fs.StringVar(&o.binary, "binary", "", "pack `PROGRAM` with its interpreter and libraries instead of a SOURCE")
	fs.StringVar(&o.entrypoint, "entrypoint", "", "set the entrypoint: a JSON array or space-separated `WORDS`")
	fs.StringVar(&o.cmd, "cmd", "", "set the default command: a JSON array or space-separated `WORDS`")
	fs.Var(&o.envs, "env", "add `NAME=VALUE` to the image's environment (repeatable)")
	fs.StringVar(&o.workdir, "workdir", "", "set the working `DIR`")
	fs.StringVar(&o.user, "user", "", "set the `USER` (uid[:gid] or name[:group])")
	fs.Var(&o.labels, "label", "add the label `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.platform, "platform", "linux/amd64", "`OS/ARCH` to select from a multi-platform image")
	fs.StringVar(&o.ref, "ref", "", "select the image named `REF` when SOURCE holds several")
	fs.Var(&o.adds, "add", "add the host file or directory `HOST[:GUEST]` to the image (repeatable; GUEST defaults to HOST)")
	fs.BoolVar(&o.squashOwners, "squash-owners", false, "make every file of a directory SOURCE or --add owned by 0:0")
	fs.StringVar(&o.compression, "compression", "default", "zstd level: fastest, default, better or best")
	fs.BoolVar(&o.noStdlib, "no-stdlib", false, "with --binary: do not add an interpreter's standard library (python's /usr/lib/pythonX.Y)")
}

func cmdPack(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o packOptions
	o.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader pack [flags] SOURCE -o APP.img
       elfloader pack [flags] --binary PROGRAM -o APP.img

Packs SOURCE into an elfloader image that "elfloader run APP.img" boots.
SOURCE is a directory (its contents become /), an OCI image layout, an OCI
archive, a docker-save tarball or another elfloader image. With --binary, the
image holds PROGRAM, its interpreter and the shared libraries it needs (found
as ld.so would), minimal /etc files and /tmp; its entrypoint is PROGRAM.
The config flags replace or extend the source's configuration.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, interleaveFlags(fs, args)); !ok {
		return st
	}
	wantArgs := 1
	if o.binary != "" {
		wantArgs = 0
	}
	if fs.NArg() != wantArgs || o.output == "" {
		fs.Usage()
		return 2
	}
	if err := pack(&o, fs.Arg(0), stderr); err != nil {
		fmt.Fprintf(stderr, "elfloader: pack: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// interleaveFlags lets flags follow the SOURCE operand ("pack DIR -o x.img")
// by moving the operands after the flags.
func interleaveFlags(fs *flag.FlagSet, args []string) []string {
	var flags, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			operands = append(operands, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(append(flags, "--"), operands...)
}

// pack builds the image described by o from source.
func pack(o *packOptions, source string, stderr io.Writer) error {
	ctx := context.Background()
	logger := warnLogger(stderr)
	tty := isTerminal(stderr)
	comp, err := parseCompression(o.compression)
	if err != nil {
		return err
	}
	platform, err := parsePlatform(o.platform)
	if err != nil {
		return err
	}

	var root images.FileSource
	var cfg images.Config
	if o.binary != "" {
		root, cfg, err = binarySource(o)
	} else {
		var closeFn func() error
		root, cfg, closeFn, err = openPackSource(source, o, platform, logger, tty, stderr)
		if closeFn != nil {
			defer closeFn()
		}
	}
	if err != nil {
		return err
	}
	if len(o.adds) > 0 {
		layers := []images.FileSource{root}
		for _, a := range o.adds {
			src, err := addSource(a, o.squashOwners, logger)
			if err != nil {
				return err
			}
			layers = append(layers, src)
		}
		root = &layeredSource{layers: layers}
	}
	if err := applyConfigFlags(&cfg, o); err != nil {
		return err
	}
	bar := images.NewTermBar(stderr, tty, "packing")
	err = images.WriteFile(ctx, o.output, cfg, root, images.WriteOptions{Compression: comp, Progress: bar, Logger: logger})
	bar.Finish()
	if err != nil {
		return err
	}
	return nil
}

// openPackSource opens SOURCE, detecting its kind.
func openPackSource(source string, o *packOptions, platform oci.Platform, logger *slog.Logger, tty bool, stderr io.Writer) (images.FileSource, images.Config, func() error, error) {
	abs, err := filepath.Abs(source)
	if err != nil {
		return nil, images.Config{}, nil, err
	}
	st, err := os.Stat(source)
	if err != nil {
		return nil, images.Config{}, nil, fmt.Errorf("source: %w", err)
	}
	if st.IsDir() && !oci.IsLayout(source) {
		cfg := images.Config{Source: images.SourceInfo{Kind: "dir", Path: abs}}
		return images.NewDirSource(source, images.DirOptions{SquashOwners: o.squashOwners, Logger: logger}), cfg, nil, nil
	}
	if !st.IsDir() && looksLikeImage(source) {
		img, err := images.Open(source)
		if err != nil {
			return nil, images.Config{}, nil, err
		}
		return img, img.Config(), img.Close, nil
	}
	if !st.IsDir() {
		if err := checkNotCompressed(source); err != nil {
			return nil, images.Config{}, nil, err
		}
	}
	bar := images.NewTermBar(stderr, tty, "reading layers")
	src, err := oci.Open(source, oci.Options{Platform: platform, Ref: o.ref, Progress: bar, Logger: logger})
	if err != nil {
		return nil, images.Config{}, nil, err
	}
	// The layer scan runs on the first call; run it now so that its bar
	// finishes before the packing bar starts.
	if _, err := src.ContentSize(context.Background()); err != nil {
		bar.Finish()
		src.Close()
		return nil, images.Config{}, nil, err
	}
	bar.Finish()
	return src, src.Config(), src.Close, nil
}

// checkNotCompressed refuses gzip/zstd-compressed tarballs with a hint.
func checkNotCompressed(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	switch {
	case n >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return fmt.Errorf("%s is gzip-compressed: decompress it first (gunzip)", p)
	case n == 4 && string(head[:]) == "\x28\xb5\x2f\xfd":
		return fmt.Errorf("%s is zstd-compressed: decompress it first (unzstd)", p)
	}
	return nil
}

func parseCompression(s string) (images.Compression, error) {
	switch s {
	case "", "default":
		return images.CompressionDefault, nil
	case "fastest":
		return images.CompressionFastest, nil
	case "better":
		return images.CompressionBetter, nil
	case "best":
		return images.CompressionBest, nil
	}
	return 0, fmt.Errorf("--compression %q: want fastest, default, better or best", s)
}

func parsePlatform(s string) (oci.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return oci.Platform{}, fmt.Errorf("--platform %q: want OS/ARCH[/VARIANT]", s)
	}
	p := oci.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// parseWords reads a command line flag: a JSON array of strings, or words
// separated by spaces.
func parseWords(flagName, s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var words []string
		if err := json.Unmarshal([]byte(s), &words); err != nil {
			return nil, fmt.Errorf("--%s: not a JSON array of strings: %w", flagName, err)
		}
		return words, nil
	}
	return strings.Fields(s), nil
}

// applyConfigFlags lets the config flags replace or extend cfg.
func applyConfigFlags(cfg *images.Config, o *packOptions) error {
	var err error
	if o.entrypoint != "" {
		if cfg.Entrypoint, err = parseWords("entrypoint", o.entrypoint); err != nil {
			return err
		}
	}
	if o.cmd != "" {
		if cfg.Cmd, err = parseWords("cmd", o.cmd); err != nil {
			return err
		}
	}
	for _, kv := range o.envs {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return fmt.Errorf("--env %q: want NAME=VALUE", kv)
		}
		cfg.Env = slices.DeleteFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, name+"=") })
		cfg.Env = append(cfg.Env, kv)
	}
	if o.workdir != "" {
		if !path.IsAbs(o.workdir) {
			return fmt.Errorf("--workdir %q: must be absolute", o.workdir)
		}
		cfg.WorkingDir = o.workdir
	}
	if o.user != "" {
		cfg.User = o.user
	}
	for _, kv := range o.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--label %q: want KEY=VALUE", kv)
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		cfg.Labels[k] = v
	}
	return nil
}

// warnLogger prints warnings (skipped device nodes …) on w.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// addSource returns the source for one --add HOST[:GUEST].
func addSource(spec string, squash bool, logger *slog.Logger) (images.FileSource, error) {
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
		return &prefixSource{src: images.NewDirSource(hostAbs, images.DirOptions{SquashOwners: squash, Logger: logger}), prefix: rel}, nil
	}
	t := newHostTree(squash)
	if err := t.addAs(hostAbs, guest); err != nil {
		return nil, fmt.Errorf("--add %s: %w", spec, err)
	}
	return t, nil
}

// binarySource builds the root filesystem of `pack --binary PROGRAM`.
func binarySource(o *packOptions) (images.FileSource, images.Config, error) {
	prog, err := filepath.Abs(o.binary)
	if err != nil {
		return nil, images.Config{}, err
	}
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		return nil, images.Config{}, fmt.Errorf("--binary: %w", err)
	}
	b, err := elfloader.ParseFile(real)
	if err != nil {
		return nil, images.Config{}, fmt.Errorf("--binary: %w", err)
	}
	t := newHostTree(o.squashOwners)
	if err := t.addPath(prog); err != nil {
		return nil, images.Config{}, err
	}
	if b.Interp != "" {
		if err := t.addPath(b.Interp); err != nil {
			return nil, images.Config{}, fmt.Errorf("interpreter: %w", err)
		}
	}
	openFile := func(p string) (io.ReaderAt, error) { return os.Open(p) }
	exists := func(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() }
	libs, err := elfloader.ClosureDirs(real, openFile, exists, ldSoConfDirs("/etc/ld.so.conf"))
	if err != nil {
		return nil, images.Config{}, fmt.Errorf("libraries of %s: %w", o.binary, err)
	}
	for _, lib := range libs {
		if err := t.addPath(lib); err != nil {
			return nil, images.Config{}, fmt.Errorf("library: %w", err)
		}
	}
	if !o.noStdlib {
		if dir := interpreterStdlib(real); dir != "" {
			o.adds = append([]string{dir}, o.adds...)
		}
	}
	t.addSystemFiles()
	cfg := images.Config{
		Entrypoint: []string{prog},
		Env:        []string{"PATH=" + defaultImagePath},
		WorkingDir: "/",
		Source:     images.SourceInfo{Kind: "dir", Path: prog, Platform: "linux/amd64"},
	}
	return t, cfg, nil
}

var pythonName = regexp.MustCompile(`^python\d+\.\d+$`)

// interpreterStdlib returns the standard library directory a language
// runtime needs next to its binary (python: /usr/lib/pythonX.Y beside
// /usr/bin/pythonX.Y), or "".
func interpreterStdlib(real string) string {
	base := filepath.Base(real)
	if !pythonName.MatchString(base) {
		return ""
	}
	dir := filepath.Join(filepath.Dir(filepath.Dir(real)), "lib", base)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// ldSoConfDirs lists the directories of ld.so.conf (and its includes), the
// directories ld.so's cache covers.
func ldSoConfDirs(conf string) []string {
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

// hostTree is a FileSource of chosen host files placed at the same or
// another path, plus generated files. Symlinks met on the way (in the file
// itself or in its parent directories) are kept as symlinks, and their
// targets are added too.
type hostTree struct {
	squash  bool
	entries map[string]*hostEntry // by clean relative path
}

type hostEntry struct {
	kind     images.Kind
	host     string // file or directory whose metadata (and content) is used
	data     []byte // generated content when host is ""
	perm     uint32
	linkname string
}

func newHostTree(squash bool) *hostTree {
	return &hostTree{squash: squash, entries: map[string]*hostEntry{}}
}

// addPath adds the host file at abs at the same path, resolving symlinks
// component by component as the kernel would, so that every link on the
// way is part of the tree.
func (t *hostTree) addPath(abs string) error {
	const maxLinks = 40
	links := 0
	todo := strings.Split(strings.Trim(path.Clean(abs), "/"), "/")
	cur := "/"
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, name)
		st, err := os.Lstat(next)
		if err != nil {
			return err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			if links++; links > maxLinks {
				return fmt.Errorf("%s: too many levels of symbolic links", abs)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return err
			}
			t.entries[strings.TrimPrefix(next, "/")] = &hostEntry{kind: images.KindSymlink, host: next, linkname: target}
			if path.IsAbs(target) {
				cur = "/"
			}
			todo = append(strings.Split(target, "/"), todo...)
		case st.IsDir():
			if len(todo) == 0 {
				return fmt.Errorf("%s: is a directory", abs)
			}
			cur = next
		case st.Mode().IsRegular():
			if len(todo) > 0 {
				return fmt.Errorf("%s: %s is not a directory", abs, next)
			}
			t.addParents(next)
			t.entries[strings.TrimPrefix(next, "/")] = &hostEntry{kind: images.KindFile, host: next}
			return nil
		default:
			return fmt.Errorf("%s: not a regular file", next)
		}
	}
	return fmt.Errorf("%s: is a directory", abs)
}

// addAs adds the host regular file (or symlink, kept as is) at host under
// the image path guest.
func (t *hostTree) addAs(host, guest string) error {
	st, err := os.Lstat(host)
	if err != nil {
		return err
	}
	rel := strings.TrimPrefix(path.Clean(guest), "/")
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(host)
		if err != nil {
			return err
		}
		t.entries[rel] = &hostEntry{kind: images.KindSymlink, host: host, linkname: target}
	case st.Mode().IsRegular():
		t.entries[rel] = &hostEntry{kind: images.KindFile, host: host}
	default:
		return errors.New("not a regular file, symlink or directory")
	}
	return nil
}

// addParents adds the real directories above the host path p.
func (t *hostTree) addParents(p string) {
	for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
		rel := strings.TrimPrefix(dir, "/")
		if _, ok := t.entries[rel]; ok {
			continue
		}
		t.entries[rel] = &hostEntry{kind: images.KindDir, host: dir}
	}
}

// addSystemFiles adds what most programs expect: /etc/passwd, /etc/group,
// /etc/hosts, /etc/nsswitch.conf, /etc/resolv.conf (the host's when
// readable) and /tmp.
func (t *hostTree) addSystemFiles() {
	gen := func(rel, content string) {
		if _, ok := t.entries[rel]; !ok {
			t.entries[rel] = &hostEntry{kind: images.KindFile, data: []byte(content), perm: 0o644}
		}
	}
	if _, ok := t.entries["etc"]; !ok {
		t.entries["etc"] = &hostEntry{kind: images.KindDir, perm: 0o755}
	}
	gen("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
	gen("etc/group", "root:x:0:\nnogroup:x:65534:\n")
	gen("etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	gen("etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n")
	resolv := "nameserver 127.0.0.1\n"
	if data, err := os.ReadFile("/etc/resolv.conf"); err == nil && len(data) < 64<<10 {
		resolv = string(data)
	}
	gen("etc/resolv.conf", resolv)
	if _, ok := t.entries["tmp"]; !ok {
		t.entries["tmp"] = &hostEntry{kind: images.KindDir, perm: 0o1777}
	}
	if _, ok := t.entries["root"]; !ok {
		t.entries["root"] = &hostEntry{kind: images.KindDir, perm: 0o700}
	}
}

// ContentSize implements images.Sizer.
func (t *hostTree) ContentSize(ctx context.Context) (int64, error) {
	var n int64
	for _, e := range t.entries {
		if e.kind != images.KindFile {
			continue
		}
		if e.host == "" {
			n += int64(len(e.data))
		} else if st, err := os.Stat(e.host); err == nil {
			n += st.Size()
		}
	}
	return n, nil
}

// Walk implements images.FileSource: the root, directories, symlinks, then
// files, each group sorted.
func (t *hostTree) Walk(ctx context.Context, fn images.WalkFunc) error {
	now := time.Now().Truncate(time.Second)
	if err := fn(images.Header{Path: ".", Kind: images.KindDir, Perm: 0o755, ModTime: now}, nil); err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(t.entries))
	for _, kind := range []images.Kind{images.KindDir, images.KindSymlink, images.KindFile} {
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			e := t.entries[name]
			if e.kind != kind {
				continue
			}
			if err := t.emit(name, e, now, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *hostTree) emit(name string, e *hostEntry, now time.Time, fn images.WalkFunc) error {
	hdr := images.Header{Path: name, Kind: e.kind, Perm: e.perm, ModTime: now, Linkname: e.linkname}
	if e.host == "" {
		if e.kind != images.KindFile {
			return fn(hdr, nil)
		}
		hdr.Size = int64(len(e.data))
		return fn(hdr, strings.NewReader(string(e.data)))
	}
	var f *os.File
	var st os.FileInfo
	var err error
	if e.kind == images.KindFile {
		if f, err = os.Open(e.host); err != nil {
			return err
		}
		defer f.Close()
		st, err = f.Stat()
	} else {
		st, err = os.Lstat(e.host)
	}
	if err != nil {
		return err
	}
	hdr.Perm = unixPerm(st.Mode())
	hdr.ModTime = st.ModTime()
	if !t.squash {
		hdr.UID, hdr.GID = fileOwner(st)
	}
	if e.kind != images.KindFile {
		return fn(hdr, nil)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", e.host)
	}
	hdr.Size = st.Size()
	r := &exactReader{r: io.LimitReader(f, hdr.Size), left: hdr.Size, name: e.host}
	return fn(hdr, r)
}

// exactReader fails when its file turns out shorter than announced.
type exactReader struct {
	r    io.Reader
	left int64
	name string
}

func (r *exactReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if err == io.EOF && r.left > 0 {
		return n, fmt.Errorf("%s: file shrank while it was packed", r.name)
	}
	return n, err
}

// unixPerm converts Go's file mode bits to Linux permission bits.
func unixPerm(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

// prefixSource places another source's tree under a directory.
type prefixSource struct {
	src    images.FileSource
	prefix string // clean, relative; "." for the root
}

func (s *prefixSource) join(p string) string {
	if s.prefix == "." {
		return p
	}
	if p == "." {
		return s.prefix
	}
	return s.prefix + "/" + p
}

// Walk implements images.FileSource.
func (s *prefixSource) Walk(ctx context.Context, fn images.WalkFunc) error {
	return s.src.Walk(ctx, func(hdr images.Header, content io.Reader) error {
		hdr.Path = s.join(hdr.Path)
		if hdr.Kind == images.KindHardlink {
			hdr.Linkname = s.join(hdr.Linkname)
		}
		return fn(hdr, content)
	})
}

// ContentSize implements images.Sizer.
func (s *prefixSource) ContentSize(ctx context.Context) (int64, error) {
	if sz, ok := s.src.(images.Sizer); ok {
		return sz.ContentSize(ctx)
	}
	return -1, nil
}

// layeredSource stacks sources: an entry of a later layer replaces the
// entry at the same path in earlier layers; directories merge (the first
// one's metadata wins). A first pass over the headers finds which layer
// owns each path; the second streams the owners' entries.
type layeredSource struct {
	layers []images.FileSource
}

// Walk implements images.FileSource.
func (s *layeredSource) Walk(ctx context.Context, fn images.WalkFunc) error {
	owner := map[string]int{} // path → last layer holding a non-directory there
	for i, l := range s.layers {
		err := l.Walk(ctx, func(hdr images.Header, _ io.Reader) error {
			if hdr.Kind == images.KindDir {
				delete(owner, hdr.Path)
			} else {
				owner[hdr.Path] = i
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	emitted := map[string]bool{} // paths delivered (directories and files)
	for i, l := range s.layers {
		err := l.Walk(ctx, func(hdr images.Header, content io.Reader) error {
			if hdr.Kind == images.KindDir {
				if o, ok := owner[hdr.Path]; ok && o > i || emitted[hdr.Path] {
					return nil
				}
				emitted[hdr.Path] = true
				return fn(hdr, content)
			}
			if o, ok := owner[hdr.Path]; !ok || o != i {
				return nil
			}
			if hdr.Kind == images.KindHardlink && !emitted[hdr.Linkname] {
				return fmt.Errorf("%s: hard link to %s, which a later source replaced", hdr.Path, hdr.Linkname)
			}
			emitted[hdr.Path] = true
			return fn(hdr, content)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ContentSize implements images.Sizer (an upper bound: replaced files
// count too).
func (s *layeredSource) ContentSize(ctx context.Context) (int64, error) {
	var total int64
	for _, l := range s.layers {
		sz, ok := l.(images.Sizer)
		if !ok {
			return -1, nil
		}
		n, err := sz.ContentSize(ctx)
		if err != nil || n < 0 {
			return -1, err
		}
		total += n
	}
	return total, nil
}

// fileOwner returns the owner of a host file.
func fileOwner(st os.FileInfo) (uid, gid uint32) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Uid, sys.Gid
	}
	return 0, 0
}
