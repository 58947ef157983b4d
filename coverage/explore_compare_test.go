package coverage

import "testing"

func TestBaselineChange(t *testing.T) {
	ok := Outcome{Stdout: []byte("a\nb\n"), Stderr: []byte("warn\n")}
	b, err := NewBaseline([]Outcome{ok, ok})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got  Outcome
		want string
	}{
		{ok, ""},
		{Outcome{Stdout: []byte("a\nb\n"), Stderr: []byte("elfloader: a note\nwarn\n")}, ""},
		{Outcome{Stdout: []byte("a\n"), Stderr: []byte("warn\n")}, `stdout differs at line 2: "b\n" → (none)`},
		{Outcome{Stdout: []byte("a\nb\n"), Stderr: []byte("warn\n"), ExitStatus: 1}, "exit 1 instead of exit 0"},
		{Outcome{Signal: 11, Stderr: []byte("warn\n")}, `killed by SIGSEGV instead of exit 0; stdout differs at line 1: "a\n" → (none)`},
		{Outcome{TimedOut: true}, "timed out"},
	} {
		if got := b.Change(c.got); got != c.want {
			t.Errorf("Change(%+v) = %q, want %q", c.got, got, c.want)
		}
	}
	varying, err := NewBaseline([]Outcome{ok, {Stdout: []byte("c\n"), Stderr: []byte("warn\n")}})
	if err != nil || !varying.StdoutVaries || varying.StderrVaries {
		t.Fatalf("varying stdout: %+v, %v", varying, err)
	}
	if got := varying.Change(Outcome{Stdout: []byte("zzz\n"), Stderr: []byte("warn\n")}); got != "" {
		t.Errorf("a varying stdout was compared: %q", got)
	}
	if _, err := NewBaseline([]Outcome{ok, {ExitStatus: 2}}); err == nil {
		t.Errorf("baseline runs with different statuses were accepted")
	}
}
