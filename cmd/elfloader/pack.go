//go:build !elfloader_lean

package main

// `elfloader pack`: build an elfloader image from a directory, an OCI image
// layout, an OCI archive, a docker-save tarball, another image, or a single
// program with the libraries it needs (--binary).

import (
	"context"
	"encoding/json"
	"fmt"
	flag "github.com/spf13/pflag"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/images/oci"
	"github.com/elfloader/elfloader/images/registry"
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
	noStore      bool
}

func (o *packOptions) register(fs *flag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", "", "write the image to `FILE` (required)")
	fs.StringVar(&o.binary, "binary", "", "pack `PROGRAM` with its interpreter and libraries instead of a SOURCE")
	fs.StringVar(&o.entrypoint, "entrypoint", "", "set the entrypoint: a JSON array or space-separated `WORDS`")
	fs.StringVar(&o.cmd, "cmd", "", "set the default command: a JSON array or space-separated `WORDS`")
	fs.VarP(&o.envs, "env", "e", "add `NAME=VALUE` to the image's environment (repeatable)")
	fs.StringVarP(&o.workdir, "workdir", "w", "", "set the working `DIR`")
	fs.StringVarP(&o.user, "user", "u", "", "set the `USER` (uid[:gid] or name[:group])")
	fs.Var(&o.labels, "label", "add the label `KEY=VALUE` (repeatable)")
	fs.StringVar(&o.platform, "platform", "linux/amd64", "`OS/ARCH` to select from a multi-platform image")
	fs.StringVar(&o.ref, "ref", "", "select the image named `REF` when SOURCE holds several")
	fs.Var(&o.adds, "add", "add the host file or directory `HOST[:GUEST]` to the image (repeatable; GUEST defaults to HOST)")
	fs.BoolVar(&o.squashOwners, "squash-owners", false, "make every file of a directory SOURCE or --add owned by 0:0")
	fs.StringVar(&o.compression, "compression", "default", "zstd level: fastest, default, better or best")
	fs.BoolVar(&o.noStdlib, "no-stdlib", false, "with --binary: do not add an interpreter's standard library (python's /usr/lib/pythonX.Y)")
	fs.BoolVar(&o.noStore, "no-store", false, "compress ELF files with the rest instead of storing them uncompressed for mapping (a format 1.1 image, which older elfloaders read)")
}

func cmdPack(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pack")
	fs.SetOutput(stderr)
	var o packOptions
	o.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: elfloader pack [flags] SOURCE -o APP.img
       elfloader pack [flags] --binary PROGRAM -o APP.img

Packs SOURCE into an elfloader image that "elfloader run APP.img" boots.
SOURCE is a directory (its contents become /), an OCI image layout, an OCI
archive, a docker-save tarball ("-": read from stdin), another elfloader
image, or an image in a registry: docker://REF or REGISTRY/NAME:TAG (the
--platform image of an index; credentials from ~/.docker/config.json; plain
HTTP only for loopback registries). With --binary, the
image holds PROGRAM, its interpreter and the shared libraries it needs (found
as ld.so would), minimal /etc files and /tmp; its entrypoint is PROGRAM.
The config flags replace or extend the source's configuration.

Flags:
`)
		fs.PrintDefaults()
	}
	if st, ok := parseFlags(fs, args); !ok {
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

// pack builds the image described by o from source.
func pack(o *packOptions, source string, stderr io.Writer) error {
	started := time.Now()
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
		var stdlib []string
		root, cfg, stdlib, err = images.BinarySource(images.BinaryOptions{Program: o.binary, SquashOwners: o.squashOwners, NoStdlib: o.noStdlib})
		o.adds = append(stdlib, o.adds...)
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
			src, err := images.AddSource(a, o.squashOwners, logger)
			if err != nil {
				return err
			}
			layers = append(layers, src)
		}
		root = &images.LayeredSource{Layers: layers}
	}
	if err := applyConfigFlags(&cfg, o); err != nil {
		return err
	}
	bar := images.NewTermBar(stderr, tty, "packing")
	err = images.WriteFile(ctx, o.output, cfg, root, images.WriteOptions{Compression: comp, Progress: bar, Logger: logger, NoStore: o.noStore})
	bar.Finish()
	if err != nil {
		return err
	}
	if tty {
		return packSummary(stderr, o.output, time.Since(started))
	}
	return nil
}

// packSummary is the line a terminal gets at the end of pack: the image's
// size, its files and the time it took.
func packSummary(w io.Writer, output string, took time.Duration) error {
	img, err := images.Open(output)
	if err != nil {
		return err
	}
	defer img.Close()
	st, err := os.Stat(output)
	if err != nil {
		return err
	}
	info := img.Info()
	fmt.Fprintf(w, "packed %s: %s, %d files (%s unpacked) in %.1fs\n", output,
		images.FormatBytes(st.Size()), info.Entries, images.FormatBytes(info.RootfsSize), took.Seconds())
	return nil
}

// fetchSource makes a local file of a SOURCE that is not one: "-" (a
// docker-save tarball on stdin) or a registry reference. It returns the
// path to read and a cleanup, or source itself when it is local.
func fetchSource(source string, platform oci.Platform, tty bool, stderr io.Writer) (string, func(), error) {
	if _, err := os.Stat(source); err == nil && !strings.HasPrefix(source, registry.Scheme) {
		return source, func() {}, nil
	}
	var ref name.Reference
	if source != "-" {
		var err error
		if ref, err = registry.ParseReference(source); err != nil {
			if strings.HasPrefix(source, registry.Scheme) {
				return "", nil, err
			}
			return source, func() {}, nil // let the local open report it
		}
	}
	tmp, err := os.MkdirTemp("", "elfloader-pack-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	path := filepath.Join(tmp, "image.tar")
	if ref == nil {
		err = copyToFile(path, os.Stdin)
	} else {
		err = registry.PullToFile(context.Background(), ref, registry.Options{OS: platform.OS, Architecture: platform.Architecture, Variant: platform.Variant,
			Layer: func(i, n int, digest string) registry.LayerProgress {
				return images.NewTermBar(stderr, tty, fmt.Sprintf("layer %d/%d %.19s", i+1, n, digest))
			}}, path)
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return path, cleanup, nil
}

func copyToFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("reading stdin: %w", err)
	}
	return f.Close()
}

// openPackSource opens SOURCE, detecting its kind.
func openPackSource(source string, o *packOptions, platform oci.Platform, logger *slog.Logger, tty bool, stderr io.Writer) (images.FileSource, images.Config, func() error, error) {
	local, cleanup, err := fetchSource(source, platform, tty, stderr)
	if err != nil {
		return nil, images.Config{}, nil, err
	}
	src, cfg, closeFn, err := openLocalSource(local, o, platform, logger, tty, stderr)
	if err != nil {
		cleanup()
		return nil, images.Config{}, nil, err
	}
	if local != source && cfg.Source.Reference == "" {
		cfg.Source.Reference = strings.TrimPrefix(source, registry.Scheme)
	}
	return src, cfg, func() error {
		defer cleanup()
		if closeFn != nil {
			return closeFn()
		}
		return nil
	}, nil
}

// openLocalSource opens a local SOURCE, detecting its kind.
func openLocalSource(source string, o *packOptions, platform oci.Platform, logger *slog.Logger, tty bool, stderr io.Writer) (images.FileSource, images.Config, func() error, error) {
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
	if !st.IsDir() && container.LooksLikeImage(source) {
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
