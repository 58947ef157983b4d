package container

// Running elfloader images: the image's root filesystem is extracted into a
// fresh ramfs that becomes the app's "/" (devfs, /tmp and the volumes are
// mounted over it by BuildRoot), and the image's runtime configuration is
// applied as a container engine would (docs/image-format.md, "How
// elfloader run applies the config").

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// ImageOptions override an image's config the way docker run's flags do.
type ImageOptions struct {
	// Entrypoint, when set, replaces the image's entrypoint and drops its
	// cmd; "" clears both.
	Entrypoint *string
	Workdir    string   // the app's working directory instead of the image's
	User       string   // the app's user instead of the image's
	Env        []string // NAME=VALUE (or NAME, the host's value) overrides
	// Bar, when set, returns a progress bar for a stage ("verifying",
	// "unpacking"); Finish is called when the stage ends.
	Bar    func(stage string) Bar
	Logger *slog.Logger
}

// Bar is a progress display of one stage.
type Bar interface {
	images.Progress
	Finish()
}

// App is an image unpacked and configured, ready to run.
type App struct {
	Root    vfs.FileSystem // the unpacked root filesystem (a ramfs)
	Argv    []string
	Env     []string // the app's whole environment
	Cred    vfs.Cred // the app's user, from the image's /etc/passwd
	Workdir string
}

type noBar struct{}

func (noBar) Report(done, total int64) {}
func (noBar) Finish()                  {}

// LooksLikeImage reports whether path should be treated as an elfloader
// image: it starts with the image magic, or it is named *.img and is not an
// ELF file (so that a damaged image gets the image reader's error message).
func LooksLikeImage(path string) bool {
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

// PrepareImage opens and extracts the image at imgPath, applies its config
// and the overrides, and returns the app to run with args after the
// image's entrypoint (or instead of its cmd).
func PrepareImage(imgPath string, args []string, o ImageOptions) (*App, error) {
	bars := o.Bar
	if bars == nil {
		bars = func(string) Bar { return noBar{} }
	}
	bar := bars("verifying")
	img, err := images.OpenWithOptions(imgPath, images.OpenOptions{Progress: bar, Logger: o.Logger, Lazy: true})
	bar.Finish()
	if err != nil {
		return nil, err
	}
	// The image's tree is the app's "/" (BuildRoot's RootFS).
	root := ramfs.New(ramfs.Options{Dev: vfs.RootDev, PathCacheable: true})
	var ctx *vfs.Context
	if img.Indexed() {
		// The image stays open: its files are decompressed when the app
		// opens them.
		ctx, err = unpackLazy(img, root, o.Logger)
	} else {
		defer img.Close()
		ctx, err = unpack(img, root, bars("unpacking"))
	}
	if err != nil {
		return nil, fmt.Errorf("unpacking: %w", err)
	}
	cfg := img.Config()
	if o.Entrypoint != nil {
		cfg.Entrypoint, cfg.Cmd = nil, nil
		if *o.Entrypoint != "" {
			cfg.Entrypoint = []string{*o.Entrypoint}
		}
	}
	app := &App{Root: root, Argv: cfg.Argv(args)}
	if len(app.Argv) == 0 {
		return nil, errors.New("the image has no entrypoint or cmd: give a command after the image")
	}
	app.Workdir = firstNonEmpty(o.Workdir, cfg.WorkingDir, "/")
	if !path.IsAbs(app.Workdir) {
		return nil, fmt.Errorf("working directory %q is not absolute", app.Workdir)
	}
	user := firstNonEmpty(o.User, cfg.User)
	cred, home, err := ResolveUser(ctx, user)
	if err != nil {
		return nil, err
	}
	app.Cred = cred
	app.Env = ImageEnv(cfg.Env, o.Env, home)
	return app, nil
}

// rootSink returns a root context on a fresh root filesystem (umask 0)
// and a sink that writes into it.
func rootSink(root vfs.FileSystem) (*vfs.Context, *VFSSink, error) {
	v, err := vfs.New(root, vfs.MountOptions{})
	if err != nil {
		return nil, nil, err
	}
	ctx := v.NewContext()
	ctx.Umask = 0
	return ctx, NewVFSSink(ctx), nil
}

// unpack extracts img into the ramfs root and returns a root context on it.
func unpack(img *images.Image, root vfs.FileSystem, bar Bar) (*vfs.Context, error) {
	defer bar.Finish()
	ctx, sink, err := rootSink(root)
	if err != nil {
		return nil, err
	}
	counted := &progressSink{Sink: sink, total: img.Info().RootfsSize, bar: bar}
	if err := img.Extract(context.Background(), counted); err != nil {
		return nil, err
	}
	if err := sink.Finish(); err != nil {
		return nil, err
	}
	return ctx, nil
}

// unpackLazy builds the ramfs root of an indexed image from its index
// alone: directories, symlinks and hard links at once, regular files with
// their size and attributes, their bytes read from the image (only the
// frames that hold them) when the app first opens them.
func unpackLazy(img *images.Image, root vfs.FileSystem, log *slog.Logger) (*vfs.Context, error) {
	ctx, sink, err := rootSink(root)
	if err != nil {
		return nil, err
	}
	for _, e := range img.Entries() {
		switch e.Kind {
		case images.KindDir:
			err = sink.Dir(e.Header)
		case images.KindSymlink:
			err = sink.Symlink(e.Header, e.Linkname)
		case images.KindHardlink:
			err = sink.Hardlink(e.Header, e.Linkname)
		case images.KindFile:
			if hf, ok := img.HostFile(); ok && e.Stored() {
				err = sink.ExtentFile(e.Header, extentOpener(img, int(hf.Fd()), e, log))
			} else {
				err = sink.LazyFile(e.Header, contentLoader(img, e, log))
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := sink.Finish(); err != nil {
		return nil, err
	}
	return ctx, nil
}

// contentLoader reads an entry's content from the image, saying why when
// it cannot (the app sees EIO).
func contentLoader(img *images.Image, e images.IndexEntry, log *slog.Logger) func() (io.Reader, error) {
	return func() (io.Reader, error) {
		r, err := img.ContentReader(e)
		if err != nil && log != nil {
			log.Warn("image file unreadable", "path", "/"+e.Path, "err", err)
		}
		return r, err
	}
}

// extentOpener checks a stored file's bytes in the image (StoredExtent) on
// its first open and returns where they are, for the ramfs file that
// reads and maps them from the image file.
func extentOpener(img *images.Image, fd int, e images.IndexEntry, log *slog.Logger) func() (ramfs.Extent, error) {
	return func() (ramfs.Extent, error) {
		off, err := img.StoredExtent(e)
		if err != nil {
			if log != nil {
				log.Warn("image file unreadable", "path", "/"+e.Path, "err", err)
			}
			return ramfs.Extent{}, err
		}
		return ramfs.Extent{FD: fd, Off: off}, nil
	}
}

// CheckWorkdir reports whether workdir is a directory in the app's view.
func CheckWorkdir(ctx *vfs.Context, workdir string) error {
	st, err := vfs.StatAt(ctx, ctx.Root, workdir, 0)
	if err != nil {
		return fmt.Errorf("working directory %s: %w", workdir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("working directory %s: %w", workdir, unix.ENOTDIR)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
