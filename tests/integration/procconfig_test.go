package integration

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestProcConfigGz: /proc/config.gz reads with zcat under elfloader (gzip's
// shell wrapper and busybox's applet give the same text), describes the
// kernel elfloader emulates (options tied to a system call are set exactly
// when elfloader's syscall table serves that call), and the /proc/sys
// files programs read are there.
func TestProcConfigGz(t *testing.T) {
	const zcat, busybox = "/bin/zcat", "/usr/bin/busybox"
	requireHostProgram(t, zcat, busybox)
	flags := testbin.EnvFlags()
	gz := testbin.RunElfloader(t, testTimeout, flags, []string{zcat, "/proc/config.gz"}, nil, nil)
	assertNoPanic(t, gz.Stderr)
	bb := testbin.RunElfloader(t, testTimeout, flags, []string{busybox, "zcat", "/proc/config.gz"}, nil, nil)
	assertNoPanic(t, bb.Stderr)
	if gz.Status != 0 || bb.Status != 0 || gz.Stdout != bb.Stdout {
		t.Fatalf("zcat: status %d, busybox zcat: status %d; outputs equal: %v\n%s%s", gz.Status, bb.Status, gz.Stdout == bb.Stdout, gz.Stderr, bb.Stderr)
	}
	config := gz.Stdout
	if !strings.HasPrefix(config, "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 ") {
		t.Errorf("header: %q", config[:min(len(config), 120)])
	}
	set := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(config, "\n"), "\n") {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(line, "# "), " is not set"); ok {
			set[name] = false
		} else if name, ok := strings.CutSuffix(line, "=y"); ok {
			set[name] = true
		} else if !strings.HasPrefix(line, "#") {
			t.Errorf("malformed line %q", line)
		}
	}

	out, err := exec.Command(testbin.Elfloader(t), "syscalls", "--format=json").Output()
	if err != nil {
		t.Fatalf("elfloader syscalls: %v", err)
	}
	var table []struct{ Name, Level string }
	if err := json.Unmarshal(out, &table); err != nil {
		t.Fatalf("elfloader syscalls: %v", err)
	}
	served := map[string]bool{}
	for _, e := range table {
		served[e.Name] = e.Level == "full" || e.Level == "partial"
	}
	for option, call := range map[string]string{
		"CONFIG_SYSVIPC": "shmget", "CONFIG_POSIX_MQUEUE": "mq_open", "CONFIG_KEYS": "add_key",
		"CONFIG_FANOTIFY": "fanotify_init", "CONFIG_INOTIFY_USER": "inotify_init1", "CONFIG_EPOLL": "epoll_create1",
		"CONFIG_SIGNALFD": "signalfd4", "CONFIG_TIMERFD": "timerfd_create", "CONFIG_EVENTFD": "eventfd2",
		"CONFIG_AIO": "io_setup", "CONFIG_FUTEX": "futex", "CONFIG_MEMFD_CREATE": "memfd_create",
		"CONFIG_IO_URING": "io_uring_setup", "CONFIG_USERFAULTFD": "userfaultfd", "CONFIG_BPF_SYSCALL": "bpf",
		"CONFIG_SECCOMP": "seccomp", "CONFIG_NET": "socket", "CONFIG_RSEQ": "rseq",
	} {
		got, ok := set[option]
		if !ok {
			t.Errorf("%s is missing", option)
		} else if got != served[call] {
			t.Errorf("%s set=%v but %s served=%v", option, got, call, served[call])
		}
	}
	for _, option := range []string{"CONFIG_PROC_FS", "CONFIG_SYSFS", "CONFIG_TMPFS", "CONFIG_TMPFS_XATTR", "CONFIG_EXT2_FS",
		"CONFIG_BLK_DEV_LOOP", "CONFIG_UNIX", "CONFIG_INET", "CONFIG_IKCONFIG_PROC"} {
		if !set[option] {
			t.Errorf("%s is not set", option)
		}
	}
	if v, ok := set["CONFIG_TMPFS_POSIX_ACL"]; !ok || v {
		t.Errorf("CONFIG_TMPFS_POSIX_ACL: present %v set %v (ACLs are not served)", ok, v)
	}

	sys := testbin.RunElfloader(t, testTimeout, flags, []string{busybox, "sh", "-c",
		"cat /proc/sys/kernel/pid_max /proc/sys/vm/overcommit_memory /proc/sys/fs/pipe-max-size; stat -c %s /proc/config.gz"}, nil, nil)
	assertNoPanic(t, sys.Stderr)
	f := strings.Fields(sys.Stdout)
	if sys.Status != 0 || len(f) != 4 || f[0] == "0" || f[1] != "0" || f[3] == "0" {
		t.Errorf("/proc/sys files and config.gz's size: status %d %q %s", sys.Status, sys.Stdout, sys.Stderr)
	}
}
