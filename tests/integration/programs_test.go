package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// program is one run of a C test program: its source under tests/c, the
// arguments after argv[0] and the environment.
type program struct {
	name   string // subtest name
	source string // file under tests/c
	args   []string
	env    []string
}

// programs lists the runs compared with native for every variant.
func programs() []program {
	list := []program{
		{name: "hello", source: "hello.c"},
		{
			name: "args", source: "args.c",
			args: []string{"one", "two words", "", "ünïcödé", "--flag=value"},
			env:  []string{"TEST_B=2", "OTHER=ignored", "TEST_A=1", "TEST_EMPTY=", "PATH=/usr/bin:/bin"},
		},
		{name: "brkmmap", source: "brkmmap.c"},
		{name: "tls", source: "tls.c"},
		{name: "syscalls", source: "syscalls.c"},
	}
	for _, status := range []string{"0", "1", "42", "255"} {
		list = append(list, program{name: "exitcode_" + status, source: "exitcode.c", args: []string{status}})
	}
	return list
}

// TestPrograms runs every program with every static variant natively and
// under elfloader and expects the same stdout, stderr and status. The
// dynamic variants run under the "dynamic" subtest when enabled.
func TestPrograms(t *testing.T) {
	for _, p := range programs() {
		t.Run(p.name, func(t *testing.T) {
			for _, v := range testbin.StaticVariants() {
				t.Run(v.Name, func(t *testing.T) {
					t.Parallel()
					comparePrograms(t, p, v)
				})
			}
		})
	}
	t.Run("dynamic", func(t *testing.T) {
		skipUnlessDynamic(t)
		for _, p := range programs() {
			t.Run(p.name, func(t *testing.T) {
				for _, v := range testbin.DynamicVariants() {
					t.Run(v.Name, func(t *testing.T) {
						t.Parallel()
						comparePrograms(t, p, v)
					})
				}
			})
		}
	})
}

func comparePrograms(t *testing.T, p program, v testbin.Variant) {
	bin := testbin.Build(t, testbin.CSource(t, p.source), v)
	argv := append([]string{bin}, p.args...)
	_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), argv, p.env, nil)
	assertNoPanic(t, loaded.Stderr)
}
