package main

import (
	"testing"

	"github.com/elfloader/elfloader/kernel"
)

func TestParseRestartPolicy(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    restartPolicy
		wantErr bool
	}{
		{"", restartPolicy{mode: "no", limit: 10}, false},
		{"no", restartPolicy{mode: "no", limit: 10}, false},
		{"always", restartPolicy{mode: "always", limit: 10}, false},
		{"on-failure", restartPolicy{mode: "on-failure", limit: 10}, false},
		{"on-failure:3", restartPolicy{mode: "on-failure", maxRetries: 3, limit: 10}, false},
		{"on-failure:0", restartPolicy{}, true},
		{"on-failure:x", restartPolicy{}, true},
		{"always:2", restartPolicy{}, true},
		{"unless-stopped", restartPolicy{}, true},
	} {
		got, err := parseRestartPolicy(c.in, 10)
		if (err != nil) != c.wantErr || !c.wantErr && got != c.want {
			t.Errorf("parseRestartPolicy(%q) = %+v, %v; want %+v (error: %v)", c.in, got, err, c.want, c.wantErr)
		}
	}
	if _, err := parseRestartPolicy("no", -1); err == nil {
		t.Errorf("a negative --restart-limit was accepted")
	}
}

func TestRestarterDecisions(t *testing.T) {
	restart := &kernel.PowerEvent{Action: kernel.PowerRestart, Reason: "reboot"}
	off := &kernel.PowerEvent{Action: kernel.PowerOff, Reason: "poweroff"}
	type step struct {
		end     bootEnd
		again   bool
		status  int
		hasNote bool
	}
	for _, c := range []struct {
		name   string
		policy string
		limit  int
		steps  []step
	}{
		{"no policy: the app's status", "no", 10, []step{{bootEnd{status: 3}, false, 3, false}}},
		{"power off ends with 0 whatever the policy", "always", 10, []step{{bootEnd{status: 7, power: off}, false, 0, false}}},
		{"reboot restarts without a policy, up to the limit", "no", 2, []step{
			{bootEnd{power: restart}, true, 0, true},
			{bootEnd{power: restart}, true, 0, true},
			{bootEnd{power: restart}, false, restartLimitStatus, true},
		}},
		{"on-failure skips a clean exit", "on-failure", 10, []step{{bootEnd{status: 0}, false, 0, false}}},
		{"on-failure:2 retries twice", "on-failure:2", 10, []step{
			{bootEnd{status: 1}, true, 0, true},
			{bootEnd{status: 1}, true, 0, true},
			{bootEnd{status: 139}, false, 139, true},
		}},
		{"always is bounded by the limit", "always", 1, []step{
			{bootEnd{status: 0}, true, 0, true},
			{bootEnd{status: 0}, false, 0, true},
		}},
		{"a stop by the user is never undone", "always", 10, []step{{bootEnd{status: 130, stoppedByUser: true}, false, 130, false}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseRestartPolicy(c.policy, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			r := &restarter{policy: p}
			for i, s := range c.steps {
				again, status, note := r.next(s.end)
				if again != s.again || !again && status != s.status || (note != "") != s.hasNote {
					t.Errorf("step %d: next(%+v) = %v, %d, %q; want %v, %d, note %v", i, s.end, again, status, note, s.again, s.status, s.hasNote)
				}
			}
		})
	}
}
