package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// The process tests users run (issue #13): programs that start other
// programs the way real tools do (make's parallel jobs, tar's gzip
// child, perl's system and pipes, Python's subprocess, node's
// child_process, git's helpers), each run natively and under elfloader
// on the same input and compared. A directory the program writes is an
// :rw volume mounted at the same path, so both runs see the same paths.

// volumeAt mounts the host directory dir at the same path in the app.
func volumeAt(dir string) []string { return []string{"-v", dir + ":" + dir + ":rw"} }

// userFlags are the test's platform flags plus the given ones.
func userFlags(extra ...string) []string { return append(testbin.EnvFlags(), extra...) }

// writeFiles creates the files (path relative to dir: content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// makeProject is a small C project: two objects built in parallel, then
// linked.
func makeProject() map[string]string {
	return map[string]string{
		"Makefile": "OBJS = main.o util.o\napp: $(OBJS)\n\tgcc -o $@ $(OBJS)\n%.o: %.c util.h\n\tgcc -c -o $@ $<\n",
		"util.h":   "int twice(int);\n",
		"util.c":   "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n",
		"main.c":   "#include <stdio.h>\n#include \"util.h\"\nint main(void) { printf(\"twice 21 = %d\\n\", twice(21)); return 0; }\n",
	}
}

// sortedLines sorts the lines of out (parallel jobs print in any order).
func sortedLines(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestUserMake builds the project with `make -j2` (make forks gcc, which
// runs cc1, as and collect2/ld) in a directory of its own natively and
// under elfloader; the commands agree and the program built runs.
func TestUserMake(t *testing.T) {
	requireHostProgram(t, "/usr/bin/make", "/usr/bin/gcc")
	run := func(dir string, loaded bool) testbin.Result {
		writeFiles(t, dir, makeProject())
		argv := []string{"/usr/bin/make", "--no-print-directory", "-j2", "-C", dir}
		env := []string{"PATH=/usr/bin:/bin"}
		if loaded {
			return testbin.RunElfloader(t, 4*testTimeout, userFlags(volumeAt(dir)...), argv, env, nil)
		}
		return testbin.RunNative(t, 4*testTimeout, argv, env, nil)
	}
	native, loaded := run(t.TempDir(), false), t.TempDir()
	got := run(loaded, true)
	assertNoPanic(t, got.Stderr)
	if got.Status != native.Status || sortedLines(got.Stdout) != sortedLines(native.Stdout) {
		t.Fatalf("make: status %d (native %d)\nstdout:\n%s\nnative:\n%s\nstderr:\n%s",
			got.Status, native.Status, got.Stdout, native.Stdout, got.Stderr)
	}
	out, err := exec.Command(filepath.Join(loaded, "app")).CombinedOutput()
	if err != nil || string(out) != "twice 21 = 42\n" {
		t.Errorf("the program make built under elfloader: %v: %q", err, out)
	}
}

// tarRoundTrip packs a tree with `tar czf` (tar runs gzip), unpacks it
// elsewhere with `tar xzf`, lists the archive and compares the trees.
const tarRoundTrip = `set -e
cd "$1"
mkdir -p src/sub out
echo hello > src/a.txt
seq 1 20000 > src/sub/b.txt
ln -s a.txt src/link
tar czf arc.tgz src
tar xzf arc.tgz -C out
tar tzf arc.tgz | sort
diff -r src out/src && echo same
readlink out/src/link
`

// TestUserTar: a tar round trip through gzip, natively and under
// elfloader, in a directory of each run's own.
func TestUserTar(t *testing.T) {
	requireHostProgram(t, "/bin/sh", "/bin/tar", "/bin/gzip", "/usr/bin/diff", "/usr/bin/seq")
	native := testbin.RunNative(t, 2*testTimeout, []string{"/bin/sh", "-c", tarRoundTrip, "sh", t.TempDir()}, nil, nil)
	dir := t.TempDir()
	loaded := testbin.RunElfloader(t, 2*testTimeout, userFlags(volumeAt(dir)...), []string{"/bin/sh", "-c", tarRoundTrip, "sh", dir}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
	if !strings.Contains(loaded.Stdout, "same\n") {
		t.Errorf("the unpacked tree differs:\n%s", loaded.Stdout)
	}
}

// perlChildren starts children with system, backticks and open "-|".
const perlChildren = `my $r = system("/bin/sh", "-c", "echo from system; exit 3");
print "system status ", $r >> 8, "\n";
my $out = ` + "`echo back tick | tr a-z A-Z`" + `;
print "backticks: $out";
print "backticks status ", $? >> 8, "\n";
open(my $fh, "-|", "/bin/ls", "/etc/os-release") or die "open: $!";
while (<$fh>) { print "open-|: $_"; }
close($fh);
print "close status ", $? >> 8, "\n";
`

// TestUserPerl: perl's system, backticks and a pipe from a child.
func TestUserPerl(t *testing.T) {
	requireHostProgram(t, "/usr/bin/perl", "/bin/sh", "/usr/bin/tr", "/bin/ls")
	_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), []string{"/usr/bin/perl", "-e", perlChildren}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// pythonChildren runs the interpreter itself as a child, with arguments,
// an exit status, and stdin and stdout through pipes.
const pythonChildren = `import subprocess, sys
r = subprocess.run([sys.executable, "-c", "import sys; print('child', sys.argv[1:]); sys.exit(4)", "a", "b"], capture_output=True, text=True)
print(repr(r.stdout), r.returncode)
r = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], input="piped", capture_output=True, text=True)
print(repr(r.stdout), r.returncode)
`

// TestUserPythonSelf: subprocess.run([sys.executable, ...]).
func TestUserPythonSelf(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	_, loaded := testbin.CompareWithNative(t, 2*testTimeout, testbin.EnvFlags(), []string{python3, "-c", pythonChildren}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// nodeChildren uses child_process.execSync (through /bin/sh) and
// execFileSync of node itself.
const nodeChildren = `const cp = require('child_process');
console.log(JSON.stringify(cp.execSync('echo hi from sh; echo err >&2', {stdio: ['pipe', 'pipe', 'ignore']}).toString()));
try { cp.execSync('exit 5', {stdio: 'ignore'}); } catch (e) { console.log('status', e.status); }
console.log(cp.execFileSync(process.execPath, ['-e', 'console.log(1+1)']).toString().trim());
`

// TestUserNode: node's child_process (skipped without node).
func TestUserNode(t *testing.T) {
	const node = "/usr/bin/node"
	if _, err := os.Stat(node); err != nil {
		t.Skipf("node is not installed: %v", err)
	}
	requireHostProgram(t, node, "/bin/sh")
	_, loaded := testbin.CompareWithNative(t, 4*testTimeout, testbin.EnvFlags(), []string{node, "-e", nodeChildren}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// gitSession makes a repository with two commits and reads it back.
const gitSession = `set -e
cd "$1"
git init -q -b main repo
cd repo
git config user.name Test
git config user.email test@example.com
echo one > a.txt
git add a.txt
git commit -q -m "first commit"
echo two >> a.txt
git commit -q -am "second commit"
git log --format='%s|%an|%ae'
git status --short | wc -l
git show HEAD:a.txt
git rev-list --count HEAD
`

// TestUserGit: git init, add, commit (git runs its hooks machinery and
// helpers) and log, natively and under elfloader; nothing on stderr (no
// fork warning).
func TestUserGit(t *testing.T) {
	requireHostProgram(t, "/usr/bin/git", "/bin/sh", "/usr/bin/wc")
	env := func(home string) []string {
		return []string{"PATH=/usr/bin:/bin", "HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C"}
	}
	nativeDir := t.TempDir()
	native := testbin.RunNative(t, 2*testTimeout, []string{"/bin/sh", "-c", gitSession, "sh", nativeDir}, env(nativeDir), nil)
	dir := t.TempDir()
	loaded := testbin.RunElfloader(t, 4*testTimeout, userFlags(volumeAt(dir)...), []string{"/bin/sh", "-c", gitSession, "sh", dir}, env(dir), nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
	const want = "second commit|Test|test@example.com\nfirst commit|Test|test@example.com\n0\none\ntwo\n2\n"
	if loaded.Stdout != want {
		t.Errorf("git output %q, want %q", loaded.Stdout, want)
	}
	if loaded.Stderr != "" {
		t.Errorf("git wrote to stderr under elfloader:\n%s", loaded.Stderr)
	}
}
