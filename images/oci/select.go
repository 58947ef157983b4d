package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/elfloader/elfloader/images"
)

// candidate is an image manifest found in an index.
type candidate struct {
	desc     Descriptor
	ref      string
	platform *Platform // from the index; nil when the index does not say
}

const maxIndexDepth = 4

// newLayoutSource reads index.json, selects a manifest and prepares layers.
func newLayoutSource(store blobStore, opts Options) (*Source, error) {
	if store.has("oci-layout") {
		var layout struct {
			Version string `json:"imageLayoutVersion"`
		}
		data, err := readSmall(store, "oci-layout")
		if err != nil {
			return nil, fmt.Errorf("oci-layout: %w", err)
		}
		if err := json.Unmarshal(data, &layout); err != nil {
			return nil, fmt.Errorf("oci-layout: %w", err)
		}
		if !strings.HasPrefix(layout.Version, "1.") {
			return nil, fmt.Errorf("unsupported image layout version %q", layout.Version)
		}
	}
	data, err := readSmall(store, "index.json")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("index.json is missing: not an OCI image layout")
		}
		return nil, fmt.Errorf("index.json: %w", err)
	}
	var index Index
	if err := json.Unmarshal(data, &index); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	if index.MediaType != "" && !isIndex(index.MediaType) {
		return nil, unsupportedMediaType("index.json", index.MediaType, "")
	}
	cands, err := collectManifests(store, index, opts.Ref, 0)
	if err != nil {
		return nil, err
	}
	if opts.Ref != "" && len(cands) == 0 {
		return nil, fmt.Errorf("no image named %q in index.json", opts.Ref)
	}
	if len(cands) == 0 {
		return nil, errors.New("index.json lists no image manifests")
	}
	return chooseManifest(store, cands, opts)
}

func refName(d Descriptor) string {
	if r := d.Annotations[annotationContainerdName]; r != "" {
		return r
	}
	return d.Annotations[AnnotationRefName]
}

func collectManifests(store blobStore, index Index, wantRef string, depth int) ([]candidate, error) {
	var out []candidate
	for _, d := range index.Manifests {
		ref := refName(d)
		if depth == 0 && wantRef != "" && d.Annotations[AnnotationRefName] != wantRef &&
			d.Annotations[annotationContainerdName] != wantRef {
			continue
		}
		switch {
		case isIndex(d.MediaType):
			if depth >= maxIndexDepth {
				return nil, fmt.Errorf("index %s: nested more than %d deep", d.Digest, maxIndexDepth)
			}
			var nested Index
			if _, err := readJSONBlob(store, d, "index", &nested); err != nil {
				return nil, err
			}
			sub, err := collectManifests(store, nested, wantRef, depth+1)
			if err != nil {
				return nil, err
			}
			for i := range sub {
				if sub[i].ref == "" {
					sub[i].ref = ref
				}
			}
			out = append(out, sub...)
		case isManifest(d.MediaType):
			out = append(out, candidate{desc: d, ref: ref, platform: d.Platform})
		default:
			return nil, unsupportedMediaType("manifest", d.MediaType, d.Digest)
		}
	}
	return out, nil
}

// chooseManifest picks the one candidate for the wanted platform.
func chooseManifest(store blobStore, cands []candidate, opts Options) (*Source, error) {
	var seen []Platform
	var matches []*Source
	var refs []string
	for _, c := range cands {
		if c.platform != nil {
			seen = append(seen, *c.platform)
			if !c.platform.matches(opts.Platform) {
				continue
			}
		}
		s, err := loadManifest(store, c, opts)
		if err != nil {
			return nil, err
		}
		p := s.config.platform()
		if c.platform == nil {
			seen = append(seen, p)
		}
		if !p.matches(opts.Platform) {
			continue
		}
		matches = append(matches, s)
		refs = append(refs, c.ref)
	}
	switch {
	case len(matches) == 0:
		return nil, fmt.Errorf("no %s image in index (platforms: %s)", opts.Platform, platformList(seen))
	case len(matches) > 1 && len(slices.Compact(slices.Sorted(slices.Values(refs)))) > 1:
		return nil, fmt.Errorf("index holds several %s images (refs: %s): choose one by name",
			opts.Platform, strings.Join(refs, ", "))
	}
	return matches[0], nil
}

// loadManifest reads a manifest and its config and checks the layers.
func loadManifest(store blobStore, c candidate, opts Options) (*Source, error) {
	var m Manifest
	if _, err := readJSONBlob(store, c.desc, "manifest", &m); err != nil {
		return nil, err
	}
	if m.MediaType != "" && !isManifest(m.MediaType) {
		return nil, unsupportedMediaType("manifest", m.MediaType, c.desc.Digest)
	}
	if !isConfig(m.Config.MediaType) {
		return nil, unsupportedMediaType("config", m.Config.MediaType, m.Config.Digest)
	}
	s := &Source{store: store, opts: opts}
	if _, err := readJSONBlob(store, m.Config, "config", &s.config); err != nil {
		return nil, err
	}
	diffIDs := s.config.RootFS.DiffIDs
	if len(diffIDs) != len(m.Layers) {
		diffIDs = nil // cannot pair them up; the blob digests still protect the layers
	}
	for i, d := range m.Layers {
		if !layerMediaTypes[d.MediaType] {
			return nil, unsupportedMediaType("layer", d.MediaType, d.Digest)
		}
		_, name, err := parseDigest(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if !store.has(name) {
			return nil, fmt.Errorf("layer %s: blob missing from the image", d.Digest)
		}
		ref := layerRef{name: name, mediaType: d.MediaType, digest: d.Digest, size: d.Size}
		if diffIDs != nil {
			ref.diffID = diffIDs[i]
		}
		s.layers = append(s.layers, ref)
	}
	s.info = images.SourceInfo{
		Reference: c.ref, ManifestDigest: c.desc.Digest, ConfigDigest: m.Config.Digest,
		Platform: s.config.platform().String(), Created: formatCreated(s.config.Created),
	}
	return s, nil
}

func formatCreated(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// newDockerSource reads a docker-save manifest.json.
func newDockerSource(store blobStore, opts Options) (*Source, error) {
	data, err := readSmall(store, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var entries []DockerManifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	entry, ref, err := chooseDockerEntry(entries, opts.Ref)
	if err != nil {
		return nil, err
	}
	s := &Source{store: store, opts: opts}
	cfgData, err := readSmall(store, entry.Config)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config %s: blob missing from the archive", entry.Config)
		}
		return nil, fmt.Errorf("config %s: %w", entry.Config, err)
	}
	cfgDigest := sha256Digest(cfgData)
	if want := digestFromName(entry.Config); want != "" && want != cfgDigest {
		return nil, fmt.Errorf("digest mismatch for config %s (content is %s)", want, cfgDigest)
	}
	if err := json.Unmarshal(cfgData, &s.config); err != nil {
		return nil, fmt.Errorf("config %s: %w", entry.Config, err)
	}
	if p := s.config.platform(); !p.matches(opts.Platform) {
		return nil, fmt.Errorf("no %s image in archive (platforms: %s)", opts.Platform, p)
	}
	if len(s.config.RootFS.DiffIDs) != len(entry.Layers) {
		return nil, fmt.Errorf("config lists %d layer diff_ids, manifest.json lists %d layers",
			len(s.config.RootFS.DiffIDs), len(entry.Layers))
	}
	for i, name := range entry.Layers {
		diffID := s.config.RootFS.DiffIDs[i]
		if !store.has(name) {
			return nil, fmt.Errorf("layer %s (%s): blob missing from the archive", diffID, name)
		}
		s.layers = append(s.layers, layerRef{name: name, digest: digestFromName(name), size: -1, diffID: diffID})
	}
	s.info = images.SourceInfo{
		Reference: ref, ConfigDigest: cfgDigest,
		Platform: s.config.platform().String(), Created: formatCreated(s.config.Created),
	}
	return s, nil
}

func chooseDockerEntry(entries []DockerManifestEntry, want string) (DockerManifestEntry, string, error) {
	if len(entries) == 0 {
		return DockerManifestEntry{}, "", errors.New("manifest.json lists no images")
	}
	if want == "" {
		if len(entries) > 1 {
			var tags []string
			for _, e := range entries {
				tags = append(tags, e.RepoTags...)
			}
			return DockerManifestEntry{}, "", fmt.Errorf("archive holds %d images (tags: %s): choose one by tag",
				len(entries), strings.Join(tags, ", "))
		}
		ref := ""
		if len(entries[0].RepoTags) > 0 {
			ref = entries[0].RepoTags[0]
		}
		return entries[0], ref, nil
	}
	for _, e := range entries {
		for _, tag := range e.RepoTags {
			if tag == want || tag == want+":latest" {
				return e, tag, nil
			}
		}
	}
	return DockerManifestEntry{}, "", fmt.Errorf("no image tagged %q in the archive", want)
}

// digestFromName recovers the digest that docker-save file names carry:
// "blobs/sha256/<hex>" or "<hex>.json"; "" when the name carries none.
func digestFromName(name string) string {
	base := strings.TrimSuffix(path.Base(name), ".json")
	if strings.HasPrefix(name, "blobs/sha256/") || strings.HasSuffix(name, ".json") {
		if _, _, err := parseDigest("sha256:" + base); err == nil {
			return "sha256:" + base
		}
	}
	return ""
}
