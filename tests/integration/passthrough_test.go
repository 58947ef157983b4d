package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestPassThrough runs fast_pass: reads, writes, socket calls and epoll
// waits on host sockets, pipes and epoll instances, in loops long enough
// for their sites to be rewritten, so that the in-process platform serves
// them without the kernel (docs/fastpath.md, "Pass-through"). Each
// scenario must print what it prints natively: blocking calls still
// block (and a blocking write writes everything), EPIPE still raises
// SIGPIPE, bad pointers give EFAULT without losing data, signals reach
// threads looping on such calls or waiting in epoll_wait, descriptors can
// be closed and replaced under other threads (an epoll instance too while
// a thread waits in it), and the process can exit while a thread waits.
// Threads blocked in read, recv, write or send (which the platform makes
// wait in the host) take signals as natively: restarted under
// SA_RESTART, EINTR without, a short write; SO_RCVTIMEO still times a
// read out. getpid, gettid and getppid, which the platform answers from
// the identity the kernel published, give each thread and CLONE_VM child
// its own, and an orphan looping on getppid sees its new parent. On the
// in-process platform the calls must really
// have been passed through (at least the count given); on the isolated
// platform, which has no pass-through, the output alone is compared.
func TestPassThrough(t *testing.T) {
	scenarios := []struct {
		name   string
		passed uint64
	}{
		{"io", 10000},
		{"block", 1000},
		{"sigpipe", 1},
		{"epoll", 3000},
		{"kick", 1000},
		{"close", 500},
		{"exit", 50},
		{"closewait", 50},
		{"waits", 10000},
		{"ident", 25000},
	}
	inproc := testbin.Platform() == "inproc"
	forPassVariants(t, func(t *testing.T, bin string) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				if !inproc {
					native, loaded := testbin.CompareWithNative(t, fastTimeout, testbin.EnvFlags(), []string{bin, sc.name}, nil, nil)
					assertNoPanic(t, loaded.Stderr)
					t.Logf("output: %s", native.Stdout)
					return
				}
				for _, mode := range []string{"lazy", "eager"} {
					st := compareFast(t, mode, []string{bin, sc.name})
					if st.passed < sc.passed {
						t.Errorf("--rewrite=%s: %d calls served without the kernel, want at least %d: %+v", mode, st.passed, sc.passed, st)
					}
				}
			})
		}
	})
}

// forPassVariants builds fast_pass for glibc static, musl and glibc
// dynamic, and runs test with each in a subtest.
func forPassVariants(t *testing.T, test func(t *testing.T, bin string)) {
	for _, v := range fastVariants(t, "gcc-static", "musl-static", "gcc-dynamic") {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			test(t, testbin.Build(t, testbin.CSource(t, "fast_pass.c"), v, "-pthread"))
		})
	}
}

// TestPassThroughOff: with ELFLOADER_PASSTHROUGH=0, and with a trace
// (which must see every call), nothing is passed through and the results
// are the same.
func TestPassThroughOff(t *testing.T) {
	testbin.RequireInproc(t, "host descriptor pass-through")
	v, _ := testbin.VariantByName("gcc-static")
	bin := testbin.Build(t, testbin.CSource(t, "fast_pass.c"), v, "-pthread")
	for _, tc := range []struct {
		name  string
		env   []string
		flags []string
	}{
		{"env", []string{"ELFLOADER_PASSTHROUGH=0", statsEnv}, nil},
		{"trace", []string{statsEnv}, []string{"--trace-file=" + t.TempDir() + "/trace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, loaded := testbin.CompareWithNative(t, fastTimeout, rewriteFlags("lazy", tc.flags...), []string{bin, "io"}, tc.env, nil)
			st, ok := parseFastStats(loaded.Stderr)
			if !ok {
				t.Fatalf("no fast-path stats line in elfloader's stderr:\n%s", loaded.Stderr)
			}
			if st.passed != 0 || st.fast == 0 {
				t.Errorf("want rewritten calls and none passed through: %+v", st)
			}
		})
	}
}

// TestPassThroughFile runs fast_pass's file scenario on a file of a host
// directory, once in a --volume (hostfs; the program creates the file)
// and once under the default root (the overlay over the host's /; the
// file is there before): fstat and newfstatat of "" agree with stat of
// the path (st_dev is the mount's, not the host's), bad pointers give
// EFAULT, sendfile with an offset sends the right bytes and leaves the
// file offset alone, without one moves it, reaches a blocking socket in
// full and refuses a read-only output (EBADF); an append through another
// descriptor (under the overlay: a copy-up) shows in fstat, and after
// chown the owner fstat reports is the one recorded. On the in-process
// platform the fstat and sendfile calls must have been passed through.
func TestPassThroughFile(t *testing.T) {
	forPassVariants(t, func(t *testing.T, bin string) {
		volume := t.TempDir()
		root := hostScratchDir(t, "elfloader-passfile-")
		page := make([]byte, 10000)
		for i := range page {
			page[i] = byte('a' + i*7%26)
		}
		if err := os.WriteFile(filepath.Join(root, "fast_pass_file"), page, 0o644); err != nil {
			t.Fatal(err)
		}
		// 3 stats per round of 2000, 500 sendfiles.
		runPassCases(t, 6000, []passCase{
			{"volume", []string{bin, "file", volume}, []string{"--volume", volume + ":" + volume + ":rw"}},
			{"root", []string{bin, "file", root, "existing"}, nil},
		})
	})
}

// passCase is one run of fast_pass: a name, its argv and elfloader flags.
type passCase struct {
	name  string
	argv  []string
	flags []string
}

// runPassCases runs each case in a subtest: the output must be the native
// run's, and on the in-process platform at least want calls must have
// been passed through, with --rewrite=lazy and eager.
func runPassCases(t *testing.T, want uint64, cases []passCase) {
	inproc := testbin.Platform() == "inproc"
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !inproc {
				_, loaded := testbin.CompareWithNative(t, fastTimeout, append(testbin.EnvFlags(), tc.flags...), tc.argv, nil, nil)
				assertNoPanic(t, loaded.Stderr)
				return
			}
			for _, mode := range []string{"lazy", "eager"} {
				if st := compareFast(t, mode, tc.argv, tc.flags...); st.passed < want {
					t.Errorf("--rewrite=%s: %d calls passed through, want at least %d: %+v", mode, st.passed, want, st)
				}
			}
		})
	}
}

// TestPassThroughPread runs fast_pass's pread scenario on a file made in
// the app's /tmp (elfloader's tmpfs: the file's bytes are in a memfd once
// it grows past 64 KiB, and the first pread the kernel serves registers
// it, and a dup made earlier gets its entry the same way), in a --volume (hostfs) and under the default root (the overlay's
// in-memory upper layer): every result must be the native run's (short
// reads, errors, a write and a truncation through another descriptor, an
// unlink, the access time moved by the first read after a modification,
// IN_ACCESS for an inotify watch), and on the in-process platform the
// pread loop must have been passed through.
func TestPassThroughPread(t *testing.T) {
	// 10000 preads, 4000 of a dup made before the file had a memfd.
	runFileScenario(t, "pread", 13000)
}

// TestPassThroughClose runs fast_pass's fclose scenario in the same three
// places: closes of files open read-only, which the platform defers while
// no watcher or lock exists (the kernel closes them before it serves the
// process's next call), must look as native closes do: the next open gets
// the number, a closed descriptor gives EBADF, /proc/self/fd agrees, a
// dup keeps the file, two threads open and close at once, a watcher hears
// IN_CLOSE_NOWRITE, and closing another descriptor of a locked file
// releases the lock at once for a child that asks right after.
func TestPassThroughClose(t *testing.T) {
	runFileScenario(t, "fclose", 15000)
}

// TestPassThroughReopen runs fast_pass's reopen scenario in the same
// three places: an open of a path whose file's close the platform still
// holds deferred may take the close back (a host file, the same flags,
// one thread; docs/fastpath.md, "Reopens"), and must give what a fresh
// open gives: the lowest number, offset 0 and the open's flags after a
// read, an lseek, an F_SETFL or a dup of the old description, the new
// file after a rename over the path, ENOENT after an unlink, IN_OPEN for
// a watcher, EFAULT for a bad path (the close stays done).
// On the in-process platform the loops' calls must have been passed
// through: pread and close of a file in memory (every open crosses), of a
// host file open and fstat too.
func TestPassThroughReopen(t *testing.T) {
	forPassVariants(t, func(t *testing.T, bin string) {
		volume := t.TempDir()
		root := hostScratchDir(t, "elfloader-passreopen-")
		// The file the program makes is in memory in the app's tmpfs
		// and under the overlay of the default root; in the volume it
		// is a host file: 6000 rounds of open, fstat, pread and close,
		// 2000 of open and close, 2000 of two of each.
		runPassCases(t, 10000, []passCase{
			{"tmp", []string{bin, "reopen", "/tmp"}, nil},
			{"root", []string{bin, "reopen", root}, nil},
		})
		runPassCases(t, 30000, []passCase{
			{"volume", []string{bin, "reopen", volume}, []string{"--volume", volume + ":" + volume + ":rw"}},
		})
	})
}

// hostScratchDir makes a directory that the app sees under the default
// root as the host's: not under /tmp (the app's /tmp is its own).
func hostScratchDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// runFileScenario runs fast_pass's scenario with a directory argument in
// the app's /tmp (tmpfs), a --volume and under the default root, wanting
// at least want calls passed through.
func runFileScenario(t *testing.T, scenario string, want uint64) {
	forPassVariants(t, func(t *testing.T, bin string) {
		volume := t.TempDir()
		root := hostScratchDir(t, "elfloader-pass"+scenario+"-")
		runPassCases(t, want, []passCase{
			{"tmp", []string{bin, scenario, "/tmp"}, nil},
			{"volume", []string{bin, scenario, volume}, []string{"--volume", volume + ":" + volume + ":rw"}},
			{"root", []string{bin, scenario, root}, nil},
		})
	})
}
