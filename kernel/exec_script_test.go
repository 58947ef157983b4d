package kernel

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseInterpreterLine(t *testing.T) {
	long := "#!/" + strings.Repeat("x", 300)
	cases := []struct {
		head        string
		interp, arg string
		ok          bool
		errno       unix.Errno
	}{
		{head: "\x7fELF", ok: false},
		{head: "#!/bin/sh\necho", interp: "/bin/sh", ok: true},
		{head: "#! \t/bin/sh  -e -x \t\nrest", interp: "/bin/sh", arg: "-e -x", ok: true},
		{head: "#!/usr/bin/env\tpython3", interp: "/usr/bin/env", arg: "python3", ok: true},
		{head: "#!\n", ok: true, errno: unix.ENOEXEC},
		{head: "#!   \t\n", ok: true, errno: unix.ENOEXEC},
		{head: long, ok: true, errno: unix.ENOEXEC},
		{head: "#!/bin/sh " + strings.Repeat("a", 300), interp: "/bin/sh", arg: strings.Repeat("a", scriptHeadSize-1-len("#!/bin/sh ")), ok: true},
	}
	for _, c := range cases {
		interp, arg, ok, err := ParseInterpreterLine([]byte(c.head))
		if c.errno != 0 {
			if !errors.Is(err, c.errno) || !ok {
				t.Errorf("%.20q: ok %v err %v, want %v", c.head, ok, err, c.errno)
			}
			continue
		}
		if err != nil || ok != c.ok || interp != c.interp || arg != c.arg {
			t.Errorf("%.20q = %q %q %v %v; want %q %q %v", c.head, interp, arg, ok, err, c.interp, c.arg, c.ok)
		}
	}
}

// memFiles is an opener over in-memory files (all executable).
type memFiles map[string]string

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

func (m memFiles) open(path string) (*execFile, error) {
	data, ok := m[path]
	if !ok {
		return nil, unix.ENOENT
	}
	return &execFile{ReaderAtCloser: memFile{bytes.NewReader([]byte(data))}, fullPath: path}, nil
}

func TestResolveScripts(t *testing.T) {
	files := memFiles{
		"/bin/sh":   "\x7fELF...",
		"/s0":       "#!/bin/sh -e\n",
		"/s1":       "#!/s0\n",
		"/text":     "hello\n",
		"/bad":      "#!/missing\n",
		"/notelf":   "#!/text\n",
		"/s2":       "#!/s1\n",
		"/s3":       "#!/s2\n",
		"/s4":       "#!/s3\n",
		"/s5":       "#!/s4\n",
		"/sh-alias": "#!/bin/sh\n",
	}
	f, path, argv, err := resolveScripts(files.open, "/s1", []string{"s1", "a", "b"})
	if err != nil || path != "/bin/sh" || !slices.Equal(argv, []string{"/bin/sh", "-e", "/s0", "/s1", "a", "b"}) {
		t.Fatalf("/s1 = %q %q %v", path, argv, err)
	}
	f.Close()
	if _, _, _, err := resolveScripts(files.open, "/s4", []string{"s4"}); err != nil {
		t.Errorf("a chain of five scripts: %v", err)
	}
	for path, want := range map[string]unix.Errno{
		"/s5": unix.ELOOP, "/text": unix.ENOEXEC, "/bad": unix.ENOENT, "/notelf": unix.ENOEXEC, "/none": unix.ENOENT,
	} {
		if _, _, _, err := resolveScripts(files.open, path, []string{path}); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", path, err, want)
		}
	}
}
