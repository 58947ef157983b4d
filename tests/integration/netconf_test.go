package integration

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestEpollDup: a descriptor and its dups are separate registrations of
// one epoll set (own events, data, MOD and DEL), which stay until the
// file's last descriptor closes (epoll(7), Q6); Go's net.FileListener
// adds such a dup of a registered listener.
func TestEpollDup(t *testing.T) {
	runBreadth(t, "epoll_dup.c", false)
}

// TestNetlinkRoute: NETLINK_ROUTE dumps of links and addresses describe
// the host's interfaces exactly as natively (with the default host
// network), with the app's sequence numbers and port id; acks, errors
// (the request echoed), MSG_PEEK|MSG_TRUNC, poll; a change is refused
// with EPERM once CAP_NET_ADMIN is dropped, natively and under elfloader.
// The program uses the kernel's uapi headers (linux/rtnetlink.h), which
// musl's toolchain does not ship: glibc builds only.
func TestNetlinkRoute(t *testing.T) {
	var glibc []testbin.Variant
	for _, v := range staticAndGlibcDynamic(t) {
		if v.Libc == "glibc" {
			glibc = append(glibc, v)
		}
	}
	runBreadthVariants(t, glibc, "netlink_route.c", true, nil)
}

// TestNetlinkRouteIproute2: iproute2's ip lists the same links, addresses
// and routes under elfloader as natively, and cannot change them.
func TestNetlinkRouteIproute2(t *testing.T) {
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("iproute2 is not installed")
	}
	for _, args := range [][]string{{"-brief", "addr"}, {"link"}, {"addr"}, {"route"}, {"-6", "route"}} {
		argv := append([]string{ip}, args...)
		native := testbin.RunNative(t, testTimeout, argv, nil, nil)
		loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
		assertNoPanic(t, loaded.Stderr)
		compareRuns(t, native, loaded)
	}
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{ip, "link", "set", "lo", "mtu", "1280"}, nil, nil)
	if r.Status == 0 || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Errorf("ip link set: status %d, stderr %q; want a failure with EPERM", r.Status, r.Stderr)
	}
}

// netlinkSandboxWant is what netlink_route.c's dumps show of the
// sandbox's own stack (netstack's lo and eth0).
var netlinkSandboxWant = []string{
	"link 1 lo type=772 flags=0x49 mtu=65536\n",
	"link 2 eth0 type=1 flags=0x1043 mtu=",
	"addr 1 family=2 127.0.0.1/8\n",
	"addr 2 family=2 10.0.2.15/24\n",
	"addr 1 family=10 ::1/128\n",
	"addr 2 family=10 fd00::15/64\n",
	"done: 2 messages, 0 with a wrong seq or port, error 0\n",
	"newlink: NLMSG_ERROR error=-1 ",
}

// TestNetlinkRouteSandbox: with --net=sandbox the dumps describe the
// app's own stack, and /proc/net describes its interfaces too.
func TestNetlinkRouteSandbox(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-dynamic")
	if !ok {
		t.Skip("no gcc-dynamic variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "netlink_route.c"), v)
	flags := append(testbin.EnvFlags(), "--net=sandbox")
	r := testbin.RunElfloader(t, testTimeout, flags, []string{bin}, nil, nil)
	assertNoPanic(t, r.Stderr)
	for _, want := range netlinkSandboxWant {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, r.Stdout, r.Stderr)
		}
	}
	if strings.Contains(r.Stdout, "192.0.2.") || strings.Contains(r.Stdout, "ifb0") {
		t.Errorf("the sandbox shows host interfaces:\n%s", r.Stdout)
	}
	cat := testbin.RunElfloader(t, testTimeout, flags, []string{"/bin/cat", "/proc/net/if_inet6", "/proc/net/igmp", "/proc/net/igmp6", "/proc/net/dev"}, nil, nil)
	for _, want := range []string{
		"fd000000000000000000000000000015 02 40 00 80     eth0\n",
		"2\teth0      :     1      V3\n",
		"ff020000000000000000000000000001",
		"  eth0:",
	} {
		if !strings.Contains(cat.Stdout, want) {
			t.Errorf("/proc/net lacks %q:\n%s\nstderr:\n%s", want, cat.Stdout, cat.Stderr)
		}
	}
}

// TestProcNetHost: /proc/net's interface files are the host's with the
// host network.
func TestProcNetHost(t *testing.T) {
	argv := []string{"/bin/cat", "/proc/net/if_inet6", "/proc/net/igmp", "/proc/net/igmp6"}
	native := testbin.RunNative(t, testTimeout, argv, nil, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	compareRuns(t, native, loaded)
}
