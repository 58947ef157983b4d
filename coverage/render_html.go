package coverage

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
)

// pageData feeds pageTemplate; every section is optional.
type pageData struct {
	Title    string
	Suite    *htmlSuite
	Explore  *htmlExplore
	Coverage *htmlReport
	Plan     *htmlPlan
}

type htmlStat struct {
	Class, Label string
	Value        string
}

type htmlReport struct {
	Summary  string
	FastPath string
	Stats    []htmlStat
	Runs     []string
	Groups   []htmlSyscall
}

type htmlSyscall struct {
	Name, Level, LevelClass string
	LevelRank               int
	Nr, Count, Errors       uint64
	ErrorsText, Note        string
	Handler, Site           string
	Subs                    []htmlSubOp
}

type htmlSubOp struct {
	Label, Value, Level, LevelClass string
	Count                           uint64
	ErrorsText, Note                string
}

type htmlSuite struct {
	Summary string
	Stats   []htmlStat
	Rows    []htmlCommand
}

type htmlCommand struct {
	Line                 int
	Command, Class       string
	Reason, Diff         string
	NativeStatus, Status string
}

type htmlExplore struct {
	Summary string
	Rows    [][]string
}

// WriteHTML writes the report as one self-contained HTML page (inline CSS
// and JavaScript, no external assets). Each syscall row is a
// <tr class="syscall level-…" data-syscall="name">; its sub-operations
// follow it in the same <tbody>. Clicking a header sorts the table.
func WriteHTML(w io.Writer, r Report) error {
	return writePage(w, pageData{Title: ReportTitle(r), Coverage: newHTMLReport(r)})
}

// ReportTitle names what the report covers: "Syscall coverage of busybox
// ls -l /", or of several runs ("Syscall coverage of 3 runs: a, b and 1
// more").
func ReportTitle(r Report) string {
	const listed = 2
	switch n := len(r.Runs); {
	case n == 0:
		return "Syscall coverage"
	case n == 1:
		return "Syscall coverage of " + QuoteArgv(r.Runs[0].Argv)
	default:
		var names []string
		for _, run := range r.Runs[:min(n, listed)] {
			names = append(names, QuoteArgv(run.Argv))
		}
		more := ""
		if n > listed {
			more = fmt.Sprintf(" and %d more", n-listed)
		}
		return fmt.Sprintf("Syscall coverage of %d runs: %s%s", n, strings.Join(names, ", "), more)
	}
}

func writePage(w io.Writer, data pageData) error {
	if err := pageTemplate().Execute(w, data); err != nil {
		return fmt.Errorf("write html page: %w", err)
	}
	return nil
}

func levelClass(level string) string {
	switch level {
	case LevelFull, LevelPartial, LevelStub, LevelMissing:
		return "level-" + level
	}
	return "level-unknown"
}

func newHTMLReport(r Report) *htmlReport {
	h := &htmlReport{Summary: summaryLine(r), FastPath: fastPathText(r.FastPath)}
	counts := r.LevelCounts()
	h.Stats = append(h.Stats, htmlStat{Label: "syscalls", Value: fmt.Sprint(len(r.Syscalls))},
		htmlStat{Label: "calls", Value: fmt.Sprint(r.TotalCalls())})
	for _, level := range []string{LevelMissing, LevelStub, LevelPartial, LevelFull} {
		h.Stats = append(h.Stats, htmlStat{Class: levelClass(level), Label: level, Value: fmt.Sprint(counts[level])})
	}
	for _, run := range r.Runs {
		h.Runs = append(h.Runs, QuoteArgv(run.Argv)+" → "+runOutcomeText(run))
	}
	for _, s := range displayOrder(r.Syscalls) {
		g := htmlSyscall{Name: s.Name, Level: levelText(s.Level), LevelClass: levelClass(s.Level),
			LevelRank: levelRank(s.Level), Nr: s.Nr, Count: s.Count, Errors: s.Errors(),
			ErrorsText: errorsText(s.Results), Note: s.Note}
		if s.Handler != nil {
			g.Handler = strings.TrimSuffix(s.Handler.Package+"/"+s.Handler.File, "/")
		}
		if s.FirstSite != nil {
			g.Site = siteText(*s.FirstSite)
		}
		for _, sub := range s.SubOps {
			value := ""
			if sub.Name != "" {
				value = fmt.Sprintf("%#x", sub.Value)
			}
			lvl := subLevel(sub, s)
			g.Subs = append(g.Subs, htmlSubOp{Label: sub.Kind + " " + sub.Label(), Value: value,
				Level: levelText(lvl), LevelClass: levelClass(lvl), Count: sub.Count,
				ErrorsText: errorsText(sub.Results), Note: sub.Note})
		}
		h.Groups = append(h.Groups, g)
	}
	return h
}

// siteText is "symbol+0x12 (libc.so.6+0x1234)" or the bare address.
func siteText(cs CallSite) string {
	s := cs.Address.String()
	if cs.Symbol != "" {
		s = cs.Symbol
	}
	if cs.Object != "" {
		s += fmt.Sprintf(" (%s+%#x)", cs.Object, cs.Offset)
	}
	return s
}

func newHTMLExplore(e ExploreReport) *htmlExplore {
	return &htmlExplore{Summary: exploreSummary(e), Rows: exploreRows(e)}
}

// verdictClass is the CSS class of a verdict badge.
func verdictClass(v string) string {
	switch Verdict(v) {
	case VerdictRequired, VerdictFakeable, VerdictStubbable:
		return "verdict-" + v
	}
	return ""
}

// pageTemplate is parsed on first use, not at elfloader's start-up.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Funcs(template.FuncMap{
		"verdictClass": verdictClass,
	}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + pageCSS + `</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Suite}}
<section id="suite">
<h2>Suite</h2>
<div class="card">
<p class="meta">{{.Summary}}</p>
<div class="stats">{{range .Stats}}<div class="stat {{.Class}}"><b>{{.Value}}</b>{{.Label}}</div>{{end}}</div>
<table id="suite-table" class="sortable">
<thead><tr><th data-type="num">Line</th><th>Command</th><th>Result</th><th>Native</th><th>elfloader</th><th>Reason</th></tr></thead>
{{range .Rows}}<tbody data-name="{{.Command}}">
<tr class="command class-{{.Class}}" data-command="{{.Command}}"><td class="num">{{.Line}}</td><td class="command"><code>{{.Command}}</code></td><td><span class="badge class-{{.Class}}">{{.Class}}</span></td><td>{{.NativeStatus}}</td><td>{{.Status}}</td><td>{{.Reason}}</td></tr>
{{if .Diff}}<tr class="diff"><td></td><td colspan="5"><pre class="diff">{{.Diff}}</pre></td></tr>{{end}}
</tbody>
{{end}}</table>
</div>
</section>
{{end}}
{{with .Explore}}
<section id="explore">
<h2>Exploration</h2>
<div class="card">
<p class="meta">{{.Summary}}</p>
<table id="explore-table" class="sortable">
<thead><tr><th>Call</th><th data-type="num">Nr</th><th>Verdict</th><th>Note</th></tr></thead>
{{range .Rows}}<tbody data-name="{{index . 0}}"><tr class="explore" data-call="{{index . 0}}"><td class="command"><code>{{index . 0}}</code></td><td class="num">{{index . 1}}</td><td><span class="badge {{verdictClass (index . 2)}}">{{index . 2}}</span></td><td>{{index . 3}}</td></tr></tbody>
{{end}}</table>
</div>
</section>
{{end}}
{{with .Plan}}
<section id="plan">
<h2>What to implement next</h2>
<div class="card">
<p class="meta">{{.Summary}}</p>
<figure class="curve">{{.Curve}}<figcaption>Apps that would run after implementing the first N syscalls and sub-operations below.</figcaption></figure>
<table id="plan-table" class="sortable">
<thead><tr><th data-type="num">Rank</th><th>Call</th><th>Level</th><th>Apps that need it</th><th data-type="num">Unblocks</th><th data-type="num">Apps that would run</th></tr></thead>
{{range .Rows}}<tbody data-name="{{.Name}}"><tr class="plan {{.LevelClass}}" data-call="{{.Name}}"><td class="num">{{.Rank}}</td><td class="command"><code>{{.Name}}</code></td><td><span class="badge {{.LevelClass}}">{{.Level}}</span></td><td>{{.Apps}}</td><td class="num">{{.Unblocks}}</td><td class="num" data-sort="{{.Running}}">{{.Running}}/{{.Total}}</td></tr></tbody>
{{end}}</table>
<details><summary>{{len .Apps}} app(s)</summary><ul class="runs">{{range .Apps}}<li><code>{{.Name}}</code> ({{.File}}): {{len .Needs}} need(s){{range .Needs}} · <code>{{.}}</code>{{end}}</li>{{end}}</ul></details>
</div>
</section>
{{end}}
{{with .Coverage}}
<section id="coverage">
<h2>Syscall coverage</h2>
<div class="card">
<p class="meta">{{.Summary}}{{if .FastPath}} · fast path: {{.FastPath}}{{end}}</p>
<div class="stats">{{range .Stats}}<div class="stat {{.Class}}"><b>{{.Value}}</b>{{.Label}}</div>{{end}}</div>
{{if .Runs}}<details><summary>{{len .Runs}} run(s)</summary><ul class="runs">{{range .Runs}}<li><code>{{.}}</code></li>{{end}}</ul></details>{{end}}
<p><input class="filter" type="search" placeholder="Filter syscalls…" data-table="coverage-table"></p>
<table id="coverage-table" class="sortable">
<thead><tr><th>Name</th><th data-type="num">Nr</th><th data-type="num">Level</th><th data-type="num">Count</th><th data-type="num">Errors</th><th>Note</th><th>Handler</th><th>First call site</th></tr></thead>
{{range .Groups}}<tbody data-name="{{.Name}}">
<tr class="syscall {{.LevelClass}}" data-syscall="{{.Name}}"><td>{{.Name}}</td><td class="num">{{.Nr}}</td><td data-sort="{{.LevelRank}}"><span class="badge {{.LevelClass}}">{{.Level}}</span></td><td class="num">{{.Count}}</td><td class="num" data-sort="{{.Errors}}">{{if .ErrorsText}}<span class="errors">{{.ErrorsText}}</span>{{end}}</td><td>{{.Note}}</td><td class="handler"><code>{{.Handler}}</code></td><td class="site">{{.Site}}</td></tr>
{{range .Subs}}<tr class="subop {{.LevelClass}}" data-subop="{{.Label}}"><td>{{.Label}}</td><td class="num">{{.Value}}</td><td><span class="badge {{.LevelClass}}">{{.Level}}</span></td><td class="num">{{.Count}}</td><td>{{if .ErrorsText}}<span class="errors">{{.ErrorsText}}</span>{{end}}</td><td colspan="3">{{.Note}}</td></tr>
{{end}}</tbody>
{{end}}</table>
</div>
</section>
{{end}}
<script>` + pageJS + `</script>
</body>
</html>
`))
})
