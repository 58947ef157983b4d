package coverage

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// RenderPlan writes a plan in the given format.
func RenderPlan(w io.Writer, f Format, p Plan) error {
	var b strings.Builder
	switch f {
	case FormatJSON:
		return writeIndentedJSON(w, p, "plan")
	case FormatHTML:
		return writePage(w, pageData{Title: planTitle(p), Plan: newHTMLPlan(p)})
	case FormatText:
		b.WriteString(planTitle(p) + "\n" + p.Summary() + "\n\n")
		writeAligned(&b, planHeader, planRight, planRows(p, appNumbers(p)))
		b.WriteString("\n")
		writeAligned(&b, []string{"#", "APP", "NEEDS"}, []bool{true, false, true}, planAppRows(p))
	case FormatMarkdown:
		b.WriteString("## " + mdEscape(planTitle(p)) + "\n\n" + mdEscape(p.Summary()) + "\n\n")
		rows := planRows(p, appNumbers(p))
		for _, row := range rows {
			row[1] = "`" + mdCode(row[1]) + "`"
		}
		writeMarkdownTable(&b, []string{"Rank", "Call", "Level", "Apps (#)", "Unblocks", "Apps that would run"}, planRight, rows)
		b.WriteString("\n")
		apps := planAppRows(p)
		for _, row := range apps {
			row[1] = "`" + mdCode(row[1]) + "`"
		}
		writeMarkdownTable(&b, []string{"#", "App", "Needs"}, []bool{true, false, true}, apps)
	default:
		return fmt.Errorf("render plan: unknown format %q", f)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// planTitle is "Implementation plan for 3 apps".
func planTitle(p Plan) string {
	return fmt.Sprintf("Implementation plan for %d %s", len(p.Apps), plural(len(p.Apps), "app", "apps"))
}

var (
	planHeader = []string{"RANK", "CALL", "LEVEL", "APPS (#)", "UNBLOCKS", "APPS THAT WOULD RUN"}
	planRight  = []bool{true, false, false, false, true, true}
)

// planAppsShown bounds the app names an HTML row lists.
const planAppsShown = 3

// planRows are the ranked items, their apps given by number (appNumbers).
func planRows(p Plan, number map[string]int) [][]string {
	rows := make([][]string, len(p.Items))
	for i, it := range p.Items {
		nums := make([]int, len(it.Apps))
		for j, a := range it.Apps {
			nums[j] = number[a]
		}
		slices.Sort(nums)
		list := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(nums)), ","), "[]")
		rows[i] = []string{fmt.Sprint(it.Rank), it.Name, it.Level, fmt.Sprintf("%d (%s)", len(it.Apps), list),
			fmt.Sprint(it.Unblocks), fmt.Sprintf("%d/%d", it.Running, len(p.Apps))}
	}
	return rows
}

// appNumbers numbers the apps from 1 in plan order.
func appNumbers(p Plan) map[string]int {
	number := make(map[string]int, len(p.Apps))
	for i, a := range p.Apps {
		number[a.Name] = i + 1
	}
	return number
}

// appList is "3: a, b, c" or "5: a, b, c, …".
func appList(apps []string, shown int) string {
	s := fmt.Sprintf("%d: %s", len(apps), strings.Join(apps[:min(shown, len(apps))], ", "))
	if len(apps) > shown {
		s += ", …"
	}
	return s
}

// planAppRows lists each app with how many needs it has.
func planAppRows(p Plan) [][]string {
	rows := make([][]string, len(p.Apps))
	for i, a := range p.Apps {
		rows[i] = []string{fmt.Sprint(i + 1), a.Name, fmt.Sprint(len(a.Needs))}
	}
	return rows
}

type htmlPlan struct {
	Summary string
	Curve   string // markup (planCurveSVG)
	Rows    []htmlPlanRow
	Apps    []PlanApp
}

type htmlPlanRow struct {
	Rank, Unblocks, Running int
	Name, Level, LevelClass string
	Apps                    string
	Total                   int
}

func newHTMLPlan(p Plan) *htmlPlan {
	h := &htmlPlan{Summary: p.Summary(), Curve: planCurveSVG(p), Apps: p.Apps}
	for _, it := range p.Items {
		h.Rows = append(h.Rows, htmlPlanRow{Rank: it.Rank, Unblocks: it.Unblocks, Running: it.Running,
			Name: it.Name, Level: it.Level, LevelClass: levelClass(it.Level),
			Apps: appList(it.Apps, planAppsShown), Total: len(p.Apps)})
	}
	return h
}

// Geometry of the curve picture.
const (
	curveWidth, curveHeight = 640, 260
	curveLeft, curveBottom  = 48, 40
	curveTop, curveRight    = 12, 12
)

// planCurveSVG draws the cumulative curve: apps that would run (y) after
// implementing the first x items of the plan, as a step line.
func planCurveSVG(p Plan) string {
	n, total := len(p.Items), max(len(p.Apps), 1)
	plotW := float64(curveWidth - curveLeft - curveRight)
	plotH := float64(curveHeight - curveTop - curveBottom)
	x := func(i int) float64 { return float64(curveLeft) + plotW*float64(i)/float64(max(n, 1)) }
	y := func(apps int) float64 { return float64(curveTop) + plotH*(1-float64(apps)/float64(total)) }
	var pts strings.Builder
	fmt.Fprintf(&pts, "%.1f,%.1f", x(0), y(p.Ready))
	prev := p.Ready
	for i, it := range p.Items {
		fmt.Fprintf(&pts, " %.1f,%.1f %.1f,%.1f", x(i+1), y(prev), x(i+1), y(it.Running))
		prev = it.Running
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="curve" role="img" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		curveWidth, curveHeight, curveWidth, curveHeight)
	fmt.Fprintf(&b, `<title>Apps that would run after implementing the first N syscalls and sub-operations of the plan</title>`)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, curveLeft, y(0), curveWidth-curveRight, y(0))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, curveLeft, y(0), curveLeft, y(total))
	for _, apps := range []int{0, total} {
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%d</text>`, curveLeft-6, y(apps)+4, apps)
	}
	for _, i := range []int{0, n} {
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x(i), y(0)+16, i)
	}
	fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">syscalls and sub-operations implemented, in plan order</text>`,
		float64(curveLeft)+plotW/2, curveHeight-6)
	fmt.Fprintf(&b, `<text class="label" x="12" y="%.1f" text-anchor="middle" transform="rotate(-90 12 %.1f)">apps that would run</text>`,
		float64(curveTop)+plotH/2, float64(curveTop)+plotH/2)
	fmt.Fprintf(&b, `<polyline class="curve-line" fill="none" points="%s"/>`, pts.String())
	b.WriteString(`</svg>`)
	return b.String()
}
