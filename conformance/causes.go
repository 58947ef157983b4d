package conformance

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// knownCauses names why a test that passes natively fails under elfloader,
// keyed by "kind suite test" (for example "go net TestInterfaces"). The
// report prints a cause next to each regression it finds, and says so
// plainly when a regression has none: the table stays generated, the causes
// are the project's findings about it. An entry whose test passes again is
// simply not printed.
var knownCauses = map[string]string{
	"go syscall TestExecPtrace":                                           "ptrace(2) is not served (ENOSYS, as a kernel without the call answers): elfloader offers apps no debugging interface of their own (its gdb server is the user's)",
	"go syscall TestSCMCredentials":                                       "SCM_CREDENTIALS from a forked child carry elfloader's host pid: app unix sockets are host sockets, so the host kernel stamps the sender's identity",
	"go syscall TestAmbientCapsUserns":                                    nsCause,
	"go syscall TestCloneTimeNamespace":                                   nsCause,
	"go syscall TestEmptyCredGroupsDisableSetgroups":                      nsCause,
	"go syscall TestGroupCleanupUserNamespace":                            nsCause,
	"go syscall TestPidFDWithUserNS":                                      nsCause,
	"go syscall TestCloneNEWUSERAndRemap":                                 nsCause,
	"go syscall TestUnshare":                                              unshareCause,
	"go syscall TestUnshareMountNameSpace":                                unshareCause,
	"go syscall TestUnshareMountNameSpaceChroot":                          unshareCause,
	"go net TestIPConnRemoteName":                                         rawSocketCause,
	"go net TestIPConnSpecificMethods":                                    rawSocketCause,
	"python test_time test.test_time.TimeTestCase.test_monotonic_settime": "clock_settime(CLOCK_REALTIME) answers EPERM: the wall clock is the host's, read through the host's vDSO, never set and not offset per app",
}

const (
	nsCause        = "namespaces are not provided: clone's CLONE_NEW* flags answer EINVAL, as a kernel built without them does"
	unshareCause   = "unshare(2) is not served (ENOSYS): no namespaces, and the descriptor table and fs context are per process in elfloader"
	rawSocketCause = "raw IP sockets (SOCK_RAW) answer EPERM: elfloader gives apps no raw access to the host's network"
)

// Cause returns the recorded cause of a regression, or "".
func Cause(kind, suite, test string) string {
	return knownCauses[kind+" "+suite+" "+test]
}

// writeCauses lists every regression and every test skipped under
// elfloader only, with its cause: the project's finding when there is one,
// else the reason the test gave for skipping.
func writeCauses(w io.Writer, rows []Row) {
	type line struct{ name, what, cause string }
	var lines []line
	for _, r := range rows {
		for _, t := range r.Regressions {
			c := Cause(r.Suite.Kind, r.Suite.Name, t)
			if c == "" {
				c = "**cause not yet named**"
			}
			lines = append(lines, line{fmt.Sprintf("%s `%s` `%s`", r.Suite.Kind, r.Suite.Name, t), "fails", c})
		}
		for _, t := range r.SkippedOnly {
			c := Cause(r.Suite.Kind, r.Suite.Name, t)
			if c == "" {
				c = "the test's own reason: " + r.Elfloader.Skips[t]
				if r.Elfloader.Skips[t] == "" {
					c = "**cause not yet named**"
				}
			}
			lines = append(lines, line{fmt.Sprintf("%s `%s` `%s`", r.Suite.Kind, r.Suite.Name, t), "skips", c})
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].name < lines[j].name })
	fmt.Fprint(w, "\n## Why each difference\n\n")
	fmt.Fprintln(w, "Every test that passes natively and fails or skips under elfloader, with its cause.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| test | under elfloader | cause |")
	fmt.Fprintln(w, "| --- | --- | --- |")
	for _, l := range lines {
		fmt.Fprintf(w, "| %s | %s | %s |\n", l.name, l.what, strings.ReplaceAll(l.cause, "|", "\\|"))
	}
}
