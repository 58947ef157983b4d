package coverage

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplitCommandLine(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t ", nil},
		{"echo hello world", []string{"echo", "hello", "world"}},
		{"  echo   a\tb  ", []string{"echo", "a", "b"}},
		{`echo 'a b' "c d"`, []string{"echo", "a b", "c d"}},
		{`echo 'it'\''s'`, []string{"echo", "it's"}},
		{`echo "say \"hi\" \\ \$HOME \x"`, []string{"echo", `say "hi" \ $HOME \x`}},
		{`echo 'back\slash' "#not comment"`, []string{"echo", `back\slash`, "#not comment"}},
		{`echo a\ b \'q\'`, []string{"echo", "a b", "'q'"}},
		{`echo ''  ""`, []string{"echo", "", ""}},
		{`echo pre"mid"'post'`, []string{"echo", "premidpost"}},
		{`echo a#b # comment 'unterminated`, []string{"echo", "a#b"}},
		{`# whole line`, nil},
		{`echo $HOME *.c ~`, []string{"echo", "$HOME", "*.c", "~"}},
		{`printf 'héllo\n'`, []string{"printf", `héllo\n`}},
	}
	for _, c := range cases {
		got, err := SplitCommandLine(c.in)
		if err != nil {
			t.Errorf("SplitCommandLine(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitCommandLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{`echo 'open`, `echo "open`, `echo trailing\`, `echo "esc\"`} {
		if _, err := SplitCommandLine(bad); err == nil {
			t.Errorf("SplitCommandLine(%q) accepted", bad)
		}
	}
}

func TestQuoteArgvRoundTrip(t *testing.T) {
	for _, argv := range [][]string{
		{"echo", "plain", "a b", "it's", `"q"`, "", "#x", `back\slash`, "$HOME", "tab\there", "new\nline"},
		{"/bin/busybox", "ls", "-l", "/"},
	} {
		line := QuoteArgv(argv)
		back, err := SplitCommandLine(line)
		if err != nil || !reflect.DeepEqual(back, argv) {
			t.Errorf("QuoteArgv(%q) = %q, splits to %q (%v)", argv, line, back, err)
		}
	}
	if got := QuoteArgv([]string{"/bin/ls", "-la", "/tmp"}); got != "/bin/ls -la /tmp" {
		t.Errorf("plain words quoted: %q", got)
	}
}

func TestParseSuite(t *testing.T) {
	src := `# busybox suite
/bin/busybox true

expect=1 /bin/busybox false
timeout=2s expect=0 sh -c 'echo "a  b"'   # trailing comment
  timeout=500ms   ls /
echo expect=3
`
	entries, err := ParseSuite(strings.NewReader(src), "smoke.suite")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Fatalf("got %d entries: %+v", len(entries), entries)
	}
	e := entries[0]
	if e.Line != 2 || !reflect.DeepEqual(e.Argv, []string{"/bin/busybox", "true"}) || e.Expect != nil || e.EffectiveTimeout() != DefaultTimeout {
		t.Errorf("entry 0 = %+v", e)
	}
	if e := entries[1]; e.Line != 4 || e.Expect == nil || *e.Expect != 1 {
		t.Errorf("entry 1 = %+v", e)
	}
	if e := entries[2]; e.Timeout != 2*time.Second || *e.Expect != 0 || !reflect.DeepEqual(e.Argv, []string{"sh", "-c", `echo "a  b"`}) {
		t.Errorf("entry 2 = %+v", e)
	}
	if e := entries[3]; e.Timeout != 500*time.Millisecond || e.Argv[0] != "ls" {
		t.Errorf("entry 3 = %+v", e)
	}
	if e := entries[4]; e.Expect != nil || !reflect.DeepEqual(e.Argv, []string{"echo", "expect=3"}) {
		t.Errorf("options after the command must stay arguments: %+v", e)
	}
	if got := FormatSuiteEntry(entries[2]); got != `expect=0 timeout=2s sh -c 'echo "a  b"'` {
		t.Errorf("FormatSuiteEntry = %q", got)
	}
}

func TestParseSuiteErrors(t *testing.T) {
	cases := map[string]string{
		"echo 'x":               "smoke.suite:1: unterminated single quote",
		"true\nexpect=abc true": "smoke.suite:2: expect=",
		"expect=300 true":       "exit status from 0 to 255",
		"timeout=soon true":     "timeout=",
		"timeout=-1s true":      "positive duration",
		"expect=1 expect=2 x":   "given twice",
		"expect=1":              "without a command",
	}
	for src, want := range cases {
		_, err := ParseSuite(strings.NewReader(src), "smoke.suite")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSuite(%q) error = %v, want it to contain %q", src, err, want)
		}
	}
}
