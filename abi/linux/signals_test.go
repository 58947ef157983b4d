package linux

import "testing"

func TestSignalNames(t *testing.T) {
	cases := map[int]string{
		1: "SIGHUP", 9: "SIGKILL", 11: "SIGSEGV", 17: "SIGCHLD", 23: "SIGURG", 31: "SIGSYS",
		32: "SIGRTMIN", 33: "SIGRT_1", 34: "SIGRT_2", 64: "SIGRT_32", 0: "0", 65: "65", -1: "-1",
	}
	for sig, name := range cases {
		if got := SignalName(sig); got != name {
			t.Errorf("SignalName(%d) = %q, want %q", sig, got, name)
		}
	}
}

func TestSignalNumber(t *testing.T) {
	cases := map[string]int{
		"SIGSEGV": 11, "SEGV": 11, "segv": 11, "SIGIOT": 6, "POLL": 29, "RTMIN": 32,
		"SIGRT_2": 34, "RTMIN+3": 35, "SIGRTMAX": 64, "9": 9,
	}
	for name, want := range cases {
		if got, ok := SignalNumber(name); !ok || got != want {
			t.Errorf("SignalNumber(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	for _, bad := range []string{"", "SIGFOO", "RT_40", "0", "65", "RT_x"} {
		if got, ok := SignalNumber(bad); ok {
			t.Errorf("SignalNumber(%q) = %d, want failure", bad, got)
		}
	}
	for sig := 1; sig <= NumSignals; sig++ {
		if got, ok := SignalNumber(SignalName(sig)); !ok || got != sig {
			t.Errorf("round trip of %d via %q gave %d", sig, SignalName(sig), got)
		}
	}
}

func TestSigCodeName(t *testing.T) {
	cases := []struct {
		sig, code int
		want      string
	}{
		{11, 1, "SEGV_MAPERR"}, {11, 2, "SEGV_ACCERR"}, {7, 2, "BUS_ADRERR"}, {4, 2, "ILL_ILLOPN"},
		{8, 1, "FPE_INTDIV"}, {5, 1, "TRAP_BRKPT"}, {17, 1, "CLD_EXITED"}, {31, 2, "SYS_USER_DISPATCH"},
		{11, 0, "SI_USER"}, {11, 0x80, "SI_KERNEL"}, {10, -6, "SI_TKILL"}, {10, -1, "SI_QUEUE"},
		{10, 3, "3"}, {11, 99, "99"}, {11, -99, "-99"},
	}
	for _, c := range cases {
		if got := SigCodeName(c.sig, c.code); got != c.want {
			t.Errorf("SigCodeName(%d, %d) = %q, want %q", c.sig, c.code, got, c.want)
		}
	}
}
