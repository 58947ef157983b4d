// Package registry pulls container images from registries (Docker Hub,
// ghcr.io, a local distribution registry …) with
// github.com/google/go-containerregistry, choosing one platform from a
// multi-platform index and taking credentials from ~/.docker/config.json
// (the default keychain). Plain HTTP is allowed only for loopback
// registries, as docker allows it by default; every other registry is
// reached over HTTPS.
//
// The image is written as a "docker save" tarball, which package
// images/oci reads like any other local source.
package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Scheme is the prefix that marks a registry reference: docker://REF.
const Scheme = "docker://"

// ParseReference returns the image reference that s names, or an error
// when s is not one. "docker://REF" is always a reference; a bare
// "REGISTRY/NAME:TAG" or "NAME" is one only if it parses as such.
func ParseReference(s string) (name.Reference, error) {
	s = strings.TrimPrefix(s, Scheme)
	ref, err := name.ParseReference(s, name.WeakValidation)
	if err != nil {
		return nil, fmt.Errorf("%q is not an image reference: %w", s, err)
	}
	if loopback(ref.Context().RegistryStr()) {
		// The only registries plain HTTP may reach.
		ref, err = name.ParseReference(s, name.WeakValidation, name.Insecure)
	}
	return ref, err
}

// Options say which image to pull.
type Options struct {
	OS, Architecture, Variant string // the platform chosen from an index
	// Layer, when set, is called before each layer is downloaded (index
	// from 0 of count, its digest) and returns where its progress goes:
	// compressed bytes done out of the layer's size, then Finish.
	Layer func(index, count int, digest string) LayerProgress
}

// LayerProgress shows one layer's download.
type LayerProgress interface {
	Report(done, total int64)
	Finish()
}

// PullToFile pulls ref and writes it as a docker-save tarball to path. The
// platform comes from opts. A tag or image the registry does not have is
// reported in one line naming the reference.
func PullToFile(ctx context.Context, ref name.Reference, opts Options, path string) error {
	platform := v1.Platform{OS: opts.OS, Architecture: opts.Architecture, Variant: opts.Variant}
	img, err := remote.Image(ref,
		remote.WithContext(ctx),
		remote.WithPlatform(platform),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithTransport(httpsUnlessLoopback{remote.DefaultTransport}))
	if err != nil {
		return describe(ref, err)
	}
	if cf, err := img.ConfigFile(); err == nil && (cf.OS != "" && cf.OS != opts.OS || cf.Architecture != "" && cf.Architecture != opts.Architecture) {
		return fmt.Errorf("%s is for %s/%s, not %s/%s", ref, cf.OS, cf.Architecture, opts.OS, opts.Architecture)
	}
	if opts.Layer != nil {
		img = &progressImage{Image: img, layer: opts.Layer} // a pointer: tarball keys a map by image
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := tarball.Write(ref, img, f); err != nil {
		f.Close()
		return describe(ref, err)
	}
	return f.Close()
}

// describe turns a registry error into one line.
func describe(ref name.Reference, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%s: no such image or tag in the registry", ref)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%s: access denied (log in with docker login; credentials are read from ~/.docker/config.json)", ref)
		}
		if len(te.Errors) > 0 {
			return fmt.Errorf("%s: %s: %s", ref, te.Errors[0].Code, te.Errors[0].Message)
		}
	}
	if strings.Contains(err.Error(), "no child with platform") {
		return fmt.Errorf("%s: the image index has no linux/amd64 image", ref)
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("%s: %s", ref, msg)
}

// httpsUnlessLoopback refuses plain HTTP to anything but a loopback
// address (go-containerregistry would also use it for private networks).
type httpsUnlessLoopback struct{ next http.RoundTripper }

func (t httpsUnlessLoopback) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !loopback(req.URL.Host) {
		return nil, fmt.Errorf("refusing plain HTTP to %s: only loopback registries may be reached without TLS", req.URL.Host)
	}
	return t.next.RoundTrip(req)
}

// loopback reports whether host[:port] is a loopback name or address.
func loopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// progressImage is an image whose layers report their download.
type progressImage struct {
	v1.Image
	layer func(index, count int, digest string) LayerProgress
}

func (p *progressImage) Layers() ([]v1.Layer, error) {
	layers, err := p.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(layers))
	for i, l := range layers {
		out[i] = progressLayer{Layer: l, index: i, count: len(layers), newProgress: p.layer}
	}
	return out, nil
}

// progressLayer reports the reading of its compressed blob.
type progressLayer struct {
	v1.Layer
	index, count int
	newProgress  func(index, count int, digest string) LayerProgress
}

func (l progressLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	d, err := l.Digest()
	if err != nil {
		rc.Close()
		return nil, err
	}
	size, err := l.Size()
	if err != nil {
		size = -1
	}
	p := l.newProgress(l.index, l.count, d.String())
	p.Report(0, size)
	return &countingReader{rc: rc, p: p, total: size}, nil
}

// countingReader reports the bytes read through it; Close finishes the
// progress.
type countingReader struct {
	rc          io.ReadCloser
	p           LayerProgress
	done, total int64
}

func (r *countingReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	r.done += int64(n)
	r.p.Report(r.done, r.total)
	return n, err
}

func (r *countingReader) Close() error {
	r.p.Report(r.done, r.total)
	r.p.Finish()
	return r.rc.Close()
}
