package bench

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// goHTTPServer is where the go-http workload's server is built.
const goHTTPServer = "/var/tmp/elfloader-bench-gohttp/httpserver"

// goHTTPSource is the go-http workload's server (bench/go/httpserver).
//
//go:embed go/httpserver/main.go
var goHTTPSource []byte

// buildGoHTTPServer builds bench/go/httpserver (CGO_ENABLED=0, a static Go
// program; standard library only, so it builds in a module of its own)
// into goHTTPServer and returns the function that removes it.
func buildGoHTTPServer(ctx context.Context, _ string) (func(), error) {
	return buildGoProgram(ctx, "go-http", goHTTPServer, goHTTPSource)
}

// buildGoProgram builds a one-file Go program (standard library only, in
// a module of its own, CGO_ENABLED=0) at bin and returns the function
// that removes its directory.
func buildGoProgram(ctx context.Context, what, bin string, source []byte) (func(), error) {
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	module := filepath.Base(bin)
	files := map[string][]byte{"main.go": source, "go.mod": []byte("module " + module + "\n\ngo 1.22\n")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			cleanup()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return nil, fmt.Errorf("%s: building %s: %w: %s", what, module, err, firstLine(string(msg)))
	}
	return cleanup, nil
}

// goSysloop is where the go-getppid and go-readat workloads' program is
// built (bench/go/sysloop).
const goSysloop = "/var/tmp/elfloader-bench-sysloop/sysloop"

//go:embed go/sysloop/main.go
var goSysloopSource []byte

func buildGoSysloop(ctx context.Context, _ string) (func(), error) {
	return buildGoProgram(ctx, "go-sysloop", goSysloop, goSysloopSource)
}

// goHTTPSetup gives the go-http server its address.
func goHTTPSetup(_ string, port int) ([]string, error) {
	return []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port)}, nil
}
