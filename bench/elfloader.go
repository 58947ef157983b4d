package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ElfloaderEnv names the environment variable that points the harness at an
// already built elfloader binary.
const ElfloaderEnv = "ELFLOADER"

// modulePath identifies the repository root when the harness builds
// elfloader itself.
const modulePath = "github.com/elfloader/elfloader"

// buildTimeout bounds `go build` of elfloader.
const buildTimeout = 5 * time.Minute

// LocateElfloader returns the elfloader binary to benchmark: $ELFLOADER when
// set, otherwise a fresh build of ./cmd/elfloader from the enclosing
// checkout of the module (BuildElfloader), written into cacheDir.
func LocateElfloader(ctx context.Context, cacheDir string) (string, error) {
	if p := os.Getenv(ElfloaderEnv); p != "" {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("$%s: %w", ElfloaderEnv, err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return "", fmt.Errorf("$%s=%s is not an executable file", ElfloaderEnv, p)
		}
		return filepath.Abs(p)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate elfloader: %w", err)
	}
	root, err := FindModuleRoot(wd)
	if err != nil {
		return "", fmt.Errorf("locate elfloader (set $%s to skip the build): %w", ElfloaderEnv, err)
	}
	return BuildElfloader(ctx, root, cacheDir)
}

// BuildElfloader builds ./cmd/elfloader of the checkout at root into
// cacheDir with `make build` (the Makefile holds the build's flags: static
// programs at a fixed address): the lean runner (elfloader) and, next to it, elfloader-full,
// which the runner hands --net=sandbox and pack. It returns the runner's
// path.
func BuildElfloader(ctx context.Context, root, cacheDir string) (string, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("build elfloader: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	runner := filepath.Join(cacheDir, "elfloader")
	cmd := exec.CommandContext(ctx, "make", "-s", "build", "GO="+goTool(),
		"BIN="+runner, "FULL_BIN="+filepath.Join(cacheDir, "elfloader-full"))
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make build in %s: %w\n%s", root, err, strings.TrimSpace(string(msg)))
	}
	return runner, nil
}

// goTool is the go command: from $PATH, else the toolchain that built us.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// FindModuleRoot walks up from dir to the directory whose go.mod declares
// the elfloader module.
func FindModuleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if ok, err := declaresModule(filepath.Join(d, "go.mod")); err != nil {
			return "", err
		} else if ok {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod of %s above %s", modulePath, dir)
		}
	}
}

func declaresModule(goMod string) (bool, error) {
	f, err := os.Open(goMod)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", goMod, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath, nil
		}
	}
	return false, sc.Err()
}
