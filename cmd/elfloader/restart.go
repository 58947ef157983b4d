package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/kernel"
)

// What happens after a run of the app ends (docs/reboot.md): the app's own
// reboot(2) decides first — a power-off ends elfloader, a restart starts the
// app again (bounded by --restart-limit) — and the --restart policy decides
// when the app exited or crashed on its own, as docker's does.

// defaultRestartLimit bounds the restarts in a row of one elfloader process.
const defaultRestartLimit = 10

// restartLimitStatus is elfloader's exit status when the limit stops a
// restart the app asked for with reboot(2): the app never settled.
const restartLimitStatus = 1

// restartPolicy is --restart and --restart-limit.
type restartPolicy struct {
	mode       string // "no", "on-failure" or "always"
	maxRetries int    // on-failure:N; 0: bounded by limit only
	limit      int    // --restart-limit: restarts in a row, whatever asked
}

// parseRestartPolicy reads --restart's value: no, on-failure[:N] or always.
func parseRestartPolicy(s string, limit int) (restartPolicy, error) {
	if limit < 0 {
		return restartPolicy{}, fmt.Errorf("--restart-limit %d: want 0 or more", limit)
	}
	p := restartPolicy{mode: s, limit: limit}
	mode, n, hasN := strings.Cut(s, ":")
	switch {
	case s == "" || s == "no":
		p.mode = "no"
	case s == "always":
	case mode == "on-failure":
		p.mode = mode
		if hasN {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 {
				return restartPolicy{}, fmt.Errorf("--restart %q: the retry count must be a number of at least 1", s)
			}
			p.maxRetries = v
		}
	default:
		return restartPolicy{}, fmt.Errorf("--restart %q: want no, on-failure[:N] or always", s)
	}
	return p, nil
}

// bootEnd is how one run of the app ended.
type bootEnd struct {
	status int                // the exit status elfloader would exit with
	power  *kernel.PowerEvent // the app's reboot(2), nil when it exited on its own
	// stoppedByUser: a host SIGINT, SIGTERM or SIGQUIT was passed to the
	// app (a stop the user asked for is never undone by the policy).
	stoppedByUser bool
}

// restarter counts restarts and decides whether the next one happens.
type restarter struct {
	policy   restartPolicy
	restarts int // restarts so far (in a row: this elfloader process)
}

// next decides what follows a run: restart (with why, for the user), or
// stop with the exit status for elfloader and a note when a bound stopped
// a restart ("" otherwise).
func (r *restarter) next(e bootEnd) (restart bool, status int, note string) {
	why, wanted := r.wanted(e)
	if !wanted {
		if e.power != nil {
			return false, 0, ""
		}
		return false, e.status, ""
	}
	if r.restarts >= r.policy.limit {
		note = fmt.Sprintf("not restarting the app (%s): %d restarts in a row reached --restart-limit=%d", why, r.restarts, r.policy.limit)
		if e.power != nil {
			return false, restartLimitStatus, note
		}
		return false, e.status, note
	}
	if e.power == nil && r.policy.mode == "on-failure" && r.policy.maxRetries > 0 && r.restarts >= r.policy.maxRetries {
		return false, e.status, fmt.Sprintf("not restarting the app (%s): --restart=on-failure:%d retries used", why, r.policy.maxRetries)
	}
	r.restarts++
	return true, 0, fmt.Sprintf("restarting the app (%s): restart %d of at most %d", why, r.restarts, r.bound(e))
}

// wanted says whether the run's end asks for a restart, and why.
func (r *restarter) wanted(e bootEnd) (string, bool) {
	if e.power != nil {
		return e.power.Reason, e.power.Action == kernel.PowerRestart
	}
	if e.stoppedByUser {
		return "", false
	}
	switch {
	case r.policy.mode == "always":
		return fmt.Sprintf("ended with status %d, --restart=always", e.status), true
	case r.policy.mode == "on-failure" && e.status != 0:
		return fmt.Sprintf("ended with status %d, --restart=%s", e.status, r.policy.flagValue()), true
	}
	return "", false
}

// bound is the most restarts the run's kind of end allows.
func (r *restarter) bound(e bootEnd) int {
	if e.power == nil && r.policy.mode == "on-failure" && r.policy.maxRetries > 0 {
		return min(r.policy.maxRetries, r.policy.limit)
	}
	return r.policy.limit
}

// flagValue is the policy as --restart spells it.
func (p restartPolicy) flagValue() string {
	if p.mode == "on-failure" && p.maxRetries > 0 {
		return fmt.Sprintf("on-failure:%d", p.maxRetries)
	}
	return p.mode
}
