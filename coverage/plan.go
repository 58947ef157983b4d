package coverage

import (
	"cmp"
	"fmt"
	"slices"
)

// PlanSchemaVersion identifies the JSON form of a Plan.
const PlanSchemaVersion = "elfloader-plan/1"

// A Plan answers, over the coverage reports of several apps, "what should
// be implemented next?" in the manner of Loupe (Lefeuvre et al., ASPLOS
// '24): every syscall and sub-operation an app used that is not fully
// supported (missing, stub or partial) is a need of that app; the needs
// are ranked so that implementing them in order lets the most apps run as
// early as possible, and the cumulative curve says how many apps would run
// after each step.

// PlanApp is one app of a plan: one coverage report.
type PlanApp struct {
	Name  string   `json:"name"`  // the app's command line (its first run)
	File  string   `json:"file"`  // the report it comes from
	Needs []string `json:"needs"` // the items it needs, sorted
}

// PlanItem is one syscall ("ioctl") or sub-operation ("ioctl TCGETS")
// some app needs.
type PlanItem struct {
	Rank    int    `json:"rank"`    // 1 for the first to implement
	Name    string `json:"name"`    // "openat" or "openat O_WRONLY|O_CREAT"
	Syscall string `json:"syscall"` // the syscall's name
	SubKind string `json:"sub_kind,omitempty"`
	SubName string `json:"sub_name,omitempty"` // the sub-operation's label
	Level   string `json:"level"`              // the least supported level seen
	// Apps are the apps that need the item.
	Apps []string `json:"apps"`
	// Unblocks is how many apps would run once this item is implemented,
	// with every item ranked before it, and not before.
	Unblocks int `json:"unblocks"`
	// Running is how many apps would run after this step (the cumulative
	// curve).
	Running int `json:"running"`
}

// Plan is the ranking over a set of apps.
type Plan struct {
	Schema string     `json:"schema"`
	Apps   []PlanApp  `json:"apps"`
	Ready  int        `json:"ready"` // apps that need nothing: they run today
	Items  []PlanItem `json:"items"`
}

// PlanInput is one app's report and where it came from.
type PlanInput struct {
	File   string
	Report Report
}

// NewPlan ranks the needs of the apps greedily: the next item is the one
// that completes the most apps (all their needs met), then the one of the
// app closest to running (fewest needs left), then the one the most apps
// need, then by level (missing before stub before partial) and name.
func NewPlan(inputs []PlanInput) Plan {
	p := Plan{Schema: PlanSchemaVersion, Apps: []PlanApp{}, Items: []PlanItem{}}
	items := map[string]*PlanItem{}
	remaining := make([]map[string]bool, len(inputs))
	names := map[string]bool{}
	for i, in := range inputs {
		app := PlanApp{Name: appName(in, names), File: in.File, Needs: []string{}}
		remaining[i] = map[string]bool{}
		for _, it := range appNeeds(in.Report) {
			app.Needs = append(app.Needs, it.Name)
			remaining[i][it.Name] = true
			known, ok := items[it.Name]
			if !ok {
				known = &it
				items[it.Name] = known
			} else if levelRank(it.Level) < levelRank(known.Level) {
				known.Level = it.Level
			}
			known.Apps = append(known.Apps, app.Name)
		}
		slices.Sort(app.Needs)
		app.Needs = slices.Compact(app.Needs)
		if len(app.Needs) == 0 {
			p.Ready++
		}
		p.Apps = append(p.Apps, app)
	}
	running := p.Ready
	for len(items) > 0 {
		next := bestNext(items, remaining)
		delete(items, next.Name)
		next.Unblocks = 0
		for _, need := range remaining {
			if need[next.Name] {
				delete(need, next.Name)
				if len(need) == 0 {
					next.Unblocks++
				}
			}
		}
		running += next.Unblocks
		next.Rank, next.Running = len(p.Items)+1, running
		slices.Sort(next.Apps)
		next.Apps = slices.Compact(next.Apps)
		p.Items = append(p.Items, *next)
	}
	return p
}

// bestNext picks the item to implement next.
func bestNext(items map[string]*PlanItem, remaining []map[string]bool) *PlanItem {
	var best *PlanItem
	var bestScore itemScore
	for _, it := range items {
		score := scoreItem(it, remaining)
		if best == nil || score.better(bestScore, it, best) {
			best, bestScore = it, score
		}
	}
	return best
}

// itemScore is what bestNext weighs of an item.
type itemScore struct {
	completes int // apps whose last need it is
	closest   int // fewest needs left of an app that needs it
}

func scoreItem(it *PlanItem, remaining []map[string]bool) itemScore {
	s := itemScore{closest: int(^uint(0) >> 1)}
	for _, need := range remaining {
		if !need[it.Name] {
			continue
		}
		if len(need) == 1 {
			s.completes++
		}
		s.closest = min(s.closest, len(need))
	}
	return s
}

// better reports whether item it (score s) goes before item other (score o).
func (s itemScore) better(o itemScore, it, other *PlanItem) bool {
	return cmp.Or(
		cmp.Compare(o.completes, s.completes),
		cmp.Compare(s.closest, o.closest),
		cmp.Compare(len(other.Apps), len(it.Apps)),
		cmp.Compare(levelRank(it.Level), levelRank(other.Level)),
		cmp.Compare(it.Name, other.Name)) < 0
}

// appNeeds lists what a report's app needs: each syscall below full
// support, or — when it recorded sub-operations — each of its
// sub-operations below full support.
func appNeeds(r Report) []PlanItem {
	var needs []PlanItem
	for _, s := range r.Syscalls {
		if s.Level == LevelFull {
			continue
		}
		if len(s.SubOps) == 0 {
			needs = append(needs, PlanItem{Name: s.Name, Syscall: s.Name, Level: s.Level})
			continue
		}
		for _, sub := range s.SubOps {
			if lvl := subLevel(sub, s); lvl != LevelFull {
				needs = append(needs, PlanItem{Name: s.Name + " " + sub.Label(), Syscall: s.Name,
					SubKind: sub.Kind, SubName: sub.Label(), Level: lvl})
			}
		}
	}
	return needs
}

// appName is the app's first command line, or its report's file name;
// the file is added when another app has the name already.
func appName(in PlanInput, taken map[string]bool) string {
	name := in.File
	if len(in.Report.Runs) > 0 {
		name = QuoteArgv(in.Report.Runs[0].Argv)
	}
	if taken[name] {
		name += " (" + in.File + ")"
	}
	taken[name] = true
	return name
}

// Summary is "3 apps: 1 runs today; 5 items to implement for all to run".
func (p Plan) Summary() string {
	return fmt.Sprintf("%d %s: %d %s today; %d %s to implement for all of them to run",
		len(p.Apps), plural(len(p.Apps), "app", "apps"), p.Ready, plural(p.Ready, "runs", "run"),
		len(p.Items), plural(len(p.Items), "syscall or sub-operation", "syscalls and sub-operations"))
}
