package coverage

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pageData is what a page shows; every section is optional.
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
	var pw pageWriter
	pw.page(data)
	if _, err := io.WriteString(w, pw.String()); err != nil {
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

// htmlEscaper escapes text for element content and quoted attribute
// values, as html/template does in those contexts.
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// pageWriter builds a page: raw markup and escaped text. It replaced
// html/template, whose reflective method calls made the linker keep every
// exported method of every type in elfloader (3 MB of its text, a
// millisecond of every start).
type pageWriter struct{ strings.Builder }

// raw writes markup as it is.
func (w *pageWriter) raw(parts ...string) {
	for _, s := range parts {
		w.WriteString(s)
	}
}

// text writes s escaped.
func (w *pageWriter) text(s string) { htmlEscaper.WriteString(&w.Builder, s) }

// num writes an integer.
func (w *pageWriter) num(n uint64) { w.WriteString(strconv.FormatUint(n, 10)) }

// el writes the markup open, s escaped, then the markup close.
func (w *pageWriter) el(open, s, close string) {
	w.raw(open)
	w.text(s)
	w.raw(close)
}

func (w *pageWriter) stats(stats []htmlStat) {
	w.raw(`<div class="stats">`)
	for _, st := range stats {
		w.raw(`<div class="stat `)
		w.text(st.Class)
		w.raw(`"><b>`)
		w.text(st.Value)
		w.raw(`</b>`)
		w.text(st.Label)
		w.raw(`</div>`)
	}
	w.raw("</div>\n")
}

func (w *pageWriter) section(id, title, summary string) {
	w.raw("<section id=\"", id, "\">\n<h2>", title, "</h2>\n<div class=\"card\">\n")
	w.el(`<p class="meta">`, summary, "</p>\n")
}

func (w *pageWriter) page(data pageData) {
	w.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	w.el("<title>", data.Title, "</title>\n")
	w.raw("<style>", pageCSS, "</style>\n</head>\n<body>\n")
	w.el("<h1>", data.Title, "</h1>\n")
	if data.Suite != nil {
		w.suite(data.Suite)
	}
	w.raw("\n")
	if data.Explore != nil {
		w.explore(data.Explore)
	}
	w.raw("\n")
	if data.Plan != nil {
		w.plan(data.Plan)
	}
	w.raw("\n")
	if data.Coverage != nil {
		w.coverage(data.Coverage)
	}
	w.raw("\n<script>", pageJS, "</script>\n</body>\n</html>\n")
}

func (w *pageWriter) suite(s *htmlSuite) {
	w.raw("\n")
	w.section("suite", "Suite", s.Summary)
	w.stats(s.Stats)
	w.raw("<table id=\"suite-table\" class=\"sortable\">\n" +
		"<thead><tr><th data-type=\"num\">Line</th><th>Command</th><th>Result</th><th>Native</th><th>elfloader</th><th>Reason</th></tr></thead>\n")
	for _, r := range s.Rows {
		w.el(`<tbody data-name="`, r.Command, "\">\n")
		w.el(`<tr class="command class-`, r.Class, `" data-command="`)
		w.text(r.Command)
		w.raw(`"><td class="num">`, strconv.Itoa(r.Line), `</td><td class="command"><code>`)
		w.text(r.Command)
		w.el(`</code></td><td><span class="badge class-`, r.Class, `">`)
		w.text(r.Class)
		w.el(`</span></td><td>`, r.NativeStatus, `</td><td>`)
		w.text(r.Status)
		w.el(`</td><td>`, r.Reason, "</td></tr>\n")
		if r.Diff != "" {
			w.el(`<tr class="diff"><td></td><td colspan="5"><pre class="diff">`, r.Diff, `</pre></td></tr>`)
		}
		w.raw("\n</tbody>\n")
	}
	w.raw("</table>\n</div>\n</section>\n")
}

func (w *pageWriter) explore(e *htmlExplore) {
	w.raw("\n")
	w.section("explore", "Exploration", e.Summary)
	w.raw("<table id=\"explore-table\" class=\"sortable\">\n" +
		"<thead><tr><th>Call</th><th data-type=\"num\">Nr</th><th>Verdict</th><th>Note</th></tr></thead>\n")
	for _, r := range e.Rows {
		w.el(`<tbody data-name="`, r[0], `"><tr class="explore" data-call="`)
		w.el("", r[0], `"><td class="command"><code>`)
		w.el("", r[0], `</code></td><td class="num">`)
		w.el("", r[1], `</td><td><span class="badge `)
		w.el("", verdictClass(r[2]), `">`)
		w.el("", r[2], `</span></td><td>`)
		w.el("", r[3], "</td></tr></tbody>\n")
	}
	w.raw("</table>\n</div>\n</section>\n")
}

func (w *pageWriter) plan(p *htmlPlan) {
	w.raw("\n")
	w.section("plan", "What to implement next", p.Summary)
	w.raw(`<figure class="curve">`, p.Curve, "<figcaption>Apps that would run after implementing the first N syscalls and sub-operations below.</figcaption></figure>\n"+
		"<table id=\"plan-table\" class=\"sortable\">\n"+
		"<thead><tr><th data-type=\"num\">Rank</th><th>Call</th><th>Level</th><th>Apps that need it</th><th data-type=\"num\">Unblocks</th><th data-type=\"num\">Apps that would run</th></tr></thead>\n")
	for _, r := range p.Rows {
		w.el(`<tbody data-name="`, r.Name, `"><tr class="plan `)
		w.el("", r.LevelClass, `" data-call="`)
		w.el("", r.Name, `"><td class="num">`)
		w.raw(strconv.Itoa(r.Rank), `</td><td class="command"><code>`)
		w.el("", r.Name, `</code></td><td><span class="badge `)
		w.el("", r.LevelClass, `">`)
		w.el("", r.Level, `</span></td><td>`)
		w.el("", r.Apps, `</td><td class="num">`)
		w.raw(strconv.Itoa(r.Unblocks), `</td><td class="num" data-sort="`, strconv.Itoa(r.Running), `">`,
			strconv.Itoa(r.Running), "/", strconv.Itoa(r.Total), "</td></tr></tbody>\n")
	}
	w.raw("</table>\n<details><summary>", strconv.Itoa(len(p.Apps)), ` app(s)</summary><ul class="runs">`)
	for _, a := range p.Apps {
		w.el("<li><code>", a.Name, "</code> (")
		w.el("", a.File, "): ")
		w.raw(strconv.Itoa(len(a.Needs)), " need(s)")
		for _, need := range a.Needs {
			w.el(" · <code>", need, "</code>")
		}
		w.raw("</li>")
	}
	w.raw("</ul></details>\n</div>\n</section>\n")
}

func (w *pageWriter) coverage(c *htmlReport) {
	w.raw("\n")
	w.raw("<section id=\"coverage\">\n<h2>Syscall coverage</h2>\n<div class=\"card\">\n")
	w.el(`<p class="meta">`, c.Summary, "")
	if c.FastPath != "" {
		w.el(" · fast path: ", c.FastPath, "")
	}
	w.raw("</p>\n")
	w.stats(c.Stats)
	if len(c.Runs) > 0 {
		w.raw("<details><summary>", strconv.Itoa(len(c.Runs)), ` run(s)</summary><ul class="runs">`)
		for _, r := range c.Runs {
			w.el("<li><code>", r, "</code></li>")
		}
		w.raw("</ul></details>")
	}
	w.raw("\n<p><input class=\"filter\" type=\"search\" placeholder=\"Filter syscalls…\" data-table=\"coverage-table\"></p>\n" +
		"<table id=\"coverage-table\" class=\"sortable\">\n" +
		"<thead><tr><th>Name</th><th data-type=\"num\">Nr</th><th data-type=\"num\">Level</th><th data-type=\"num\">Count</th><th data-type=\"num\">Errors</th><th>Note</th><th>Handler</th><th>First call site</th></tr></thead>\n")
	for _, g := range c.Groups {
		w.el(`<tbody data-name="`, g.Name, "\">\n")
		w.el(`<tr class="syscall `, g.LevelClass, `" data-syscall="`)
		w.el("", g.Name, `"><td>`)
		w.el("", g.Name, `</td><td class="num">`)
		w.num(g.Nr)
		w.raw(`</td><td data-sort="`, strconv.Itoa(g.LevelRank), `"><span class="badge `)
		w.el("", g.LevelClass, `">`)
		w.el("", g.Level, `</span></td><td class="num">`)
		w.num(g.Count)
		w.raw(`</td><td class="num" data-sort="`)
		w.num(g.Errors)
		w.raw(`">`)
		if g.ErrorsText != "" {
			w.el(`<span class="errors">`, g.ErrorsText, `</span>`)
		}
		w.el(`</td><td>`, g.Note, `</td><td class="handler"><code>`)
		w.el("", g.Handler, `</code></td><td class="site">`)
		w.el("", g.Site, "</td></tr>\n")
		for _, sub := range g.Subs {
			w.el(`<tr class="subop `, sub.LevelClass, `" data-subop="`)
			w.el("", sub.Label, `"><td>`)
			w.el("", sub.Label, `</td><td class="num">`)
			w.el("", sub.Value, `</td><td><span class="badge `)
			w.el("", sub.LevelClass, `">`)
			w.el("", sub.Level, `</span></td><td class="num">`)
			w.num(sub.Count)
			w.raw(`</td><td>`)
			if sub.ErrorsText != "" {
				w.el(`<span class="errors">`, sub.ErrorsText, `</span>`)
			}
			w.el(`</td><td colspan="3">`, sub.Note, "</td></tr>\n")
		}
		w.raw("</tbody>\n")
	}
	w.raw("</table>\n</div>\n</section>\n")
}
