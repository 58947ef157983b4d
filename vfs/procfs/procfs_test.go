package procfs

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

func TestSelfLinks(t *testing.T) {
	w := newWorld(t)
	root := w.ctx.Root
	if got, err := vfs.ReadlinkAt(w.ctx, root, "/proc/self"); err != nil || got != "42" {
		t.Fatalf("self = %q, %v", got, err)
	}
	if got, err := vfs.ReadlinkAt(w.ctx, root, "/proc/thread-self"); err != nil || got != "42/task/42" {
		t.Fatalf("thread-self = %q, %v", got, err)
	}
	other := w.ctx.Fork()
	other.PID = 1
	if got, _ := vfs.ReadlinkAt(other, root, "/proc/self"); got != "1" {
		t.Fatalf("self for pid 1 = %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/self/comm"); got != "app-with-a-long\n" {
		t.Fatalf("self/comm = %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/thread-self/comm"); got != "app-with-a-long\n" {
		t.Fatalf("thread-self/comm = %q", got)
	}
	kernel := w.ctx.Fork()
	kernel.PID = 0
	_, err := vfs.OpenAt(kernel, root, "/proc/self/status", vfs.OpenHow{})
	wantErrno(t, "self without a pid", err, unix.ENOENT)
}

func TestExeCwdRootLinks(t *testing.T) {
	w := newWorld(t)
	root := w.ctx.Root
	for path, want := range map[string]string{
		"/proc/self/exe": "/usr/bin/app", "/proc/42/cwd": "/home", "/proc/42/root": "/",
		"/proc/42/task/43/cwd": "/home",
	} {
		if got, err := vfs.ReadlinkAt(w.ctx, root, path); err != nil || got != want {
			t.Errorf("readlink %s = %q, %v; want %q", path, got, err, want)
		}
	}
	// exe jumps to the executable itself.
	exe, err := vfs.StatAt(w.ctx, root, "/proc/self/exe", 0)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := vfs.StatAt(w.ctx, root, "/usr/bin/app", 0)
	if exe.Ino != bin.Ino || exe.Dev != bin.Dev {
		t.Fatalf("exe resolves to ino %d, want %d", exe.Ino, bin.Ino)
	}
	if got := readFile(t, w.ctx, "/proc/self/exe"); got != appContents {
		t.Fatalf("exe contents %q", got)
	}
	// cwd and root are directories one can walk through.
	if got := readFile(t, w.ctx, "/proc/self/cwd/notes"); got != "hello notes" {
		t.Fatalf("cwd/notes = %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/42/root/home/notes"); got != "hello notes" {
		t.Fatalf("root/home/notes = %q", got)
	}
	lst, err := vfs.StatAt(w.ctx, root, "/proc/self/cwd", unix.AT_SYMLINK_NOFOLLOW)
	if err != nil || lst.Type() != unix.S_IFLNK {
		t.Fatalf("lstat cwd: mode %o, %v", lst.Mode, err)
	}
	// Another user may not follow the links.
	stranger := w.ctx.Fork()
	stranger.UID, stranger.PID = 1000, 1
	_, err = vfs.ReadlinkAt(stranger, root, "/proc/42/exe")
	wantErrno(t, "stranger readlink exe", err, unix.EACCES)
	// RESOLVE_NO_MAGICLINKS refuses them.
	_, err = vfs.OpenAt(w.ctx, root, "/proc/self/exe", vfs.OpenHow{Resolve: unix.RESOLVE_NO_MAGICLINKS})
	wantErrno(t, "RESOLVE_NO_MAGICLINKS", err, unix.ELOOP)
}

func TestFDDirectory(t *testing.T) {
	w := newWorld(t)
	root := w.ctx.Root
	if got := readDir(t, w.ctx, "/proc/self/fd"); !slices.Equal(got, []string{"0", "1", "100"}) {
		t.Fatalf("fd entries %q", got)
	}
	if got, _ := vfs.ReadlinkAt(w.ctx, root, "/proc/self/fd/0"); got != "/home/notes" {
		t.Fatalf("fd/0 -> %q", got)
	}
	if got, _ := vfs.ReadlinkAt(w.ctx, root, "/proc/self/fd/1"); got != "pipe:[123]" {
		t.Fatalf("fd/1 -> %q", got)
	}
	for path, want := range map[string]uint32{"/proc/self/fd/0": 0o500, "/proc/self/fd/1": 0o300, "/proc/self/fd/100": 0o700} {
		st, err := vfs.StatAt(w.ctx, root, path, unix.AT_SYMLINK_NOFOLLOW)
		if err != nil || st.Mode != unix.S_IFLNK|want {
			t.Errorf("lstat %s: mode %o, %v", path, st.Mode, err)
		}
	}
	// A vfs file reopens through the link (a new description: offset 0).
	if got := readFile(t, w.ctx, "/proc/self/fd/0"); got != "hello notes" {
		t.Fatalf("fd/0 contents %q", got)
	}
	_, err := vfs.OpenAt(w.ctx, root, "/proc/self/fd/100", vfs.OpenHow{})
	wantErrno(t, "open socket fd link", err, unix.ENXIO)
	_, err = vfs.OpenAt(w.ctx, root, "/proc/self/fd/7", vfs.OpenHow{})
	wantErrno(t, "open missing fd", err, unix.ENOENT)
	_, err = vfs.OpenAt(w.ctx, root, "/proc/self/fd/00", vfs.OpenHow{})
	wantErrno(t, "open fd 00", err, unix.ENOENT)

	notes, _ := vfs.StatAt(w.ctx, root, "/home/notes", 0)
	want := "pos:\t5\nflags:\t0100000\nmnt_id:\t0\nino:\t" + strconv.FormatUint(notes.Ino, 10) + "\n"
	if got := readFile(t, w.ctx, "/proc/self/fdinfo/0"); got != want {
		t.Fatalf("fdinfo/0 = %q, want %q", got, want)
	}
	if got := readFile(t, w.ctx, "/proc/self/fdinfo/100"); !strings.Contains(got, "flags:\t02100002\n") {
		t.Fatalf("fdinfo/100 = %q", got)
	}
	if got := readDir(t, w.ctx, "/proc/self/fdinfo"); !slices.Equal(got, []string{"0", "1", "100"}) {
		t.Fatalf("fdinfo entries %q", got)
	}
	// A descriptor closed after the lookup disappears.
	w.app.fds = w.app.fds[:1]
	_, err = vfs.ReadlinkAt(w.ctx, root, "/proc/self/fd/1")
	wantErrno(t, "closed fd", err, unix.ENOENT)
}

// TestMapsMatchesHost formats every line of the host's own maps from its
// parsed values and expects the same bytes back.
func TestMapsMatchesHost(t *testing.T) {
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no host maps: %v", err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	var withPath, anon int
	for _, line := range lines {
		line = strings.TrimSuffix(line, "\n") + "\n"
		m := parseMapsLine(t, line)
		if got := mapsLine(m); got != line {
			t.Fatalf("maps line\n got %q\nwant %q", got, line)
		}
		if m.Path == "" {
			anon++
		} else {
			withPath++
		}
	}
	if withPath == 0 {
		t.Fatal("host maps had no named mapping to compare")
	}
	t.Logf("compared %d named and %d anonymous lines", withPath, anon)
}

// parseMapsLine parses one line of Linux's /proc/PID/maps.
func parseMapsLine(t *testing.T, line string) Mapping {
	t.Helper()
	rest := strings.TrimSuffix(line, "\n")
	var fields []string
	for range 5 {
		i := strings.IndexByte(rest, ' ')
		fields = append(fields, rest[:i])
		rest = rest[i+1:]
	}
	var m Mapping
	addrs := strings.SplitN(fields[0], "-", 2)
	m.Start, _ = strconv.ParseUint(addrs[0], 16, 64)
	m.End, _ = strconv.ParseUint(addrs[1], 16, 64)
	for i, bit := range []int{unix.PROT_READ, unix.PROT_WRITE, unix.PROT_EXEC} {
		if fields[1][i] != '-' {
			m.Prot |= bit
		}
	}
	m.Shared = fields[1][3] == 's'
	m.Offset, _ = strconv.ParseUint(fields[2], 16, 64)
	dev := strings.SplitN(fields[3], ":", 2)
	major, _ := strconv.ParseUint(dev[0], 16, 32)
	minor, _ := strconv.ParseUint(dev[1], 16, 32)
	m.Dev = unix.Mkdev(uint32(major), uint32(minor))
	m.Inode, _ = strconv.ParseUint(fields[4], 10, 64)
	m.Path = strings.TrimLeft(rest, " ")
	return m
}

func TestMapsFile(t *testing.T) {
	w := newWorld(t)
	got := readFile(t, w.ctx, "/proc/self/maps")
	want := "00400000-00452000 r-xp 00000000 08:02 173521                             /usr/bin/app\n" +
		"00652000-00653000 rw-p 00052000 08:02 173521                             /usr/bin/app\n" +
		"00653000-00674000 rw-p 00000000 00:00 0                                  [heap]\n" +
		"7f0000000000-7f0000001000 r--p 00000000 00:00 0 \n" +
		"7ffc0000000-7ffc0021000 rw-p 00000000 00:00 0                            [stack]\n"
	if got != want {
		t.Fatalf("maps\n got %q\nwant %q", got, want)
	}
	// The example line of proc(5).
	line := mapsLine(Mapping{Start: 0x400000, End: 0x452000, Prot: unix.PROT_READ | unix.PROT_EXEC,
		Dev: unix.Mkdev(8, 2), Inode: 173521, Path: "/usr/bin/dbus-daemon"})
	if want := "00400000-00452000 r-xp 00000000 08:02 173521" + strings.Repeat(" ", 73-44) + "/usr/bin/dbus-daemon\n"; line != want {
		t.Fatalf("dbus line %q", line)
	}
}

// statusFields parses "Key:\tvalue" lines.
func statusFields(t *testing.T, text string) ([]string, map[string]string) {
	t.Helper()
	var keys []string
	vals := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":\t")
		if !ok {
			t.Fatalf("status line %q has no key", sc.Text())
		}
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

func TestStatus(t *testing.T) {
	w := newWorld(t)
	keys, v := statusFields(t, readFile(t, w.ctx, "/proc/42/status"))
	// The order of the fields programs parse follows Linux.
	order := []string{"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
		"FDSize", "Groups", "VmPeak", "VmSize", "VmRSS", "VmData", "VmStk", "VmExe", "VmLib", "Threads", "SigQ",
		"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapEff", "Cpus_allowed", "Cpus_allowed_list",
		"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"}
	last := -1
	for _, k := range order {
		i := slices.Index(keys, k)
		if i < 0 || i < last {
			t.Fatalf("status field %s missing or out of order in %q", k, keys)
		}
		last = i
	}
	checks := map[string]string{
		"Name": "app-with-a-long", "Umask": "0022", "State": "S (sleeping)", "Tgid": "42", "Pid": "42",
		"PPid": "1", "Uid": "0\t0\t0\t0", "Gid": "0\t0\t0\t0", "FDSize": "128", "Groups": " ",
		"VmSize": "    8192 kB", "VmRSS": "    2048 kB", "VmExe": "     328 kB", "VmStk": "     132 kB",
		"Threads": "2", "SigPnd": "0000000000000000", "CapEff": "000001ffffffffff",
	}
	for k, want := range checks {
		if v[k] != want {
			t.Errorf("status %s = %q, want %q", k, v[k], want)
		}
	}
	n := cpuCount()
	if v["Cpus_allowed_list"] != cpuList(n) {
		t.Errorf("Cpus_allowed_list %q", v["Cpus_allowed_list"])
	}
	_, tv := statusFields(t, readFile(t, w.ctx, "/proc/42/task/43/status"))
	if tv["Pid"] != "43" || tv["Tgid"] != "42" {
		t.Errorf("task status Pid %q Tgid %q", tv["Pid"], tv["Tgid"])
	}
}

func TestCPUMask(t *testing.T) {
	for n, want := range map[int]string{1: "1", 2: "3", 4: "f", 8: "ff", 12: "fff", 33: "1,ffffffff", 64: "ffffffff,ffffffff"} {
		if got := cpuMask(n); got != want {
			t.Errorf("cpuMask(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStat(t *testing.T) {
	w := newWorld(t)
	text := readFile(t, w.ctx, "/proc/self/stat")
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("stat has no newline: %q", text)
	}
	open, close := strings.IndexByte(text, '('), strings.LastIndexByte(text, ')')
	if text[:open] != "42 " || text[open+1:close] != "app-with-a-long" {
		t.Fatalf("stat head %q", text[:close+1])
	}
	fields := append([]string{"42", "comm"}, strings.Fields(text[close+1:])...)
	if len(fields) != 52 {
		t.Fatalf("stat has %d fields: %q", len(fields), text)
	}
	field := func(n int) string { return fields[n-1] }
	for n, want := range map[int]string{3: "S", 4: "1", 20: "2", 22: "9000", 23: "8388608", 24: "512",
		25: "18446744073709551615", 26: "4194304", 27: "4530176", 38: "17"} {
		if field(n) != want {
			t.Errorf("stat field %d = %q, want %q", n, field(n), want)
		}
	}
	task := readFile(t, w.ctx, "/proc/42/task/43/stat")
	if !strings.HasPrefix(task, "43 (app-with-a-long) S 1 42 ") {
		t.Fatalf("task stat %q", task)
	}
	if got := readFile(t, w.ctx, "/proc/42/statm"); got != "2048 512 0 82 0 67 0\n" {
		t.Fatalf("statm %q", got)
	}
}

func TestCmdlineEnvironAuxv(t *testing.T) {
	w := newWorld(t)
	if got := readFile(t, w.ctx, "/proc/self/cmdline"); got != "/usr/bin/app\x00-v\x00\x00" {
		t.Fatalf("cmdline %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/self/environ"); got != "HOME=/root\x00TERM=dumb\x00" {
		t.Fatalf("environ %q", got)
	}
	auxv := []byte(readFile(t, w.ctx, "/proc/self/auxv"))
	if len(auxv) != 6*8 {
		t.Fatalf("auxv is %d bytes", len(auxv))
	}
	want := []uint64{6, 4096, 11, 0, 0, 0}
	for i, v := range want {
		if got := binary.LittleEndian.Uint64(auxv[8*i:]); got != v {
			t.Fatalf("auxv word %d = %d, want %d", i, got, v)
		}
	}
}

func TestRootDirectory(t *testing.T) {
	w := newWorld(t)
	names := readDir(t, w.ctx, "/proc")
	for _, want := range []string{"1", "42", "self", "thread-self", "cpuinfo", "meminfo", "mounts", "filesystems",
		"uptime", "loadavg", "stat", "version", "sys"} {
		if !slices.Contains(names, want) {
			t.Errorf("/proc lacks %s: %q", want, names)
		}
	}
	if i, j := slices.Index(names, "version"), slices.Index(names, "1"); i > j {
		t.Errorf("pids listed before fixed entries: %q", names)
	}
	pidEntries := readDir(t, w.ctx, "/proc/42")
	for _, want := range []string{"exe", "cwd", "root", "fd", "fdinfo", "maps", "status", "stat", "statm",
		"cmdline", "environ", "auxv", "comm", "mounts", "task"} {
		if !slices.Contains(pidEntries, want) {
			t.Errorf("/proc/42 lacks %s: %q", want, pidEntries)
		}
	}
	if got := readDir(t, w.ctx, "/proc/42/task"); !slices.Equal(got, []string{"42", "43"}) {
		t.Errorf("task entries %q", got)
	}
	taskEntries := readDir(t, w.ctx, "/proc/42/task/43")
	if !slices.Contains(taskEntries, "stat") || slices.Contains(taskEntries, "task") {
		t.Errorf("task/43 entries %q", taskEntries)
	}
	// A non-leader thread can be looked up, not listed.
	if got := readFile(t, w.ctx, "/proc/43/stat"); !strings.HasPrefix(got, "43 (") || slices.Contains(names, "43") {
		t.Errorf("/proc/43/stat = %q", got)
	}
	_, err := vfs.StatAt(w.ctx, w.ctx.Root, "/proc/99", 0)
	wantErrno(t, "stat /proc/99", err, unix.ENOENT)
	// A process that exits disappears.
	delete(w.prov.procs, 1)
	if slices.Contains(readDir(t, w.ctx, "/proc"), "1") {
		t.Error("/proc still lists an exited process")
	}
	_, err = vfs.StatAt(w.ctx, w.ctx.Root, "/proc/1/status", 0)
	wantErrno(t, "stat exited", err, unix.ENOENT)
}

func TestWritesRefused(t *testing.T) {
	// procfs is mounted read-write (oom_score_adj takes writes); the files
	// without a writer refuse to open for writing and its directories
	// refuse changes.
	w := newWorld(t)
	root := w.ctx.Root
	for _, path := range []string{"/proc/self/status", "/proc/sys/kernel/hostname", "/proc/self/comm"} {
		_, err := vfs.OpenAt(w.ctx, root, path, vfs.OpenHow{Flags: unix.O_WRONLY})
		wantErrno(t, "open for writing "+path, err, unix.EACCES)
	}
	wantErrno(t, "mkdir", vfs.MkdirAt(w.ctx, root, "/proc/new", 0o755), unix.EACCES)
	wantErrno(t, "create", func() error {
		_, err := vfs.OpenAt(w.ctx, root, "/proc/new", vfs.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY, Mode: 0o644})
		return err
	}(), unix.EACCES)
	wantErrno(t, "unlink", vfs.UnlinkAt(w.ctx, root, "/proc/uptime", 0), unix.EACCES)
	wantErrno(t, "chmod", vfs.ChmodAt(w.ctx, root, "/proc/uptime", 0o777, 0), unix.EPERM)
	wantErrno(t, "symlink", vfs.SymlinkAt(w.ctx, "x", root, "/proc/link"), unix.EACCES)
	st, err := vfs.StatfsAt(w.ctx, root, "/proc")
	if err != nil || st.Type != procSuperMagic {
		t.Fatalf("statfs type %#x, %v", st.Type, err)
	}
}

func TestSnapshotAndOffsets(t *testing.T) {
	w := newWorld(t)
	f, err := vfs.OpenAt(w.ctx, w.ctx.Root, "/proc/self/cmdline", vfs.OpenHow{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.DecRef()
	w.app.cmdline = []string{"changed"} // after open: the snapshot holds
	buf := make([]byte, 4)
	if n, err := f.Pread(context.Background(), buf, 9); err != nil || string(buf[:n]) != "app\x00" {
		t.Fatalf("pread = %q, %v", buf[:n], err)
	}
	if end, err := f.Seek(0, unix.SEEK_END); err != nil || end != int64(len("/usr/bin/app\x00-v\x00\x00")) {
		t.Fatalf("seek end = %d, %v", end, err)
	}
	if got := readFile(t, w.ctx, "/proc/self/cmdline"); got != "changed\x00" {
		t.Fatalf("reopened cmdline %q", got)
	}
}

func TestMachineFiles(t *testing.T) {
	host := hostProcDir(t)
	w := newWorldHost(t, host)
	for _, name := range []string{"cpuinfo", "meminfo", "stat", "loadavg"} {
		want, _ := os.ReadFile(host + "/" + name)
		if got := readFile(t, w.ctx, "/proc/"+name); got != string(want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	wantMounts := "overlay / overlay rw,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n" +
		"my\\040dir /mnt/with\\040space hostfs rw 0 0\n"
	if got := readFile(t, w.ctx, "/proc/mounts"); got != wantMounts {
		t.Errorf("mounts = %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/self/mounts"); got != wantMounts {
		t.Errorf("self/mounts = %q", got)
	}
	mountinfo := readFile(t, w.ctx, "/proc/self/mountinfo")
	if !strings.HasPrefix(mountinfo, "20 20 0:20 / / rw,relatime - overlay overlay rw,relatime\n21 20 0:21 / /proc ") {
		t.Errorf("mountinfo = %q", mountinfo)
	}
	fss := readFile(t, w.ctx, "/proc/filesystems")
	for _, want := range []string{"nodev\tproc\n", "nodev\tsysfs\n", "nodev\ttmpfs\n", "nodev\tdevtmpfs\n", "nodev\toverlay\n"} {
		if !strings.Contains(fss, want) {
			t.Errorf("filesystems lacks %q: %q", want, fss)
		}
	}
	var up, idle float64
	if got := readFile(t, w.ctx, "/proc/uptime"); !strings.HasSuffix(got, "\n") {
		t.Errorf("uptime %q", got)
	} else if _, err := fmt.Sscan(got, &up, &idle); err != nil || up < 3600 || up > 3600+600 {
		t.Errorf("uptime %q: %v", got, err)
	}
	if got := readFile(t, w.ctx, "/proc/version"); !strings.HasPrefix(got, "Linux version 6.1.0-elfloader ") {
		t.Errorf("version %q", got)
	}
	for path, want := range map[string]string{
		"/proc/sys/kernel/osrelease": "6.1.0-elfloader\n", "/proc/sys/kernel/hostname": "testhost\n",
		"/proc/sys/kernel/ostype": "Linux\n", "/proc/sys/kernel/pid_max": "4194304\n",
		"/proc/sys/vm/overcommit_memory": "0\n", "/proc/sys/fs/file-max": "9223372036854775807\n",
	} {
		if got := readFile(t, w.ctx, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	u1, u2 := readFile(t, w.ctx, "/proc/sys/kernel/random/uuid"), readFile(t, w.ctx, "/proc/sys/kernel/random/uuid")
	if len(u1) != 37 || u1[14] != '4' || u1 == u2 {
		t.Errorf("uuid %q then %q", u1, u2)
	}
	b1, b2 := readFile(t, w.ctx, "/proc/sys/kernel/random/boot_id"), readFile(t, w.ctx, "/proc/sys/kernel/random/boot_id")
	if len(b1) != 37 || b1 != b2 {
		t.Errorf("boot_id %q then %q", b1, b2)
	}
}

func TestRealHostPassThrough(t *testing.T) {
	if _, err := os.Stat("/proc/cpuinfo"); err != nil {
		t.Skip("no host /proc")
	}
	w := newWorld(t)
	if got := readFile(t, w.ctx, "/proc/cpuinfo"); !strings.Contains(got, "processor") {
		t.Errorf("cpuinfo %q", got)
	}
	if got := readFile(t, w.ctx, "/proc/meminfo"); !strings.HasPrefix(got, "MemTotal:") {
		t.Errorf("meminfo %q", got)
	}
}

// TestInodeNumbers walks the whole tree (without following links): every
// inode number is unique and a second walk gives the same numbers.
func TestInodeNumbers(t *testing.T) {
	w := newWorld(t)
	walk := func() map[string]uint64 {
		inos := map[string]uint64{}
		var visit func(path string)
		visit = func(path string) {
			st, err := vfs.StatAt(w.ctx, w.ctx.Root, path, unix.AT_SYMLINK_NOFOLLOW)
			if err != nil {
				t.Fatalf("stat %s: %v", path, err)
			}
			inos[path] = st.Ino
			if st.IsDir() {
				for _, name := range readDir(t, w.ctx, path) {
					if name != "self" && name != "thread-self" {
						visit(path + "/" + name)
					}
				}
			}
		}
		visit("/proc")
		return inos
	}
	first := walk()
	seen := map[uint64]string{}
	for path, ino := range first {
		if other, dup := seen[ino]; dup {
			t.Errorf("inode %d shared by %s and %s", ino, path, other)
		}
		seen[ino] = path
	}
	second := walk()
	for path, ino := range first {
		if second[path] != ino {
			t.Errorf("%s: inode %d then %d", path, ino, second[path])
		}
	}
	if len(first) < 80 {
		t.Errorf("walk saw only %d inodes", len(first))
	}
}
