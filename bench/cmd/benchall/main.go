package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/elfloader/elfloader/bench"
)

// pendingEnv enables the workloads marked pending in the table.
const pendingEnv = "ELFLOADER_BENCH_PENDING"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("only", "", "comma-separated `NAMES` of the workloads to run (default: all)")
	runs := fs.Int("runs", 0, "measured runs per side, overriding each workload's default (`N`)")
	write := fs.String("write", "", "write the markdown report to `FILE` instead of stdout")
	pending := fs.Bool("pending", os.Getenv(pendingEnv) == "1",
		"also run workloads elfloader does not support yet (or set "+pendingEnv+"=1)")
	cacheDir := fs.String("cache", defaultCacheDir(), "`DIR` for compiled workloads and the elfloader build")
	total := fs.Duration("timeout", 30*time.Minute, "bound on the whole invocation")
	list := fs.Bool("list", false, "list the workloads and exit")
	quiet := fs.Bool("q", false, "no progress messages on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "benchall: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *list {
		for _, w := range bench.Workloads() {
			state := ""
			if w.Pending != "" {
				state = " (pending: " + w.Pending + ")"
			}
			fmt.Fprintf(stdout, "%-16s %s%s\n", w.Name, w.Description, state)
		}
		return 0
	}

	workloads, named, err := selectWorkloads(*only)
	if err != nil {
		fmt.Fprintf(stderr, "benchall: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *total)
	defer cancel()

	log := slog.New(slog.NewTextHandler(stderr, nil))
	if *quiet {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	compiler, err := bench.NewCompiler(*cacheDir)
	if err != nil {
		fmt.Fprintf(stderr, "benchall: %v\n", err)
		return 1
	}
	env := &bench.Env{Compiler: compiler, Runs: *runs, IncludePending: *pending || named, Log: log}
	log.Info("locating elfloader", "cache", *cacheDir)
	env.Elfloader, env.ElfloaderErr = bench.LocateElfloader(ctx, *cacheDir)
	if env.ElfloaderErr != nil {
		log.Warn("elfloader unavailable: reporting native figures only", "err", env.ElfloaderErr)
	}

	var results []bench.Result
	for _, w := range workloads {
		r := env.Run(ctx, w)
		if r.Skipped != "" {
			log.Info("skipped", "workload", w.Name, "why", r.Skipped)
		}
		results = append(results, r)
	}

	command := "go run ./bench/cmd/benchall"
	if len(args) > 0 {
		command += " " + strings.Join(args, " ")
	}
	out := stdout
	if *write != "" {
		f, err := os.Create(*write)
		if err != nil {
			fmt.Fprintf(stderr, "benchall: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	opts := bench.ReportOptions{Command: command, Elfloader: displayPath(env.Elfloader)}
	if err := bench.WriteMarkdown(out, bench.DetectMachine(), opts, results); err != nil {
		fmt.Fprintf(stderr, "benchall: %v\n", err)
		return 1
	}
	if *write != "" {
		log.Info("report written", "file", *write)
	}
	return 0
}

// selectWorkloads returns the table filtered by a comma-separated list of
// names; named is true when a list was given (naming a pending workload
// asks for it explicitly).
func selectWorkloads(only string) (ws []bench.Workload, named bool, err error) {
	if strings.TrimSpace(only) == "" {
		return bench.Workloads(), false, nil
	}
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		w, ok := bench.Lookup(name)
		if !ok {
			return nil, false, fmt.Errorf("unknown workload %q (see -list)", name)
		}
		ws = append(ws, w)
	}
	return ws, true, nil
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "elfloader-bench")
	}
	return filepath.Join(os.TempDir(), "elfloader-bench")
}

// displayPath shortens a path under the home or cache directory for the
// report.
func displayPath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join("~", rel)
		}
	}
	return p
}
