package ociruntime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/container"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// PlatformAnnotation chooses elfloader's platform for one container
// (inproc or isolated), e.g. `ctr run --annotation
// org.elfloader.platform=isolated`.
const PlatformAnnotation = "org.elfloader.platform"

// Settings is a bundle mapped onto an elfloader run.
type Settings struct {
	Bundle   string // the bundle directory, absolute
	Rootfs   string // the root filesystem on the host, absolute
	ReadOnly bool   // root.readonly
	Args     []string
	Env      []string
	Cwd      string
	Cred     vfs.Cred
	Terminal bool
	Hostname string
	// NoNetwork: the spec asks for a new network namespace, in which the
	// app has only a loopback interface (elfloader's --net none).
	NoNetwork bool
	// NetworkNamespace is the path of a network namespace to join (the
	// pod's): the init joins it as it starts (netns.go).
	NetworkNamespace string
	Platform         string   // from PlatformAnnotation; "" for the default
	Volumes          []string // bind mounts as HOST:GUEST[:rw]
	// Mounts are the filesystems elfloader makes itself (tmpfs) and the
	// files bound in, copied (see mounts.go).
	Mounts  []container.MountFunc
	Rlimits map[int]kernel.Rlimit
	// Capabilities are the process's capability sets (nil: elfloader's
	// defaults); NoNewPrivs is process.noNewPrivileges.
	Capabilities *kernel.CapabilitySets
	NoNewPrivs   bool
	Umask        *uint32 // process.user.umask
	// Seccomp is linux.seccomp, served by elfloader's syscall table.
	Seccomp *Seccomp
	// Annotations are the spec's, for `state`.
	Annotations map[string]string
	// Notes name what the spec asks for and elfloader does not honour,
	// one line each.
	Notes []string
}

// Load reads bundle/config.json and maps it.
func Load(bundle string) (*Settings, *specs.Spec, error) {
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", bundle, err)
	}
	data, err := os.ReadFile(filepath.Join(abs, "config.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, nil, fmt.Errorf("bundle %s: config.json: %w", abs, err)
	}
	s, err := mapSpec(&spec, abs)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", abs, err)
	}
	return s, &spec, nil
}

// mapSpec maps a parsed config.json.
func mapSpec(spec *specs.Spec, bundle string) (*Settings, error) {
	if spec.Root == nil || spec.Root.Path == "" {
		return nil, fmt.Errorf("config.json: no root.path")
	}
	if spec.Process == nil || len(spec.Process.Args) == 0 {
		return nil, fmt.Errorf("config.json: no process.args")
	}
	s := &Settings{Bundle: bundle, Rootfs: spec.Root.Path, ReadOnly: spec.Root.Readonly,
		Hostname: spec.Hostname, Annotations: spec.Annotations, Platform: spec.Annotations[PlatformAnnotation]}
	if !filepath.IsAbs(s.Rootfs) {
		s.Rootfs = filepath.Join(bundle, s.Rootfs)
	}
	if st, err := os.Stat(s.Rootfs); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("root.path %s: not a directory", s.Rootfs)
	}
	if err := s.mapProcess(spec.Process); err != nil {
		return nil, err
	}
	s.mapLinux(spec.Linux)
	if spec.Linux != nil && spec.Linux.Seccomp != nil {
		sc, notes, err := newSeccomp(spec.Linux.Seccomp)
		if err != nil {
			return nil, err
		}
		s.Seccomp, s.Notes = sc, append(s.Notes, notes...)
	}
	for _, m := range spec.Mounts {
		s.mapMount(m)
	}
	if spec.Hooks != nil {
		s.note("hooks: not run (elfloader does not run OCI hooks)")
	}
	return s, nil
}

func (s *Settings) note(format string, args ...any) {
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// LoadProcess reads a process.json (runc exec --process).
func LoadProcess(p string) (*specs.Process, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("--process: %w", err)
	}
	var proc specs.Process
	if err := json.Unmarshal(data, &proc); err != nil {
		return nil, fmt.Errorf("--process %s: %w", p, err)
	}
	return &proc, nil
}

// SetProcess replaces the bundle's process with p (an exec's).
func (s *Settings) SetProcess(p *specs.Process) error {
	if len(p.Args) == 0 {
		return fmt.Errorf("process: no args")
	}
	s.Rlimits = nil
	return s.mapProcess(p)
}

// mapProcess maps spec.Process.
func (s *Settings) mapProcess(p *specs.Process) error {
	s.Args, s.Env, s.Cwd, s.Terminal = p.Args, p.Env, p.Cwd, p.Terminal
	if s.Cwd == "" {
		s.Cwd = "/"
	}
	if !filepath.IsAbs(s.Cwd) {
		return fmt.Errorf("process.cwd %q: not absolute", s.Cwd)
	}
	s.Cred = vfs.Cred{UID: p.User.UID, GID: p.User.GID, Groups: p.User.AdditionalGids}
	s.Umask = p.User.Umask
	s.NoNewPrivs = p.NoNewPrivileges
	s.Capabilities = nil
	if p.Capabilities != nil {
		c := p.Capabilities
		s.Capabilities = &kernel.CapabilitySets{Bounding: s.capabilitySet(c.Bounding), Effective: s.capabilitySet(c.Effective),
			Permitted: s.capabilitySet(c.Permitted), Inheritable: s.capabilitySet(c.Inheritable), Ambient: s.capabilitySet(c.Ambient)}
		if missing := fileCapabilities &^ s.Capabilities.Effective; p.User.UID == 0 && missing != 0 {
			s.note("process.capabilities: file permission checks treat uid 0 as privileged: the missing CAP_CHOWN/CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH/CAP_FOWNER/CAP_FSETID are not enforced on files")
		}
	}
	if p.ApparmorProfile != "" || p.SelinuxLabel != "" {
		s.note("process.apparmorProfile/selinuxLabel: not applied")
	}
	if p.OOMScoreAdj != nil {
		s.note("process.oomScoreAdj: not applied")
	}
	if len(p.Rlimits) > 0 {
		s.Rlimits = map[int]kernel.Rlimit{}
	}
	for _, r := range p.Rlimits {
		res, ok := rlimitNumbers[r.Type]
		if !ok {
			return fmt.Errorf("process.rlimits: unknown type %q", r.Type)
		}
		s.Rlimits[res] = kernel.Rlimit{Cur: r.Soft, Max: r.Hard}
	}
	return nil
}

// fileCapabilities are the capabilities that elfloader's file permission
// checks grant uid 0 whatever its capability sets.
const fileCapabilities = 1<<unix.CAP_CHOWN | 1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH | 1<<unix.CAP_FOWNER | 1<<unix.CAP_FSETID

// capabilitySet is the set of the named capabilities; an unknown name is
// noted and left out, as runc does.
func (s *Settings) capabilitySet(names []string) uint64 {
	var set uint64
	for _, n := range names {
		if nr, ok := linux.CapabilityNumbers()[strings.ToUpper(n)]; ok {
			set |= 1 << nr
		} else {
			s.note("process.capabilities: unknown capability %q: left out", n)
		}
	}
	return set
}

// rlimitNumbers are the spec's rlimit names.
var rlimitNumbers = map[string]int{
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_CPU": unix.RLIMIT_CPU,
	"RLIMIT_DATA": unix.RLIMIT_DATA, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS,
	"RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK, "RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE,
	"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO, "RLIMIT_RTTIME": unix.RLIMIT_RTTIME, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_STACK": unix.RLIMIT_STACK,
}

// mapLinux maps spec.Linux: the network namespace; everything else is
// reported.
func (s *Settings) mapLinux(l *specs.Linux) {
	if l == nil {
		return
	}
	for _, ns := range l.Namespaces {
		switch {
		case ns.Type == specs.MountNamespace:
			// The app always has its own filesystem tree.
		case ns.Type == specs.UTSNamespace:
			// The app's host name is its own (Hostname).
		case ns.Type == specs.NetworkNamespace && ns.Path == "":
			s.NoNetwork = true
		case ns.Type == specs.NetworkNamespace:
			s.NetworkNamespace = ns.Path
		case ns.Path != "":
			s.note("linux.namespaces: joining the %s namespace %s: not supported (the app shares the host's)", ns.Type, ns.Path)
		default:
			s.note("linux.namespaces: %s: not created (the app shares the host's)", ns.Type)
		}
	}
	if l.Resources != nil || l.CgroupsPath != "" {
		s.note("linux.resources/cgroupsPath: cgroups are not managed (elfloader stays in the cgroup it was started in)")
	}
	if len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0 {
		s.note("linux.uidMappings/gidMappings: not applied (no user namespace)")
	}
	if len(l.Sysctl) > 0 {
		s.note("linux.sysctl: not applied")
	}
	if len(l.Devices) > 0 {
		s.note("linux.devices: not created (the app's /dev has elfloader's fixed set of devices)")
	}
	if len(l.MaskedPaths) > 0 || len(l.ReadonlyPaths) > 0 {
		s.note("linux.maskedPaths/readonlyPaths: not applied (the app's /proc and /sys are elfloader's own)")
	}
	if l.IntelRdt != nil || l.Personality != nil {
		s.note("linux.intelRdt/personality: not applied")
	}
}

// hasOption reports whether a mount's options include one of names.
func hasOption(m specs.Mount, names ...string) bool {
	for _, o := range m.Options {
		for _, n := range names {
			if strings.EqualFold(o, n) {
				return true
			}
		}
	}
	return false
}
