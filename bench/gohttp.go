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
	dir := filepath.Dir(goHTTPServer)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("go-http: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	files := map[string][]byte{"main.go": goHTTPSource, "go.mod": []byte("module httpserver\n\ngo 1.22\n")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			cleanup()
			return nil, fmt.Errorf("go-http: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", goHTTPServer, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return nil, fmt.Errorf("go-http: building the server: %w: %s", err, firstLine(string(msg)))
	}
	return cleanup, nil
}

// goHTTPSetup gives the go-http server its address.
func goHTTPSetup(_ string, port int) ([]string, error) {
	return []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port)}, nil
}
