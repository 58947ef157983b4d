package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// ProfileSchemaVersion identifies the JSON form of a Profile file.
const ProfileSchemaVersion = "elfloader-profile/1"

// Wildcard in Profile.Syscalls or in a Profile.SubOps list allows everything.
const Wildcard = "*"

// Profile lists the syscalls, and the sub-operations by kind, that a
// program is allowed to use (typically the ones it used under coverage).
// SubOps is keyed by sub-operation kind ("ioctl", "fcntl", …) and lists
// names as SubOp.Label gives them ("TCGETS", or "0x5401" when unnamed).
type Profile struct {
	Syscalls []string            `json:"syscalls"`
	SubOps   map[string][]string `json:"subops,omitempty"`
}

type profileFile struct {
	Schema string `json:"schema"`
	Profile
}

// FromReport builds the profile of everything a report saw used.
func FromReport(r Report) Profile {
	p := Profile{SubOps: map[string][]string{}}
	for _, s := range r.Syscalls {
		p.Syscalls = append(p.Syscalls, s.Name)
		for _, sub := range s.SubOps {
			p.SubOps[sub.Kind] = append(p.SubOps[sub.Kind], sub.Label())
		}
	}
	p.normalize()
	return p
}

func (p *Profile) normalize() {
	slices.Sort(p.Syscalls)
	p.Syscalls = slices.Compact(p.Syscalls)
	for k, v := range p.SubOps {
		slices.Sort(v)
		p.SubOps[k] = slices.Compact(v)
	}
	if len(p.SubOps) == 0 {
		p.SubOps = nil
	}
}

// Allows reports whether the profile permits syscall name and, when
// subKind is not empty, its sub-operation subName of that kind. A kind the
// profile does not list is not allowed: the profiled program never used it.
func (p Profile) Allows(name, subKind, subName string) bool {
	if !slices.Contains(p.Syscalls, name) && !slices.Contains(p.Syscalls, Wildcard) {
		return false
	}
	if subKind == "" {
		return true
	}
	names, ok := p.SubOps[subKind]
	if !ok {
		return false
	}
	return slices.Contains(names, subName) || slices.Contains(names, Wildcard)
}

// Save writes the profile as indented JSON, atomically.
func (p Profile) Save(path string) error {
	c := Profile{Syscalls: slices.Clone(p.Syscalls), SubOps: map[string][]string{}}
	for k, v := range p.SubOps {
		c.SubOps[k] = slices.Clone(v)
	}
	c.normalize()
	if c.Syscalls == nil {
		c.Syscalls = []string{}
	}
	var buf bytes.Buffer
	if err := writeIndentedJSON(&buf, profileFile{Schema: ProfileSchemaVersion, Profile: c}, "profile"); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// LoadProfile reads a profile written by Save (or by hand).
func LoadProfile(path string) (Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("load profile: %w", err)
	}
	var f profileFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Profile{}, fmt.Errorf("load profile %s: %w", path, err)
	}
	if f.Schema != ProfileSchemaVersion {
		return Profile{}, fmt.Errorf("load profile %s: schema %q, want %q", path, f.Schema, ProfileSchemaVersion)
	}
	f.Profile.normalize()
	return f.Profile, nil
}
