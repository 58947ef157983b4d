package integration

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// The --net=sandbox tests: the app's sockets are served by its own TCP/IP
// stack; servers are reached through ports published on 127.0.0.1 only.

// sandboxFlags are the elfloader flags of a sandboxed run publishing
// hostPort to appPort (no publishing when hostPort is 0).
func sandboxFlags(hostPort, appPort int, extra ...string) []string {
	flags := []string{"--net=sandbox"}
	if hostPort != 0 {
		flags = append(flags, "-p", fmt.Sprintf("127.0.0.1:%d:%d", hostPort, appPort))
	}
	return append(flags, extra...)
}

// waitExit waits (bounded) for the app to end by itself.
func (p *appServer) waitExit(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(serverStopTimeout):
		t.Fatalf("app still running after %v; output:\n%s", serverStopTimeout, p.output.String())
	}
}

// waitHTTP fetches url until the app answers 200: a published port
// accepts before the app listens (and then closes the connection).
func waitHTTP(t *testing.T, p *appServer, url string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(serverStartTimeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited before serving %s (%v); output:\n%s", url, p.err, p.output.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not served within %v (last error %v); output:\n%s", url, serverStartTimeout, err, p.output.String())
		}
	}
}

// sandboxVariants are the toolchains the sandbox's C programs are built
// with: the socket layer is the same for all, the libc's wrappers differ.
func sandboxVariants() []testbin.Variant {
	var list []testbin.Variant
	for _, name := range []string{"gcc-static", "gcc-dynamic"} {
		if v, ok := testbin.VariantByName(name); ok {
			list = append(list, v)
		}
	}
	return list
}

// TestNetSandboxPrograms runs the socket programs that use AF_INET in the
// sandbox and compares them with their native runs on the host's
// loopback: the stack must answer as Linux does.
func TestNetSandboxPrograms(t *testing.T) {
	programs := []cProgram{
		{source: "net_tcp.c"},          // socket calls and errno cases over TCP
		{source: "net_sigpipe.c"},      // SIGPIPE kills the writer: status 141
		{source: "net_udp.c"},          // UDP ping-pong, sendmmsg/recvmmsg
		{source: "net_epoll.c"},        // epoll echo server, 50 clients, LT/ET/ONESHOT
		{source: "net_eintr.c"},        // EINTR/SA_RESTART, SO_RCVTIMEO
		{source: "net_timeo.c"},        // SO_SNDTIMEO/SO_RCVTIMEO bound a whole TCP call
		{source: "netsandbox_udp.c"},   // datagram edges: no buffer, empty, MSG_TRUNC
		{source: "netsandbox_errno.c"}, // errno of refused calls, option defaults and ranges
	}
	flags := append(testbin.EnvFlags(), "--net=sandbox")
	for _, p := range programs {
		t.Run(p.name(), func(t *testing.T) {
			for _, v := range sandboxVariants() {
				t.Run(v.Name, func(t *testing.T) {
					t.Parallel()
					bin := p.build(t, v)
					_, loaded := testbin.CompareWithNative(t, netTimeout, flags, []string{bin}, nil, nil)
					assertNoPanic(t, loaded.Stderr)
				})
			}
		})
	}
}

// netsandboxInetWant is netsandbox_inet's output in the sandbox.
const netsandboxInetWant = `tcp ::1: connect EINPROGRESS, SO_ERROR 0, peer ::1, O_NONBLOCK 1, FD_CLOEXEC 1, FIONREAD 4, read 4, reply pong, then 0
tcp fd00::15: connect EINPROGRESS, SO_ERROR 0, peer fd00::15, O_NONBLOCK 1, FD_CLOEXEC 1, FIONREAD 4, read 4, reply pong, then 0
tcp 127.0.0.1: connect EINPROGRESS, SO_ERROR 0, peer ::ffff:127.0.0.1, O_NONBLOCK 1, FD_CLOEXEC 1, FIONREAD 4, read 4, reply pong, then 0
tcp 10.0.2.15: connect EINPROGRESS, SO_ERROR 0, peer ::ffff:10.0.2.15, O_NONBLOCK 1, FD_CLOEXEC 1, FIONREAD 4, read 4, reply pong, then 0
epoll add 0, same fd 1, add again 0
udp 127.0.0.1: got 10 from 127.0.0.1, echo 0123 with MSG_TRUNC 10
udp 10.0.2.15: got 10 from 10.0.2.15, echo 0123 with MSG_TRUNC 10
udp ::1: got 10 from ::1, echo 0123 with MSG_TRUNC 10
udp fd00::15: got 10 from fd00::15, echo 0123 with MSG_TRUNC 10
ping 127.0.0.1: reply type 0, 16 bytes, payload sandbox!
ping 10.0.2.2: reply type 0, 16 bytes, payload sandbox!
ping ::1: reply type 129, 16 bytes, payload sandbox!
ping fd00::2: reply type 129, 16 bytes, payload sandbox!
connect 192.0.2.1: ENETUNREACH
connect 2001:db8::1: ENETUNREACH
connect 10.0.2.2: ECONNREFUSED
connect 10.0.2.3: ECONNREFUSED
`

// TestNetSandboxInet checks what only the sandbox has: its eth0 addresses
// over IPv4 and IPv6, dual-stack peers, UDP echo, ping sockets (the host
// may forbid them: ping_group_range), and its edges (no route out, the
// gateway refusing). Never run natively: it would reach for real
// addresses.
func TestNetSandboxInet(t *testing.T) {
	for _, v := range sandboxVariants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			bin := cProgram{source: "netsandbox_inet.c"}.build(t, v)
			r := testbin.RunElfloader(t, netTimeout, append(testbin.EnvFlags(), "--net=sandbox"), []string{bin}, nil, nil)
			assertNoPanic(t, r.Stderr)
			if r.Status != 0 || r.Stdout != netsandboxInetWant {
				t.Errorf("status %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.Status, r.Stdout, netsandboxInetWant, r.Stderr)
			}
		})
	}
}

// TestNetSandboxPythonHTTP serves a file with python3 -m http.server in the
// sandbox through a published port, captures the session with --pcap, and
// kills elfloader with SIGKILL: tcpdump must still read the handshake, the
// request and the response.
func TestNetSandboxPythonHTTP(t *testing.T) {
	skipUnlessDynamic(t)
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("%s not installed: %v", pythonBinary, err)
	}
	tcpdump := requireTcpdump(t)
	dir := hostScratch(t)
	content := []byte(strings.Repeat("served by python in the sandbox\n", 2000))
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(dir, "session.pcap")
	port := loopbackPort(t)
	argv := []string{pythonBinary, "-m", "http.server", "8000", "--directory", dir}
	proc := startAppServer(t, sandboxFlags(port, 8000, "--pcap", pcap, "--pcap-filter", "tcp and port 8000"), argv, port)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, proc, base+"/")
	client := &http.Client{Transport: &http.Transport{}}
	status, body := fetchURL(t, client, base+"/data.txt")
	if status != http.StatusOK {
		t.Errorf("data.txt: status %d", status)
	}
	compareBody(t, "data.txt", body, content)
	client.CloseIdleConnections()
	// SIGKILL elfloader itself: the capture gets no chance to finish.
	if got := proc.stop(t, syscall.SIGKILL); got != 128+int(syscall.SIGKILL) {
		t.Errorf("status after SIGKILL: %d", got)
	}
	if out := proc.output.String(); !strings.Contains(out, "GET /data.txt HTTP/1.1\" 200") || !strings.Contains(out, "10.0.2.2") {
		t.Errorf("server log lacks the request from the gateway 10.0.2.2:\n%s", out)
	}
	dump := readPcap(t, tcpdump, pcap)
	for _, want := range []string{
		"10.0.2.2.", " > 10.0.2.15.8000: Flags [S],", // SYN
		"10.0.2.15.8000 > 10.0.2.2.", ": Flags [S.],", // SYN-ACK
		": Flags [.], ack 1,",    // ACK
		"GET /data.txt HTTP/1.1", // the request
		"HTTP/1.0 200 OK",        // the response
	} {
		if !strings.Contains(dump, want) {
			t.Errorf("tcpdump output lacks %q:\n%s", want, clipText(dump))
		}
	}
}

// requireTcpdump returns tcpdump's path or skips (scripts/deps.sh
// installs it).
func requireTcpdump(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump not installed (apt-get install tcpdump; scripts/deps.sh)")
	}
	return path
}

// readPcap is `tcpdump -r FILE -nn -A`, which must succeed.
func readPcap(t *testing.T, tcpdump, file string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tcpdump, "-r", file, "-nn", "-A")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", file, err, stderr.String())
	}
	if strings.Contains(stderr.String(), "truncated") {
		t.Errorf("tcpdump: %s", stderr.String())
	}
	return stdout.String()
}

// clipText keeps the first lines of a long output for a failure message.
func clipText(s string) string {
	const max = 4000
	if len(s) > max {
		return s[:max] + "\n..."
	}
	return s
}

// TestNetSandboxNginx serves a small and a 10 MiB file with nginx in the
// sandbox (port 80 with sendfile, 81 over IPv6 [::], 82 without sendfile)
// through published ports.
func TestNetSandboxNginx(t *testing.T) {
	skipUnlessDynamic(t)
	s := newNginxSite(t)
	conf, err := os.ReadFile(s.conf)
	if err != nil {
		t.Fatal(err)
	}
	// The site listens on the sandbox's own ports instead of the host's.
	text := strings.Replace(string(conf), fmt.Sprintf("listen 127.0.0.1:%d;", s.portOn), "listen 80;\n\t\tlisten [::]:81;", 1)
	text = strings.Replace(text, fmt.Sprintf("listen 127.0.0.1:%d;", s.portOff), "listen 82;", 1)
	if err := os.WriteFile(s.conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	on, on6, off := loopbackPort(t), loopbackPort(t), loopbackPort(t)
	flags := []string{"--volume", s.dir + ":" + s.dir + ":rw", "--net=sandbox",
		"-p", fmt.Sprintf("127.0.0.1:%d:80", on), "-p", fmt.Sprintf("127.0.0.1:%d:81", on6), "-p", fmt.Sprintf("127.0.0.1:%d:82", off)}
	proc := startAppServer(t, flags, []string{nginxBinary, "-c", s.conf}, on)
	client := &http.Client{Transport: &http.Transport{}}
	for _, port := range []int{on, on6, off} {
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		waitHTTP(t, proc, base+"/small.txt")
		status, body := fetchURL(t, client, base+"/small.txt")
		if status != http.StatusOK {
			t.Errorf("port %d small.txt: status %d", port, status)
		}
		compareBody(t, "small.txt", body, s.small)
		status, body = fetchURL(t, client, base+"/big.bin")
		if status != http.StatusOK {
			t.Errorf("port %d big.bin: status %d", port, status)
		}
		compareBody(t, "big.bin", body, s.big)
	}
	client.CloseIdleConnections()
	if got := proc.stop(t, syscall.SIGQUIT); got != 0 {
		t.Errorf("nginx status after SIGQUIT: %d; output:\n%s", got, proc.output.String())
	}
	assertNoPanic(t, proc.output.String())
}

// TestNetSandboxGoHTTP runs a static Go net/http server (Go's netpoller:
// epoll edge-triggered, dual-stack [::] listener) in the sandbox, on both
// platforms as ELFLOADER_FLAGS says, fetches a body, echoes a request body,
// sees the gateway as the peer, and ends it cleanly; the --pcap file of
// the session is valid after the clean exit.
func TestNetSandboxGoHTTP(t *testing.T) {
	tcpdump := requireTcpdump(t)
	bin := testbin.BuildGo(t, "gohttp")
	dir := hostScratch(t)
	pcap := filepath.Join(dir, "go.pcap")
	port := loopbackPort(t)
	const size = 300000
	proc := startAppServer(t, sandboxFlags(port, 8080, "--pcap", pcap), []string{bin, ":8080", fmt.Sprint(size)}, port)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, proc, base+"/peer")
	client := &http.Client{Transport: &http.Transport{}}
	status, body := fetchURL(t, client, base+"/data")
	if status != http.StatusOK || len(body) != size || !bytes.HasPrefix(body, []byte("0123456789abcdef")) {
		t.Errorf("/data: status %d, %d bytes", status, len(body))
	}
	if _, peer := fetchURL(t, client, base+"/peer"); !strings.HasPrefix(string(peer), "10.0.2.2:") {
		t.Errorf("/peer: %q, want the gateway 10.0.2.2", peer)
	}
	payload := bytes.Repeat([]byte("echo through the sandbox\n"), 20000)
	resp, err := client.Post(base+"/echo", "application/octet-stream", bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("POST /echo: %v", err)
	}
	var echoed bytes.Buffer
	echoed.ReadFrom(resp.Body)
	resp.Body.Close()
	compareBody(t, "/echo", echoed.Bytes(), payload)
	fetchURL(t, client, base+"/quit")
	client.CloseIdleConnections()
	select {
	case <-proc.done:
	case <-time.After(serverStopTimeout):
		t.Fatalf("gohttp still running after /quit; output:\n%s", proc.output.String())
	}
	out := proc.output.String()
	assertNoPanic(t, out)
	if proc.err != nil || !strings.Contains(out, "listening on ::") || !strings.Contains(out, "done") {
		t.Errorf("exit %v; output:\n%s", proc.err, out)
	}
	dump := readPcap(t, tcpdump, pcap)
	for _, want := range []string{"> 10.0.2.15.8080: Flags [S],", "10.0.2.15.8080 > 10.0.2.2.", "GET /data HTTP/1.1", "HTTP/1.1 200 OK"} {
		if !strings.Contains(dump, want) {
			t.Errorf("tcpdump output lacks %q:\n%s", want, clipText(dump))
		}
	}
}

// udpEchoScript is a UDP echo server of three datagrams.
const udpEchoScript = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000))
for _ in range(3):
    data, peer = s.recvfrom(2048)
    print("got", data, peer, flush=True)
    s.sendto(data.upper(), peer)
print("echoed 3 from", peer[0])
`

// TestNetSandboxUDPPublish echoes datagrams of a host client through a
// published UDP port to a python echo server in the sandbox.
func TestNetSandboxUDPPublish(t *testing.T) {
	skipUnlessDynamic(t)
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("%s not installed: %v", pythonBinary, err)
	}
	port := loopbackPort(t)
	proc := startApp(t, testbin.Elfloader(t), nil, []string{"--net=sandbox", "-p", fmt.Sprintf("127.0.0.1:%d:9000/udp", port)}, []string{pythonBinary, "-c", udpEchoScript})
	out := proc.output
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The first datagram may arrive before the app binds (and is lost, as
	// UDP's are): resend until the first echo.
	buf := make([]byte, 2048)
	for i := 0; ; i++ {
		c.Write([]byte("first"))
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := c.Read(buf)
		if err == nil {
			if string(buf[:n]) != "FIRST" {
				t.Fatalf("echo %q, want FIRST", buf[:n])
			}
			break
		}
		// Before elfloader listens the host answers port unreachable
		// at once.
		time.Sleep(100 * time.Millisecond)
		if i == 100 {
			t.Fatalf("no echo; output:\n%s", out.String())
		}
	}
	for _, msg := range []string{"second", "third"} {
		c.Write([]byte(msg))
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != strings.ToUpper(msg) {
			t.Fatalf("echo of %q: %q, %v; output:\n%s", msg, buf[:n], err, out.String())
		}
	}
	proc.waitExit(t)
	if proc.err != nil {
		t.Errorf("exit: %v; output:\n%s", proc.err, out.String())
	}
	if !strings.Contains(out.String(), "echoed 3 from 10.0.2.2") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestNetSandboxFlags checks the command line's refusals.
func TestNetSandboxFlags(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--net=sandbox:everything"}, "want host, none, sandbox or sandbox:outbound"},
		{[]string{"-p", "8080:80"}, "need --net=sandbox"},
		{[]string{"--net=sandbox", "-p", "80"}, "want [HOSTIP:]HOSTPORT:APPPORT"},
		{[]string{"--net=sandbox", "-p", "8080:80/sctp"}, "want tcp or udp"},
		{[]string{"--net=sandbox", "--pcap-filter", "port"}, "port needs a value"},
	} {
		r := testbin.RunElfloader(t, netTimeout, c.flags, []string{"/bin/true"}, nil, nil)
		if r.Status != 2 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and %q", c.flags, r.Status, r.Stderr, c.want)
		}
	}
	// A port the host cannot give is a failure to run (docker's 125).
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	flags := []string{"--net=sandbox", "-p", fmt.Sprintf("%d:80", busy.Addr().(*net.TCPAddr).Port)}
	r := testbin.RunElfloader(t, netTimeout, flags, []string{"/bin/true"}, nil, nil)
	if r.Status != 125 || !strings.Contains(r.Stderr, "address already in use") {
		t.Errorf("%v: status %d, stderr %q; want 125 and address already in use", flags, r.Status, r.Stderr)
	}
}

// outboundScript fetches a URL and sends a UDP datagram to the gateway,
// which --net=sandbox:outbound connects to the host's loopback.
const outboundScript = `import socket, sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto(b"ping", ("10.0.2.2", int(sys.argv[2])))
print(s.recvfrom(64)[0].decode())
`

// TestNetSandboxOutbound reaches servers on the host's loopback from the
// sandbox through the gateway (10.0.2.2) with --net=sandbox:outbound, TCP
// and UDP; without :outbound the same connection is refused. The app's
// /etc/hosts names it on its own addresses.
func TestNetSandboxOutbound(t *testing.T) {
	skipUnlessDynamic(t)
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("%s not installed: %v", pythonBinary, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host says hi to %s", strings.Split(r.RemoteAddr, ":")[0])
	})}
	go srv.Serve(l)
	defer srv.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 64)
		n, from, err := pc.ReadFrom(buf)
		if err == nil {
			pc.WriteTo(bytes.ToUpper(buf[:n]), from)
		}
	}()
	tcpPort, udpPort := l.Addr().(*net.TCPAddr).Port, pc.LocalAddr().(*net.UDPAddr).Port
	url := fmt.Sprintf("http://10.0.2.2:%d/", tcpPort)
	flags := append(testbin.EnvFlags(), "--net=sandbox:outbound")
	r := testbin.RunElfloader(t, netTimeout, flags, []string{pythonBinary, "-c", outboundScript, url, fmt.Sprint(udpPort)}, nil, nil)
	assertNoPanic(t, r.Stderr)
	if want := "host says hi to 127.0.0.1\nPING\n"; r.Status != 0 || r.Stdout != want {
		t.Errorf("outbound: status %d, stdout %q, want %q; stderr:\n%s", r.Status, r.Stdout, want, r.Stderr)
	}
	refused := `import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=20)
except OSError as e:
    print(type(e.reason).__name__)
`
	flags = append(testbin.EnvFlags(), "--net=sandbox", "--hostname", "box")
	r = testbin.RunElfloader(t, netTimeout, flags, []string{pythonBinary, "-c", refused, url}, nil, nil)
	if r.Stdout != "ConnectionRefusedError\n" {
		t.Errorf("without :outbound: status %d, stdout %q, want ConnectionRefusedError; stderr:\n%s", r.Status, r.Stdout, r.Stderr)
	}
	r = testbin.RunElfloader(t, netTimeout, flags, []string{"/bin/cat", "/etc/hosts"}, nil, nil)
	if !strings.Contains(r.Stdout, "10.0.2.15\tbox\n") || !strings.Contains(r.Stdout, "fd00::15\tbox\n") {
		t.Errorf("/etc/hosts in the sandbox:\n%s", r.Stdout)
	}
}

// TestNetSandboxABIStructs runs abi_structs.c in the sandbox: the socket
// addresses, message headers and TCP_INFO its sockets write must have the
// kernel's extent and layout there too.
func TestNetSandboxABIStructs(t *testing.T) {
	for _, v := range sandboxVariants() {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "abi_structs.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "abi")}, nil, nil)
			flags := append(testbin.EnvFlags(), "--net=sandbox")
			loaded := testbin.RunElfloader(t, testTimeout, flags, []string{bin, appScratch("abi-sandbox-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestNetSandboxShellPty drives an interactive shell on a terminal in the
// sandbox, as a user would: it starts python's http.server in the
// background on [::] (dual-stack) and fetches a file with busybox wget over
// the sandbox's IPv4 address and over IPv6 loopback, then ends the job.
func TestNetSandboxShellPty(t *testing.T) {
	skipUnlessDynamic(t)
	for _, p := range []string{pythonBinary, busybox} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s not installed: %v", p, err)
		}
	}
	dir := hostScratch(t)
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("from the sandbox's own server\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startOnPty(t, underElfloader(t, []string{"--net=sandbox"}, []string{"/bin/sh"}), ptyEnv(t), false)
	r.send(pythonBinary + " -m http.server 8000 --bind :: --directory " + dir + " >/dev/null 2>&1 &\n")
	r.send("for i in $(seq 200); do " + busybox + " wget -q -O - http://10.0.2.15:8000/data.txt 2>/dev/null && break; sleep 0.1; done; echo v4-$i-done\n")
	r.expect("from the sandbox's own server")
	r.expect("-done")
	r.send(busybox + " wget -q -O - 'http://[::1]:8000/data.txt'; echo v6-status-$?\n")
	r.expect("from the sandbox's own server")
	r.expect("v6-status-0")
	r.send("kill %1; wait; exit\n")
	if status := r.wait(); status != 0 {
		t.Errorf("shell status %d; screen:\n%s", status, r.screen())
	}
	assertNoPanic(t, r.screen())
}

// halfCloseScript reads one connection to its end, then answers with the
// byte count: the answer can only come after the client's half-close went
// through the published port.
const halfCloseScript = `import socket
l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("::", 7000))
l.listen(1)
c, peer = l.accept()
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
c.sendall(b"got %d bytes" % n)
c.shutdown(socket.SHUT_WR)
print("served", peer[0], c.recv(16) == b"")
`

// TestNetSandboxPublishHalfClose sends a body through a published port and
// half-closes: the app sees the end of the stream, answers, and the client
// reads the answer and then the end of the stream.
func TestNetSandboxPublishHalfClose(t *testing.T) {
	skipUnlessDynamic(t)
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("%s not installed: %v", pythonBinary, err)
	}
	port := loopbackPort(t)
	proc := startApp(t, testbin.Elfloader(t), nil, sandboxFlags(port, 7000), []string{pythonBinary, "-c", halfCloseScript})
	body := bytes.Repeat([]byte("x"), 1<<20)
	deadline := time.Now().Add(serverStartTimeout)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
		if err != nil {
			// elfloader does not listen yet.
			if time.Now().After(deadline) {
				t.Fatalf("%v; output:\n%s", err, proc.output.String())
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		c.Write(body)
		c.(*net.TCPConn).CloseWrite()
		var reply bytes.Buffer
		reply.ReadFrom(c)
		c.Close()
		if reply.Len() > 0 {
			if got, want := reply.String(), fmt.Sprintf("got %d bytes", len(body)); got != want {
				t.Errorf("reply %q, want %q", got, want)
			}
			break
		}
		// The app did not listen yet: the published port closed at once.
		if time.Now().After(deadline) {
			t.Fatalf("no reply within %v; output:\n%s", serverStartTimeout, proc.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	proc.waitExit(t)
	if out := proc.output.String(); proc.err != nil || !strings.Contains(out, "served ::ffff:10.0.2.2 True") {
		t.Errorf("exit %v; output:\n%s", proc.err, out)
	}
}
