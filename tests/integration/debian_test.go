package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// python3 is Debian's interpreter: a dynamic non-PIE glibc program. It is
// named explicitly because PATH may hold another python.
const python3 = "/usr/bin/python3"

// requireHostProgram skips t unless every path exists.
func requireHostProgram(t *testing.T, paths ...string) {
	t.Helper()
	skipUnlessDynamic(t)
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is not installed: %v", p, err)
		}
	}
}

// pythonScript writes, renames and deletes files under /tmp and prints what
// it sees; nothing it prints depends on the run.
const pythonScript = `
import os, shutil, tempfile
d = tempfile.mkdtemp(dir="/tmp")
try:
    with open(os.path.join(d, "a.txt"), "w") as f:
        f.write("alpha\n" * 3)
    os.mkdir(os.path.join(d, "sub"))
    with open(os.path.join(d, "sub", "b.bin"), "wb") as f:
        f.write(bytes(range(256)) * 4)
    os.rename(os.path.join(d, "a.txt"), os.path.join(d, "sub", "renamed.txt"))
    os.symlink("renamed.txt", os.path.join(d, "sub", "link"))
    os.chmod(os.path.join(d, "sub", "b.bin"), 0o600)
    for root, dirs, files in sorted(os.walk(d)):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(root, name)
            st = os.lstat(p)
            print(os.path.relpath(p, d), oct(st.st_mode), st.st_size)
    print(open(os.path.join(d, "sub", "link")).read().count("alpha"))
    os.unlink(os.path.join(d, "sub", "b.bin"))
    print(sorted(os.listdir(os.path.join(d, "sub"))))
    print(os.path.exists(os.path.join(d, "a.txt")))
finally:
    shutil.rmtree(d)
print(os.path.exists(d))
`

// TestDebianPrograms runs Debian's own dynamically linked programs natively
// and under elfloader and expects the same status, stdout and stderr.
func TestDebianPrograms(t *testing.T) {
	data := hostScratch(t)
	writeTree(t, data, map[string]string{
		"hashme.bin": string(make([]byte, 100000)) + "tail\n",
		"doc.json":   `{"name": "elfloader", "list": [1, 2.5, "three", null, true], "nested": {"ü": "ñ"}}`,
		"script.py":  pythonScript,
	})
	cases := []struct {
		name string
		argv []string
	}{
		{"ls", []string{"/bin/ls", "-la", "/etc"}},
		{"cat", []string{"/bin/cat", "/etc/os-release"}},
		{"sha256sum", []string{"/usr/bin/sha256sum", filepath.Join(data, "hashme.bin"), "/etc/os-release"}},
		{"python3-c", []string{python3, "-c",
			"import json, os, hashlib; print(json.dumps({'cwd': os.getcwd(), 'sha': hashlib.sha256(b'elfloader').hexdigest(), 'etc': 'passwd' in os.listdir('/etc')}, sort_keys=True))"}},
		{"python3-json.tool", []string{python3, "-m", "json.tool", "--sort-keys", filepath.Join(data, "doc.json")}},
		{"python3-script", []string{python3, filepath.Join(data, "script.py")}},
		// Needs procfs: /proc/self must be the app, not elfloader. The
		// native run may inherit extra descriptors, so only 0-2 are checked.
		{"python3-proc", []string{python3, "-c",
			"import os; print(os.readlink('/proc/self/exe'), open('/proc/self/cmdline').read().split(chr(0))[1:2], " +
				"{'0', '1', '2'} <= set(os.listdir('/proc/self/fd')))"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			requireHostProgram(t, c.argv[0])
			_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), c.argv, nil, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestDebianFind runs /usr/bin/find over /usr/share/doc and compares the
// first ten lines (the test takes them; no shell pipeline runs under
// elfloader).
func TestDebianFind(t *testing.T) {
	const find = "/usr/bin/find"
	requireHostProgram(t, find, "/usr/share/doc")
	argv := []string{find, "/usr/share/doc", "-name", "copyright"}
	native := testbin.RunNative(t, testTimeout, argv, nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	if loaded.Status != native.Status {
		t.Errorf("status: elfloader %d, native %d; stderr:\n%s", loaded.Status, native.Status, loaded.Stderr)
	}
	want, got := firstLines(native.Stdout, 10), firstLines(loaded.Stdout, 10)
	if want == "" {
		t.Fatalf("native find printed nothing; stderr:\n%s", native.Stderr)
	}
	if got != want {
		t.Errorf("first ten lines differ (- native, + elfloader):\n%s", outputDiff(want, got))
	}
}
