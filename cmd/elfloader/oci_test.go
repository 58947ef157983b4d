package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseGlobalTakesRuncFlags(t *testing.T) {
	g, rest, err := parseGlobal([]string{"--root", "/r", "--log=/l.json", "--log-format", "json", "--systemd-cgroup", "--rootless=false", "-debug", "create", "--bundle", "b", "id"})
	if err != nil {
		t.Fatal(err)
	}
	if g.root != "/r" || g.log != "/l.json" || g.logFormat != "json" || !g.systemdCgroup || !g.debug {
		t.Errorf("globals %+v", g)
	}
	if len(rest) != 4 || rest[0] != "create" {
		t.Errorf("rest %q", rest)
	}
	if _, _, err := parseGlobal([]string{"--root"}); err == nil {
		t.Errorf("--root without a value accepted")
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]unix.Signal{"15": unix.SIGTERM, "KILL": unix.SIGKILL, "SIGHUP": unix.SIGHUP, "usr1": unix.SIGUSR1} {
		if got, err := parseSignal(in); err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "SIGNOPE", "99"} {
		if _, err := parseSignal(bad); err == nil {
			t.Errorf("parseSignal(%q) accepted", bad)
		}
	}
}
