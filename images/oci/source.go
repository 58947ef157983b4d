package oci

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/elfloader/elfloader/images"
)

// Options tune the Open functions. The zero value selects linux/amd64.
type Options struct {
	// Platform to select from a multi-platform index; zero means LinuxAMD64.
	Platform Platform
	// Ref selects an image by name when the layout or tarball holds several:
	// an index.json "org.opencontainers.image.ref.name" (e.g. "latest") or
	// "io.containerd.image.name", or a docker-save RepoTag ("busybox:latest").
	Ref string
	// Progress, if set, receives compressed layer bytes during the first
	// pass over the layers (the scan that computes the final tree).
	Progress images.Progress
	// Logger receives warnings (skipped device nodes …); nil discards them.
	Logger *slog.Logger
}

func (o *Options) fill() {
	if o.Platform == (Platform{}) {
		o.Platform = LinuxAMD64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Source is a container image opened as an images.FileSource. The first
// Walk or ContentSize call scans the layers (verifying every digest) and
// computes the merged tree; Walk then streams the surviving contents.
type Source struct {
	store  blobStore
	layers []layerRef
	config ImageConfig
	info   images.SourceInfo
	opts   Options

	once    sync.Once
	tree    *mergedTree
	treeErr error
}

// Open opens an OCI image layout directory, an OCI archive (a tar of a
// layout) or a docker-save tarball, detected from its contents.
func Open(p string, opts Options) (*Source, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("open image source: %w", err)
	}
	if st.IsDir() {
		return OpenLayout(p, opts)
	}
	store, err := newTarStore(p)
	if err != nil {
		return nil, fmt.Errorf("open image source: %w", err)
	}
	return openTarStore(store, p, opts)
}

// openTarStore opens an indexed tarball as an OCI archive or a docker-save
// tarball, whichever its members say it is.
func openTarStore(store *tarStore, p string, opts Options) (*Source, error) {
	switch {
	case store.has("index.json") && store.has("oci-layout"):
		return openLayoutStore(store, "oci-archive", p, opts)
	case store.has("manifest.json"):
		return openDockerStore(store, p, opts)
	}
	store.Close()
	return nil, fmt.Errorf("open image source %s: neither an OCI archive (index.json, oci-layout) nor a docker-save tarball (manifest.json)", p)
}

// OpenLayout opens an OCI image layout directory.
func OpenLayout(dir string, opts Options) (*Source, error) {
	store, err := newDirStore(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout: %w", err)
	}
	return openLayoutStore(store, "oci-layout", dir, opts)
}

// OpenArchive opens an OCI archive: an uncompressed tar of an image layout.
func OpenArchive(p string, opts Options) (*Source, error) {
	store, err := newTarStore(p)
	if err != nil {
		return nil, fmt.Errorf("open OCI archive: %w", err)
	}
	return openLayoutStore(store, "oci-archive", p, opts)
}

// OpenDockerArchive opens a tarball written by `docker save`.
func OpenDockerArchive(p string, opts Options) (*Source, error) {
	store, err := newTarStore(p)
	if err != nil {
		return nil, fmt.Errorf("open docker archive: %w", err)
	}
	return openDockerStore(store, p, opts)
}

func openLayoutStore(store blobStore, kind, p string, opts Options) (*Source, error) {
	opts.fill()
	s, err := newLayoutSource(store, opts)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open %s %s: %w", kind, p, err)
	}
	s.info.Kind, s.info.Path = kind, absPath(p)
	return s, nil
}

func openDockerStore(store blobStore, p string, opts Options) (*Source, error) {
	opts.fill()
	s, err := newDockerSource(store, opts)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open docker archive %s: %w", p, err)
	}
	s.info.Kind, s.info.Path = "docker-archive", absPath(p)
	return s, nil
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Close releases the files the source holds open.
func (s *Source) Close() error { return s.store.Close() }

// ImageConfig returns the image's OCI configuration document.
func (s *Source) ImageConfig() ImageConfig { return s.config }

// Config returns the runtime configuration to store in an elfloader image.
func (s *Source) Config() images.Config {
	rc := s.config.Config
	cfg := images.Config{
		Entrypoint: rc.Entrypoint, Cmd: rc.Cmd, Env: rc.Env, WorkingDir: rc.WorkingDir,
		User: rc.User, Labels: rc.Labels, StopSignal: rc.StopSignal, Source: s.info,
	}
	for port := range rc.ExposedPorts {
		cfg.ExposedPorts = append(cfg.ExposedPorts, port)
	}
	slices.Sort(cfg.ExposedPorts)
	return cfg
}

// Layers returns the number of layers.
func (s *Source) Layers() int { return len(s.layers) }

func (s *Source) scan(ctx context.Context) (*mergedTree, error) {
	s.once.Do(func() {
		var total int64
		for _, l := range s.layers {
			if l.size < 0 || total < 0 {
				total = -1
				continue
			}
			total += l.size
		}
		var progress func(int64)
		if s.opts.Progress != nil {
			var done int64
			s.opts.Progress.Report(0, total)
			progress = func(n int64) { done += n; s.opts.Progress.Report(done, total) }
		}
		m := &merger{root: &node{children: make(map[string]*node), ino: newDirInode(0)}, log: s.opts.Logger}
		for i := range s.layers {
			if err := m.applyLayer(ctx, s.store, i, &s.layers[i], progress); err != nil {
				s.treeErr = err
				return
			}
		}
		s.tree = m.finalize(len(s.layers))
	})
	return s.tree, s.treeErr
}

// ContentSize implements images.Sizer.
func (s *Source) ContentSize(ctx context.Context) (int64, error) {
	t, err := s.scan(ctx)
	if err != nil {
		return 0, err
	}
	return t.total, nil
}

// Walk implements images.FileSource.
func (s *Source) Walk(ctx context.Context, fn images.WalkFunc) error {
	t, err := s.scan(ctx)
	if err != nil {
		return err
	}
	return t.emit(ctx, s.store, s.layers, fn)
}

func platformList(ps []Platform) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.String())
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ", ")
}

// IsLayout reports whether dir looks like an OCI image layout (it holds an
// index.json), as opposed to a plain root-filesystem directory.
func IsLayout(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "index.json"))
	return err == nil && st.Mode().IsRegular()
}
