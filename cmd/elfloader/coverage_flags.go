package main

import (
	"fmt"
	flag "github.com/spf13/pflag"
	"io"
	"time"

	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/shim/cover"
)

// hiddenRunFlags are run flags meant for elfloader's own child runs (suite,
// explore); run --help leaves them out.
var hiddenRunFlags = map[string]bool{"coverage-out": true, "override": true}

// registerCoverage adds the run flags of the coverage harness: profiles,
// and the hidden flags the suite and explore commands give their children.
func (o *runOptions) registerCoverage(fs *flag.FlagSet) {
	fs.StringVar(&o.profile, "profile", "", "serve only the syscalls and sub-operations listed in the profile `FILE` (see coverage --profile-out)")
	fs.StringVar(&o.profileAction, "profile-action", string(cover.ActionENOSYS), "what a call outside the profile gets: enosys (reported on stderr) or kill (SIGSYS)")
	fs.StringVar(&o.coverageOut, "coverage-out", "", "write the run's coverage report (JSON) to `FILE`, merging into it if it exists")
	fs.Var(&o.overrides, "override", "answer a call without its handler: `NAME[:KIND=VALUE]=stub|fake` (repeatable)")
}

// addCoverageHooks turns the coverage run flags into hooks: a profile
// filter, overrides, and an observer that writes --coverage-out when the
// program ends (unless the command installed its own observer).
func (o *runOptions) addCoverageHooks(h *hooks, argv []string, stderr io.Writer) error {
	if o.profile != "" {
		action, err := cover.ParseProfileAction(o.profileAction)
		if err != nil {
			return err
		}
		f, err := cover.LoadFilter(o.profile, action)
		if err != nil {
			return err
		}
		h.filter = f
	}
	if len(o.overrides) > 0 {
		rules := make([]cover.Rule, 0, len(o.overrides))
		for _, spec := range o.overrides {
			r, err := cover.ParseRule(spec)
			if err != nil {
				return err
			}
			rules = append(rules, r)
		}
		h.override = cover.NewOverrides(rules)
	}
	if o.coverageOut != "" && h.observer == nil {
		rec := newCoverageRecording(o, argv)
		h.observer, h.prepare = rec.observer, rec.prepare
		h.finish = func(status int) {
			if _, err := coverage.MergeIntoFile(o.coverageOut, rec.report(status)); err != nil {
				fmt.Fprintf(stderr, "elfloader: coverage: %v\n", err)
			}
		}
	}
	return nil
}

// coverageRecording is one observed run: the observer, when it started,
// and what the report says about the run.
type coverageRecording struct {
	obs      *cover.Observer
	observer shim.Observer
	argv     []string
	platform string
	start    time.Time
	ran      bool
	opts     *runOptions
}

func newCoverageRecording(o *runOptions, argv []string) *coverageRecording {
	obs := cover.NewObserver()
	return &coverageRecording{obs: obs, observer: obs, argv: argv, platform: o.platform, opts: o}
}

// prepare binds the observer to the table and starts the clock.
func (r *coverageRecording) prepare(tb *shim.Table) {
	r.obs.Bind(tb)
	r.start = time.Now()
}

// report is the coverage of the run that ended with status.
func (r *coverageRecording) report(status int) coverage.Report {
	r.ran = true
	rep := r.obs.Report()
	exit, sig := r.obs.Outcome(status)
	rep.ToolVersion = version
	rep.Runs = []coverage.Run{{
		Argv: append([]string(nil), r.argv...), ExitStatus: exit, Signal: sig,
		Duration: time.Since(r.start), Platform: r.platform,
	}}
	if r.opts != nil && r.opts.rewrite != "off" {
		st := r.opts.fastStats
		rep.FastPath = &coverage.FastPath{RewrittenSites: &st.Sites, TrappedCalls: &st.TrappedCalls, RewrittenCalls: &st.FastCalls}
	}
	return rep
}

// printVisibleDefaults prints the flag defaults of fs without the hidden
// run flags.
func printVisibleDefaults(fs *flag.FlagSet) {
	for name := range hiddenRunFlags {
		if fs.Lookup(name) != nil {
			fs.MarkHidden(name)
		}
	}
	fs.PrintDefaults()
}

// formatFlag is a --format flag holding a coverage.Format.
type formatFlag struct{ f coverage.Format }

func (ff *formatFlag) String() string { return string(ff.f) }

func (ff *formatFlag) Type() string { return "format" }

func (ff *formatFlag) Set(s string) error {
	f, err := coverage.ParseFormat(s)
	if err != nil {
		return err
	}
	ff.f = f
	return nil
}

func formatUsage() string {
	return fmt.Sprintf("output `FORMAT`: one of %v", coverage.Formats())
}

// newFormatFlagSet is the flag set of a coverage subcommand that renders
// in a --format (text by default).
func newFormatFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *formatFlag) {
	fs := newFlagSet(name)
	fs.SetOutput(stderr)
	format := &formatFlag{coverage.FormatText}
	fs.Var(format, "format", formatUsage())
	return fs, format
}
