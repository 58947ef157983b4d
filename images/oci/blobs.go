package oci

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxJSONBlob bounds index, manifest and config documents.
const maxJSONBlob = 16 << 20

// blobStore opens files of an image layout or tarball by relative name.
type blobStore interface {
	open(name string) (io.ReadCloser, error)
	has(name string) bool
	Close() error
}

// dirStore reads a layout directory; names cannot escape it.
type dirStore struct{ root *os.Root }

func newDirStore(dir string) (*dirStore, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &dirStore{root: root}, nil
}

func (d *dirStore) open(name string) (io.ReadCloser, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (d *dirStore) has(name string) bool {
	st, err := d.root.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

func (d *dirStore) Close() error { return d.root.Close() }

// tarStore reads members of an uncompressed tar file in place: one pass
// indexes the regular members' offsets, later reads are section reads.
type tarStore struct {
	r       io.ReaderAt
	size    int64
	closer  io.Closer
	members map[string]tarMember
	links   map[string]string // symlink or hard-link member → member it names
}

type tarMember struct{ offset, size int64 }

func newTarStore(p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s, err := newTarStoreReader(f, st.Size(), f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return s, nil
}

// newTarStoreReader indexes the tar held in the first size bytes of r;
// closer (may be nil) is closed by Close.
func newTarStoreReader(r io.ReaderAt, size int64, closer io.Closer) (*tarStore, error) {
	s := &tarStore{r: r, size: size, closer: closer, members: make(map[string]tarMember), links: make(map[string]string)}
	if err := s.index(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *tarStore) index() error {
	var magic [4]byte
	if _, err := s.r.ReadAt(magic[:], 0); err == nil && (isGzip(magic[:]) || isZstd(magic[:])) {
		return errors.New("compressed tarballs are not supported: decompress it first")
	}
	sr := io.NewSectionReader(s.r, 0, s.size)
	tr := tar.NewReader(sr) // reads exactly the header blocks and seeks over data
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		name := memberName(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			off, err := sr.Seek(0, io.SeekCurrent)
			if err != nil {
				return err
			}
			if hdr.Size > s.size-off {
				return fmt.Errorf("read tar: member %q (%d bytes) runs past the end of the file", hdr.Name, hdr.Size)
			}
			s.members[name] = tarMember{offset: off, size: hdr.Size}
		case tar.TypeSymlink:
			// Older docker save links repeated layers: a/layer.tar -> ../b/layer.tar.
			s.links[name] = memberName(path.Join(path.Dir(name), hdr.Linkname))
		case tar.TypeLink:
			s.links[name] = memberName(hdr.Linkname)
		}
	}
}

func memberName(name string) string {
	return path.Clean("/" + name)[1:] // also drops leading "/", "./" and any "../"
}

// lookup finds a member, following a few links between members.
func (s *tarStore) lookup(name string) (tarMember, bool) {
	name = memberName(name)
	for range 8 {
		if m, ok := s.members[name]; ok {
			return m, true
		}
		target, ok := s.links[name]
		if !ok {
			break
		}
		name = target
	}
	return tarMember{}, false
}

func (s *tarStore) open(name string) (io.ReadCloser, error) {
	m, ok := s.lookup(name)
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	return io.NopCloser(io.NewSectionReader(s.r, m.offset, m.size)), nil
}

func (s *tarStore) has(name string) bool {
	_, ok := s.lookup(name)
	return ok
}

func (s *tarStore) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// parseDigest splits "sha256:<64 hex>" and returns the blob path.
func parseDigest(d string) (hexSum string, blobPath string, err error) {
	alg, sum, ok := strings.Cut(d, ":")
	if !ok {
		return "", "", fmt.Errorf("malformed digest %q", d)
	}
	if alg != "sha256" {
		return "", "", fmt.Errorf("unsupported digest algorithm %q in %q", alg, d)
	}
	if len(sum) != 64 || strings.ToLower(sum) != sum {
		return "", "", fmt.Errorf("malformed digest %q", d)
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", "", fmt.Errorf("malformed digest %q", d)
	}
	return sum, "blobs/sha256/" + sum, nil
}

// readJSONBlob reads a small document by descriptor, verifies its size and
// digest, and decodes it into v.
func readJSONBlob(store blobStore, desc Descriptor, what string, v any) ([]byte, error) {
	_, name, err := parseDigest(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if desc.Size > maxJSONBlob {
		return nil, fmt.Errorf("%s %s: %d bytes is too large", what, desc.Digest, desc.Size)
	}
	data, err := readSmall(store, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s %s: blob missing from the image", what, desc.Digest)
		}
		return nil, fmt.Errorf("%s %s: %w", what, desc.Digest, err)
	}
	if got := sha256Digest(data); got != desc.Digest {
		return nil, fmt.Errorf("digest mismatch for %s %s (content is %s)", what, desc.Digest, got)
	}
	if desc.Size >= 0 && int64(len(data)) != desc.Size {
		return nil, fmt.Errorf("size mismatch for %s %s: %d bytes, descriptor says %d", what, desc.Digest, len(data), desc.Size)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, desc.Digest, err)
	}
	return data, nil
}

func readSmall(store blobStore, name string) ([]byte, error) {
	rc, err := store.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxJSONBlob+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxJSONBlob {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxJSONBlob)
	}
	return data, nil
}

func sha256Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }
func isZstd(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd
}
