package images

// Config is the runtime configuration stored in an image, taken from the
// OCI image config (or from flags for a plain directory). `elfloader run`
// applies it as described in docs/image-format.md.
type Config struct {
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"` // "KEY=value"
	WorkingDir   string            `json:"workingDir,omitempty"`
	User         string            `json:"user,omitempty"`         // "uid[:gid]" or "name[:group]"
	ExposedPorts []string          `json:"exposedPorts,omitempty"` // "80/tcp", sorted
	Labels       map[string]string `json:"labels,omitempty"`
	StopSignal   string            `json:"stopSignal,omitempty"`
	Source       SourceInfo        `json:"source"`
}

// SourceInfo records where an image's contents came from.
type SourceInfo struct {
	Kind           string `json:"kind,omitempty"` // "dir", "oci-layout", "oci-archive", "docker-archive"
	Path           string `json:"path,omitempty"`
	Reference      string `json:"reference,omitempty"` // tag or ref name, e.g. "nginx:1.25"
	ManifestDigest string `json:"manifestDigest,omitempty"`
	ConfigDigest   string `json:"configDigest,omitempty"`
	Platform       string `json:"platform,omitempty"` // "linux/amd64"
	Created        string `json:"created,omitempty"`  // RFC 3339, from the OCI config
}

// Argv returns the command line to run: Entrypoint followed by Cmd, or
// Entrypoint followed by args when args is not empty (the `docker run IMAGE
// ARGS...` rule).
func (c *Config) Argv(args []string) []string {
	argv := append([]string(nil), c.Entrypoint...)
	if len(args) > 0 {
		return append(argv, args...)
	}
	return append(argv, c.Cmd...)
}
