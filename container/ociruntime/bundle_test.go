package ociruntime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// writeBundle writes config.json for spec in a new bundle with a rootfs.
func writeBundle(t *testing.T, spec specs.Spec) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadMapsTheSpec(t *testing.T) {
	host := t.TempDir()
	file := filepath.Join(host, "hosts")
	os.WriteFile(file, []byte("127.0.0.1 localhost\n"), 0o644)
	spec := specs.Spec{
		Root: &specs.Root{Path: "rootfs", Readonly: true},
		Process: &specs.Process{Args: []string{"sh"}, Cwd: "/work", Env: []string{"A=1"},
			User:            specs.User{UID: 1000, GID: 100, AdditionalGids: []uint32{5}},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20}},
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_SETUID", "CAP_BOGUS"}, Effective: []string{"cap_kill"}}},
		Hostname: "box",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/data", Type: "bind", Source: host, Options: []string{"rbind", "ro"}},
			{Destination: "/rw", Type: "none", Source: host, Options: []string{"bind"}},
			{Destination: "/etc/hosts", Type: "bind", Source: file, Options: []string{"rbind", "ro"}},
			{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=755"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup"},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.NetworkNamespace}, {Type: specs.MountNamespace}, {Type: specs.PIDNamespace}},
			Seccomp:    &specs.LinuxSeccomp{DefaultAction: specs.ActErrno},
		},
	}
	s, _, err := Load(writeBundle(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	if s.Cwd != "/work" || !s.ReadOnly || s.Hostname != "box" || !s.NoNetwork || s.Cred.UID != 1000 || s.Cred.GID != 100 || len(s.Cred.Groups) != 1 {
		t.Errorf("settings: %+v", s)
	}
	if c := s.Capabilities; c == nil || c.Bounding != 1<<unix.CAP_KILL|1<<unix.CAP_SETUID || c.Effective != 1<<unix.CAP_KILL || c.Permitted != 0 || !s.NoNewPrivs {
		t.Errorf("capabilities %+v, no_new_privs %v", c, s.NoNewPrivs)
	}
	if r := s.Rlimits[unix.RLIMIT_NOFILE]; r.Cur != 10 || r.Max != 20 {
		t.Errorf("RLIMIT_NOFILE %+v", r)
	}
	if want := []string{host + ":/data:ro", host + ":/rw:rw"}; strings.Join(s.Volumes, " ") != strings.Join(want, " ") {
		t.Errorf("volumes %q, want %q", s.Volumes, want)
	}
	if s.Seccomp == nil || s.Seccomp.def.kind != specs.ActErrno {
		t.Errorf("seccomp %+v", s.Seccomp)
	}
	if len(s.Mounts) != 2 { // /etc/hosts copied, /run tmpfs
		t.Errorf("%d mounts made by elfloader, want 2", len(s.Mounts))
	}
	notes := strings.Join(s.Notes, "\n")
	for _, want := range []string{"pid: not created", "cgroup on /sys/fs/cgroup", `unknown capability "CAP_BOGUS"`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "mount:") || strings.Contains(notes, "network") || strings.Contains(notes, "/proc") {
		t.Errorf("notes report what is honoured:\n%s", notes)
	}
}

func TestLoadRefusesBadBundles(t *testing.T) {
	for name, spec := range map[string]specs.Spec{
		"no process":    {Root: &specs.Root{Path: "rootfs"}},
		"no root":       {Process: &specs.Process{Args: []string{"sh"}}},
		"relative cwd":  {Root: &specs.Root{Path: "rootfs"}, Process: &specs.Process{Args: []string{"sh"}, Cwd: "work"}},
		"missing root":  {Root: &specs.Root{Path: "nothere"}, Process: &specs.Process{Args: []string{"sh"}}},
		"unknown limit": {Root: &specs.Root{Path: "rootfs"}, Process: &specs.Process{Args: []string{"sh"}, Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}}},
	} {
		if _, _, err := Load(writeBundle(t, spec)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	ns := specs.Spec{Root: &specs.Root{Path: "rootfs"}, Process: &specs.Process{Args: []string{"sh"}},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/var/run/netns/pod"}}}}
	if s, _, err := Load(writeBundle(t, ns)); err != nil || s.NetworkNamespace != "/var/run/netns/pod" || s.NoNetwork || len(s.Notes) != 0 {
		t.Errorf("a network namespace by path: %+v %v", s, err)
	}
	if _, _, err := Load(t.TempDir()); err == nil {
		t.Errorf("a bundle without config.json loaded")
	}
}

func TestStoreStates(t *testing.T) {
	s := Store{Root: filepath.Join(t.TempDir(), "root")}
	for _, bad := range []string{"", "..", "a/b", strings.Repeat("x", 2000)} {
		if _, err := s.Create(bad); err == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
	if _, err := s.Create("c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("c"); err == nil {
		t.Errorf("a second container c was created")
	}
	_, start, err := ProcessStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{ID: "c", Pid: os.Getpid(), StartTime: start, Created: time.Now()}
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("c")
	if err != nil || got.Pid != rec.Pid {
		t.Fatalf("load: %+v %v", got, err)
	}
	if st := s.Status(got); st != specs.StateCreated {
		t.Errorf("status %q, want created", st)
	}
	if err := s.MarkStarted("c"); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(got); st != specs.StateRunning {
		t.Errorf("status %q, want running", st)
	}
	got.StartTime++ // another process with the same pid
	if st := s.State(got); st.Status != specs.StateStopped || st.Pid != 0 {
		t.Errorf("state of a reused pid: %+v", st)
	}
	if err := s.Remove("c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("c"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("load after remove: %v", err)
	}
}

func TestTmpfsMode(t *testing.T) {
	if m := tmpfsMode([]string{"nosuid", "mode=755", "size=65536k"}); m != 0o755 {
		t.Errorf("mode %o", m)
	}
	if m := tmpfsMode(nil); m != 0o1777 {
		t.Errorf("default mode %o", m)
	}
}
