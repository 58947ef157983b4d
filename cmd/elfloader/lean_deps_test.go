package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanRunnerDependencies keeps the lean runner lean (docs/binaries.md):
// its build links none of the packages the split exists to leave out, nor
// the template packages whose reflective method calls make the linker keep
// every exported method of every type. A new import that pulls one in
// (say, the kernel importing netstack again) fails here rather than
// silently costing every run its start-up time and memory.
func TestLeanRunnerDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-tags", "elfloader_lean", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"gvisor.dev/gvisor/",
		"github.com/elfloader/elfloader/netstack",
		"github.com/google/go-containerregistry/",
		"github.com/elfloader/elfloader/images/registry",
		"net/http",
		"crypto/tls",
		"text/template",
		"html/template",
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f) && (strings.HasSuffix(f, "/") || strings.HasPrefix(pkg, f+"/")) {
				t.Errorf("the lean runner links %s (docs/binaries.md: it must not)", pkg)
			}
		}
	}
}
