package coverage

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProfileFromReportAndAllows(t *testing.T) {
	p := FromReport(sampleReport())
	if want := []string{"ioctl", "prlimit64", "read", "rseq"}; !reflect.DeepEqual(p.Syscalls, want) {
		t.Errorf("syscalls = %v", p.Syscalls)
	}
	if want := []string{"0x8933", "TCGETS"}; !reflect.DeepEqual(p.SubOps["ioctl"], want) {
		t.Errorf("ioctl subops = %v", p.SubOps["ioctl"])
	}
	cases := []struct {
		name, kind, sub string
		want            bool
	}{
		{"read", "", "", true},
		{"write", "", "", false},
		{"ioctl", "ioctl", "TCGETS", true},
		{"ioctl", "ioctl", "0x8933", true},
		{"ioctl", "ioctl", "TIOCGWINSZ", false},
		{"ioctl", "fcntl", "F_GETFL", false},
		{"write", "ioctl", "TCGETS", false},
	}
	for _, c := range cases {
		if got := p.Allows(c.name, c.kind, c.sub); got != c.want {
			t.Errorf("Allows(%q, %q, %q) = %v", c.name, c.kind, c.sub, got)
		}
	}
	wild := Profile{Syscalls: []string{Wildcard}, SubOps: map[string][]string{"fcntl": {Wildcard}}}
	if !wild.Allows("anything", "", "") || !wild.Allows("fcntl", "fcntl", "F_SETLK") || wild.Allows("ioctl", "ioctl", "TCGETS") {
		t.Error("wildcards")
	}
}

func TestProfileSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ls.profile.json")
	p := FromReport(sampleReport())
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	golden(t, "profile.json", data)
	back, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip: %+v != %+v", back, p)
	}
	if err := os.WriteFile(path, []byte(`{"schema":"other","syscalls":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProfile(path); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("wrong schema: %v", err)
	}
	if _, err := LoadProfile(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("missing file: no error")
	}
}
