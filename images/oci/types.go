package oci

import (
	"fmt"
	"time"
)

// Media types this package understands.
const (
	MediaTypeImageIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeImageManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeImageConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer         = "application/vnd.oci.image.layer.v1.tar"
	MediaTypeLayerGzip     = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeLayerZstd     = "application/vnd.oci.image.layer.v1.tar+zstd"

	MediaTypeLayerNonDistributable     = "application/vnd.oci.image.layer.nondistributable.v1.tar"
	MediaTypeLayerNonDistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
	MediaTypeLayerNonDistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerConfig       = "application/vnd.docker.container.image.v1+json"
	MediaTypeDockerLayer        = "application/vnd.docker.image.rootfs.diff.tar"
	MediaTypeDockerLayerGzip    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeDockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

	// AnnotationRefName names an image in an OCI layout's index.json.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// annotationContainerdName is the full reference containerd and Docker write.
	annotationContainerdName = "io.containerd.image.name"
)

var layerMediaTypes = map[string]bool{
	MediaTypeLayer: true, MediaTypeLayerGzip: true, MediaTypeLayerZstd: true,
	MediaTypeLayerNonDistributable: true, MediaTypeLayerNonDistributableGzip: true,
	MediaTypeLayerNonDistributableZstd: true,
	MediaTypeDockerLayer:               true, MediaTypeDockerLayerGzip: true, MediaTypeDockerForeignLayer: true,
}

func isIndex(mt string) bool { return mt == MediaTypeImageIndex || mt == MediaTypeDockerManifestList }
func isManifest(mt string) bool {
	return mt == MediaTypeImageManifest || mt == MediaTypeDockerManifest
}
func isConfig(mt string) bool { return mt == MediaTypeImageConfig || mt == MediaTypeDockerConfig }

// Descriptor points at a blob by digest.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *Platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Platform names an operating system and CPU architecture.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// matches reports whether p satisfies want (a variant in want must match).
func (p Platform) matches(want Platform) bool {
	return p.OS == want.OS && p.Architecture == want.Architecture &&
		(want.Variant == "" || p.Variant == want.Variant)
}

// LinuxAMD64 is the platform elfloader runs.
var LinuxAMD64 = Platform{OS: "linux", Architecture: "amd64"}

// Index is an OCI image index (index.json) or a Docker manifest list.
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Manifests     []Descriptor `json:"manifests"`
}

// Manifest is an OCI image manifest or a Docker v2 schema 2 manifest.
type Manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

// ImageConfig is the OCI image configuration (also Docker's).
type ImageConfig struct {
	Created      *time.Time     `json:"created,omitempty"`
	Architecture string         `json:"architecture"`
	OS           string         `json:"os"`
	Variant      string         `json:"variant,omitempty"`
	Config       RuntimeConfig  `json:"config"`
	RootFS       RootFS         `json:"rootfs"`
	History      []HistoryEntry `json:"history,omitempty"`
}

// RuntimeConfig is the "config" member of ImageConfig.
type RuntimeConfig struct {
	User         string              `json:"User,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Env          []string            `json:"Env,omitempty"`
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes,omitempty"`
	WorkingDir   string              `json:"WorkingDir,omitempty"`
	Labels       map[string]string   `json:"Labels,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
}

// RootFS lists the digests of the uncompressed layers.
type RootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

// HistoryEntry describes how a layer was built.
type HistoryEntry struct {
	CreatedBy  string `json:"created_by,omitempty"`
	EmptyLayer bool   `json:"empty_layer,omitempty"`
}

// DockerManifestEntry is one element of a docker-save manifest.json.
type DockerManifestEntry struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

func (c *ImageConfig) platform() Platform {
	return Platform{OS: c.OS, Architecture: c.Architecture, Variant: c.Variant}
}

func unsupportedMediaType(what, mt, digest string) error {
	if digest != "" {
		return fmt.Errorf("unsupported media type %q for %s %s", mt, what, digest)
	}
	return fmt.Errorf("unsupported media type %q for %s", mt, what)
}
