package main

// Running elfloader images: `elfloader run APP.img [ARGS...]`.
//
// The image's root filesystem is extracted into a fresh ramfs that becomes
// the app's "/" (devfs, /tmp and the volumes are mounted over it by
// buildRoot), and the image's runtime configuration is applied as a
// container engine would (docs/image-format.md, "How elfloader run applies
// the config").

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// defaultImagePath is the PATH an image gets when its config has none.
const defaultImagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// looksLikeImage reports whether path should be treated as an elfloader
// image: it starts with the image magic, or it is named *.img and is not an
// ELF file (so that a damaged image gets the image reader's error message).
func looksLikeImage(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [8]byte
	n, _ := io.ReadFull(f, head[:])
	if string(head[:n]) == images.Magic {
		return true
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	return strings.HasSuffix(path, ".img") && !bytes.HasPrefix(head[:n], []byte("\x7fELF"))
}

// imageError renders an error about the image at p on one line, starting
// with p once (images.Open's errors already name the file).
func imageError(p string, err error) string {
	msg := oneLine(err)
	msg = strings.TrimPrefix(msg, "open image "+p+": ")
	msg = strings.TrimPrefix(msg, "open image: ")
	msg = strings.TrimPrefix(msg, "open "+p+": ")
	return p + ": " + msg
}

// imageRunFlags are the flags `run` has only for images.
type imageRunFlags struct {
	entrypoint    string
	entrypointSet bool
}

func (f *imageRunFlags) register(fs *flag.FlagSet) {
	fs.Func("entrypoint", "with an image: run `PROGRAM` instead of the image's entrypoint (\"\" clears it; the image's cmd is dropped)", func(s string) error {
		f.entrypoint, f.entrypointSet = s, true
		return nil
	})
}

// appImage is an image prepared to run: what runProgram needs besides the
// root filesystem (which goes to fsOptions.rootFS).
type appImage struct {
	env  []string // the app's whole environment
	cred vfs.Cred // the image's user; see applyImageCred
}

// runImage runs `elfloader run [flags] IMAGE [ARGS...]`.
func runImage(o *runOptions, f imageRunFlags, args []string, stderr io.Writer) int {
	argv, err := prepareImage(o, f, args[0], args[1:], stderr)
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %s\n", imageError(args[0], err))
		return 125
	}
	return runProgram(o, argv, hooks{}, stderr)
}

// prepareImage opens and extracts the image at imgPath, applies its config
// and the overriding flags, and fills o.fs.rootFS, o.fs.workdir and o.image.
// It returns the app's argv.
func prepareImage(o *runOptions, f imageRunFlags, imgPath string, args []string, stderr io.Writer) ([]string, error) {
	if o.fs.root != "" && o.fs.root != "/" {
		return nil, errors.New("--root cannot be combined with an image (the image is the root)")
	}
	tty := isTerminal(stderr)
	bar := images.NewTermBar(stderr, tty, "verifying")
	img, err := images.OpenWithOptions(imgPath, images.OpenOptions{Progress: bar, Logger: warnLogger(stderr)})
	bar.Finish()
	if err != nil {
		return nil, err
	}
	defer img.Close()
	root := ramfs.New(ramfs.Options{})
	v, err := vfs.New(root, vfs.MountOptions{})
	if err != nil {
		return nil, err
	}
	ctx := v.NewContext()
	ctx.Umask = 0
	sink := newVFSSink(ctx)
	bar = images.NewTermBar(stderr, tty, "unpacking")
	counted := &progressSink{Sink: sink, total: img.Info().RootfsSize, bar: bar}
	err = img.Extract(context.Background(), counted)
	bar.Finish()
	if err == nil {
		err = sink.finish()
	}
	if err != nil {
		return nil, fmt.Errorf("unpacking: %w", err)
	}

	cfg := img.Config()
	if f.entrypointSet {
		cfg.Entrypoint, cfg.Cmd = nil, nil
		if f.entrypoint != "" {
			cfg.Entrypoint = []string{f.entrypoint}
		}
	}
	argv := cfg.Argv(args)
	if len(argv) == 0 {
		return nil, errors.New("the image has no entrypoint or cmd: give a command after the image")
	}
	workdir := o.fs.workdir
	if workdir == "" {
		workdir = cfg.WorkingDir
	}
	if workdir == "" {
		workdir = "/"
	}
	if !path.IsAbs(workdir) {
		return nil, fmt.Errorf("working directory %q is not absolute", workdir)
	}
	if st, err := vfs.StatAt(ctx, ctx.Root, workdir, 0); err != nil {
		return nil, fmt.Errorf("working directory %s: %w", workdir, err)
	} else if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil, fmt.Errorf("working directory %s: %w", workdir, unix.ENOTDIR)
	}
	cred, home, err := imageUser(ctx, cfg.User)
	if err != nil {
		return nil, err
	}
	env := imageEnv(cfg.Env, o.envs, home)
	o.fs.rootFS = root
	o.fs.workdir = workdir
	o.envs = nil // already part of env
	o.image = &appImage{env: env, cred: cred}
	return argv, nil
}

// imageEnv builds the app's environment: the image's env, then the --env
// overrides (NAME=VALUE, or NAME to copy the host's value), then PATH and
// HOME when still missing.
func imageEnv(base, overrides []string, home string) []string {
	env := withEnv(base, overrides)
	set := func(kv string) { env = withEnv(env, []string{kv}) }
	if _, ok := lookupEnv(env, "PATH"); !ok {
		set("PATH=" + defaultImagePath)
	}
	if _, ok := lookupEnv(env, "HOME"); !ok {
		if home == "" {
			home = "/"
		}
		set("HOME=" + home)
	}
	return env
}

// withEnv returns base with the overrides applied: NAME=VALUE replaces
// NAME's entry or is appended; a bare NAME copies elfloader's own value,
// if any.
func withEnv(base, overrides []string) []string {
	env := append([]string(nil), base...)
	for _, kv := range overrides {
		if !strings.Contains(kv, "=") {
			val, ok := os.LookupEnv(kv)
			if !ok {
				continue
			}
			kv += "=" + val
		}
		name, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(env, func(e string) bool { n, _, _ := strings.Cut(e, "="); return n == name })
		if i >= 0 {
			env[i] = kv
		} else {
			env = append(env, kv)
		}
	}
	return env
}

func lookupEnv(env []string, name string) (string, bool) {
	for _, e := range env {
		if n, v, ok := strings.Cut(e, "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// imageUser resolves the config's user ("uid", "uid:gid", "name",
// "name:group"; default root) against the image's /etc/passwd and
// /etc/group, and returns the credentials and the user's home directory.
func imageUser(ctx *vfs.Context, spec string) (vfs.Cred, string, error) {
	passwd := readImageTable(ctx, "/etc/passwd")
	groups := readImageTable(ctx, "/etc/group")
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

// readImageTable reads a colon-separated table (/etc/passwd, /etc/group)
// from the image; a missing or unreadable file is an empty table.
func readImageTable(ctx *vfs.Context, p string) [][]string {
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

// progressSink counts the content bytes passing through to a sink.
type progressSink struct {
	images.Sink
	done, total int64
	bar         images.Progress
}

func (s *progressSink) File(hdr images.Header, content io.Reader) error {
	err := s.Sink.File(hdr, content)
	s.done += hdr.Size
	s.bar.Report(s.done, s.total)
	return err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// vfsSink writes an image's root filesystem through the vfs API, as root,
// below ctx.Root (a fresh ramfs). Owners, modes, times, symlinks and hard
// links are kept. Directory times are applied by finish, after their
// contents were written.
type vfsSink struct {
	ctx  *vfs.Context
	dirs []images.Header
	buf  []byte
}

func newVFSSink(ctx *vfs.Context) *vfsSink {
	ctx.Cred = vfs.Cred{} // root: every owner and mode can be set
	return &vfsSink{ctx: ctx, buf: make([]byte, 256<<10)}
}

func guestPath(p string) string {
	if p == "." {
		return "/"
	}
	return "/" + p
}

// Dir implements images.Sink.
func (s *vfsSink) Dir(hdr images.Header) error {
	p := guestPath(hdr.Path)
	if p != "/" {
		err := vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
		if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
			err = vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
		}
		if errors.Is(err, unix.EEXIST) {
			st, serr := vfs.StatAt(s.ctx, s.ctx.Root, p, unix.AT_SYMLINK_NOFOLLOW)
			if serr == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
				if err = s.remove(p); err == nil {
					err = vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
				}
			} else {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := s.attrs(p, hdr, false); err != nil {
		return err
	}
	s.dirs = append(s.dirs, hdr)
	return nil
}

// File implements images.Sink.
func (s *vfsSink) File(hdr images.Header, content io.Reader) error {
	p := guestPath(hdr.Path)
	if err := s.remove(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	how := vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW, Mode: hdr.Perm & 0o777}
	f, err := vfs.OpenAt(s.ctx, s.ctx.Root, p, how)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		f, err = vfs.OpenAt(s.ctx, s.ctx.Root, p, how)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	defer f.DecRef()
	var written int64
	for written < hdr.Size {
		n, rerr := content.Read(s.buf)
		for off := 0; off < n; {
			m, werr := f.Write(context.Background(), s.buf[off:n])
			if werr != nil {
				return fmt.Errorf("%s: %w", p, werr)
			}
			off += m
		}
		written += int64(n)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%s: %w", p, rerr)
		}
	}
	if written != hdr.Size {
		return fmt.Errorf("%s: %d bytes of content, want %d", p, written, hdr.Size)
	}
	return s.attrs(p, hdr, true)
}

// Symlink implements images.Sink.
func (s *vfsSink) Symlink(hdr images.Header, target string) error {
	p := guestPath(hdr.Path)
	if err := s.remove(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	err := vfs.SymlinkAt(s.ctx, target, s.ctx.Root, p)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		err = vfs.SymlinkAt(s.ctx, target, s.ctx.Root, p)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := vfs.ChownAt(s.ctx, s.ctx.Root, p, int(hdr.UID), int(hdr.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return s.times(p, hdr)
}

// Hardlink implements images.Sink.
func (s *vfsSink) Hardlink(hdr images.Header, target string) error {
	p := guestPath(hdr.Path)
	if err := s.remove(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	err := vfs.LinkAt(s.ctx, s.ctx.Root, guestPath(target), s.ctx.Root, p, 0)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		err = vfs.LinkAt(s.ctx, s.ctx.Root, guestPath(target), s.ctx.Root, p, 0)
	}
	if err != nil {
		return fmt.Errorf("%s: link to %s: %w", p, target, err)
	}
	return nil
}

// finish applies the directories' times, now that nothing is added to them.
func (s *vfsSink) finish() error {
	for i := len(s.dirs) - 1; i >= 0; i-- {
		if err := s.times(guestPath(s.dirs[i].Path), s.dirs[i]); err != nil {
			return err
		}
	}
	s.dirs = nil
	return nil
}

// makeParents creates the missing parents of p (mode 0755, owner 0:0, as
// image writers do) and reports whether it did.
func (s *vfsSink) makeParents(p string) bool {
	return mkdirAll(s.ctx, path.Dir(p)) == nil
}

// remove unlinks a non-directory at p if there is one.
func (s *vfsSink) remove(p string) error {
	err := vfs.UnlinkAt(s.ctx, s.ctx.Root, p, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// attrs sets owner then mode (a chown clears setuid/setgid) and, for
// non-directories, the times.
func (s *vfsSink) attrs(p string, hdr images.Header, withTimes bool) error {
	if err := vfs.ChownAt(s.ctx, s.ctx.Root, p, int(hdr.UID), int(hdr.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := vfs.ChmodAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777, 0); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if withTimes {
		return s.times(p, hdr)
	}
	return nil
}

func (s *vfsSink) times(p string, hdr images.Header) error {
	ts := unix.NsecToTimespec(hdr.ModTime.UnixNano())
	if hdr.ModTime.IsZero() {
		ts = unix.NsecToTimespec(0)
	}
	times := [2]unix.Timespec{ts, ts}
	if err := vfs.UtimensAt(s.ctx, s.ctx.Root, p, &times, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// imageFile is one entry of `inspect --files --json`.
type imageFile struct {
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	Mode     string `json:"mode"`
	UID      uint32 `json:"uid"`
	GID      uint32 `json:"gid"`
	Size     int64  `json:"size"`
	ModTime  string `json:"mtime"`
	Linkname string `json:"linkname,omitempty"`
}

// imageDescription is what `inspect --json` prints for an image.
type imageDescription struct {
	Path     string        `json:"path"`
	FileSize int64         `json:"fileSize"`
	Format   string        `json:"format"`
	Info     images.Info   `json:"info"`
	Config   images.Config `json:"config"`
	Files    []imageFile   `json:"files,omitempty"`
}

// inspectImage describes an image file: `elfloader inspect APP.img`.
func inspectImage(p string, listFiles, asJSON bool, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "elfloader: %s\n", imageError(p, err))
		return 1
	}
	img, err := images.Open(p)
	if err != nil {
		return fail(err)
	}
	defer img.Close()
	st, err := os.Stat(p)
	if err != nil {
		return fail(err)
	}
	info := img.Info()
	d := imageDescription{Path: p, FileSize: st.Size(), Info: info, Config: img.Config(),
		Format: fmt.Sprintf("%d.%d", info.FormatMajor, info.FormatMinor)}
	if listFiles {
		for hdr, err := range img.Files(context.Background()) {
			if err != nil {
				return fail(err)
			}
			d.Files = append(d.Files, imageFile{Path: hdr.Path, Kind: hdr.Kind.String(), Mode: modeString(hdr),
				UID: hdr.UID, GID: hdr.GID, Size: hdr.Size, ModTime: hdr.ModTime.UTC().Format("2006-01-02T15:04:05Z"),
				Linkname: hdr.Linkname})
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return fail(err)
		}
		return 0
	}
	if err := describeImage(stdout, &d, listFiles); err != nil {
		return fail(err)
	}
	return 0
}

func describeImage(w io.Writer, d *imageDescription, listFiles bool) error {
	var b strings.Builder
	row := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "%-14s "+format+"\n", append([]any{name + ":"}, args...)...)
	}
	words := func(ws []string) string {
		if len(ws) == 0 {
			return "(none)"
		}
		data, _ := json.Marshal(ws)
		return string(data)
	}
	cfg, info := d.Config, d.Info
	row("Image", "%s (elfloader image format %s, %d bytes)", d.Path, d.Format, d.FileSize)
	row("Root fs", "%d entries, %d bytes (%d compressed)", info.Entries, info.RootfsSize, info.RootfsCompressed)
	row("Rootfs digest", "%s", info.RootfsDigest)
	row("Config digest", "%s", info.ConfigDigest)
	src := cfg.Source
	if src.Kind != "" {
		s := src.Kind + " " + src.Path
		if src.Reference != "" {
			s += " (" + src.Reference + ")"
		}
		row("Source", "%s", s)
	}
	if src.Platform != "" {
		row("Platform", "%s", src.Platform)
	}
	if src.ManifestDigest != "" {
		row("Manifest", "%s", src.ManifestDigest)
	}
	if src.Created != "" {
		row("Created", "%s", src.Created)
	}
	row("Entrypoint", "%s", words(cfg.Entrypoint))
	row("Cmd", "%s", words(cfg.Cmd))
	workdir := cfg.WorkingDir
	if workdir == "" {
		workdir = "/"
	}
	row("WorkingDir", "%s", workdir)
	user := cfg.User
	if user == "" {
		user = "0:0 (default)"
	}
	row("User", "%s", user)
	if len(cfg.ExposedPorts) > 0 {
		row("ExposedPorts", "%s", strings.Join(cfg.ExposedPorts, " "))
	}
	if cfg.StopSignal != "" {
		row("StopSignal", "%s", cfg.StopSignal)
	}
	if len(cfg.Env) > 0 {
		row("Env", "%s", cfg.Env[0])
		for _, e := range cfg.Env[1:] {
			fmt.Fprintf(&b, "%-14s %s\n", "", e)
		}
	}
	if len(cfg.Labels) > 0 {
		keys := make([]string, 0, len(cfg.Labels))
		for k := range cfg.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			name := ""
			if i == 0 {
				name = "Labels:"
			}
			fmt.Fprintf(&b, "%-14s %s=%s\n", name, k, cfg.Labels[k])
		}
	}
	if listFiles {
		fmt.Fprintf(&b, "Files:\n")
		for _, f := range d.Files {
			owner := fmt.Sprintf("%d/%d", f.UID, f.GID)
			line := fmt.Sprintf("  %s %-9s %10d %s %s", f.Mode, owner, f.Size, f.ModTime[:10], f.Path)
			switch f.Kind {
			case images.KindSymlink.String():
				line += " -> " + f.Linkname
			case images.KindHardlink.String():
				line += " link to " + f.Linkname
			}
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// modeString renders an entry's kind and permissions like ls -l.
func modeString(hdr images.Header) string {
	kind := byte('-')
	switch hdr.Kind {
	case images.KindDir:
		kind = 'd'
	case images.KindSymlink:
		kind = 'l'
	}
	const rwx = "rwxrwxrwx"
	buf := []byte{kind}
	for i := 0; i < 9; i++ {
		if hdr.Perm&(1<<(8-i)) != 0 {
			buf = append(buf, rwx[i])
		} else {
			buf = append(buf, '-')
		}
	}
	special := []struct {
		bit   uint32
		pos   int
		lower byte
		upper byte
	}{{0o4000, 3, 's', 'S'}, {0o2000, 6, 's', 'S'}, {0o1000, 9, 't', 'T'}}
	for _, s := range special {
		if hdr.Perm&s.bit != 0 {
			if buf[s.pos] != '-' {
				buf[s.pos] = s.lower
			} else {
				buf[s.pos] = s.upper
			}
		}
	}
	return string(buf)
}
