package main

// `elfloader run APP.img [ARGS...]` and `elfloader inspect APP.img`: the
// image is prepared by package container; this file wires its flags and
// describes images.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/images"
)

// imageError renders an error about the image at p on one line, starting
// with p once (images.Open's errors already name the file).
func imageError(p string, err error) string {
	msg := oneLine(err)
	msg = strings.TrimPrefix(msg, "open image "+p+": ")
	msg = strings.TrimPrefix(msg, "open image: ")
	msg = strings.TrimPrefix(msg, "open "+p+": ")
	return p + ": " + msg
}

// runImage runs `elfloader run [flags] IMAGE [ARGS...]`.
func runImage(o *runOptions, args []string, stderr io.Writer) int {
	if o.fs.Root != "" && o.fs.Root != "/" {
		fmt.Fprintf(stderr, "elfloader: %s: --root cannot be combined with an image (the image is the root)\n", args[0])
		return 125
	}
	tty := isTerminal(stderr)
	app, err := container.PrepareImage(args[0], args[1:], container.ImageOptions{
		Entrypoint: o.entrypoint,
		Workdir:    o.fs.Workdir,
		User:       o.user,
		Env:        o.envs,
		Bar:        func(stage string) container.Bar { return images.NewTermBar(stderr, tty, stage) },
		Logger:     warnLogger(stderr),
	})
	if err != nil {
		fmt.Fprintf(stderr, "elfloader: %s\n", imageError(args[0], err))
		return 125
	}
	o.fs.RootFS, o.fs.Workdir = app.Root, app.Workdir
	o.envs = nil // already part of app.Env
	o.user = ""  // already resolved in app.Cred
	o.image = app
	return runProgram(o, app.Argv, hooks{}, stderr)
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
	if info.StoredFiles > 0 {
		row("Stored files", "%d ELF files, %d bytes, uncompressed and page-aligned (mapped from the image at run)", info.StoredFiles, info.StoredBytes)
	}
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

// warnLogger prints warnings (skipped device nodes …) on w.
func warnLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
