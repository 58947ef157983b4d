package netstack

import "testing"

func TestResolvConf(t *testing.T) {
	host := []byte("search example.org\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.53\noptions edns0\n")
	want := "search example.org\nnameserver 10.0.2.2\nnameserver fd00::2\nnameserver 192.0.2.53\noptions edns0\n"
	if got := string(ResolvConf(host, true)); got != want {
		t.Errorf("outbound:\n%s\nwant:\n%s", got, want)
	}
	if got := string(ResolvConf(host, false)); got == "" || got[0] != '#' {
		t.Errorf("no outbound: %q, want only a comment", got)
	}
}

func TestHostsFile(t *testing.T) {
	want := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.2.15\tbox\nfd00::15\tbox\n"
	if got := string(HostsFile("box")); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestParsePublish(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Publish
	}{
		{"8080:80", Publish{"127.0.0.1", 8080, 80, "tcp"}},
		{"0.0.0.0:8080:80/udp", Publish{"0.0.0.0", 8080, 80, "udp"}},
		{"[::1]:8080:80/tcp", Publish{"::1", 8080, 80, "tcp"}},
	} {
		got, err := ParsePublish(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParsePublish(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"80", "a:80", "8080:0", "host:8080:80", "8080:80/sctp", "70000:80"} {
		if _, err := ParsePublish(bad); err == nil {
			t.Errorf("ParsePublish(%q) succeeded", bad)
		}
	}
}

func TestFilter(t *testing.T) {
	f, err := ParseFilter("tcp and port 80 and host 10.0.2.15")
	if err != nil {
		t.Fatal(err)
	}
	// A minimal IPv4 TCP packet 10.0.2.2:40000 -> 10.0.2.15:80.
	pkt := make([]byte, 40)
	pkt[0], pkt[3], pkt[8], pkt[9] = 0x45, 40, 64, 6
	copy(pkt[12:16], []byte{10, 0, 2, 2})
	copy(pkt[16:20], []byte{10, 0, 2, 15})
	pkt[20], pkt[21], pkt[22], pkt[23] = 0x9c, 0x40, 0, 80
	if !f.Match(pkt) {
		t.Error("filter misses its packet")
	}
	pkt[23] = 81
	if f.Match(pkt) {
		t.Error("filter keeps port 81")
	}
	if _, err := ParseFilter("port x"); err == nil {
		t.Error("port x accepted")
	}
	if _, err := ParseFilter("net 10.0.0.0/8"); err == nil {
		t.Error("unknown term accepted")
	}
}
