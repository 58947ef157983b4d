package integration

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// postgresRunTimeout bounds one elfloader run of the PostgreSQL scripts
// (initdb, a server start and stop, queries).
const postgresRunTimeout = 5 * time.Minute

// postgresFirstRun initialises a cluster in the volume, starts the
// server, creates and fills a table over TCP loopback, reads an aggregate
// back over the unix socket, runs pgbench with 8 clients and stops the
// server. $1 is the bin directory, $2 the port. The shell is the app's
// first process; pg_ctl's postmaster forks the checkpointer, walwriter,
// autovacuum and a backend per connection. pgbench's clients all update
// one branch row: backends wait for each other's locks (latches: SIGURG
// read from a signalfd in epoll) and LWLocks (POSIX semaphores in the
// shared memory, futexes between processes). PG_OOM_ADJUST_FILE makes
// every child write /proc/self/oom_score_adj.
const postgresFirstRun = `B=$1 P=$2 fail=0
export PG_OOM_ADJUST_FILE=/proc/self/oom_score_adj PG_OOM_ADJUST_VALUE=0
$B/initdb -D /pg/data -U postgres -A trust --no-locale -E UTF8 >/pg/initdb.log 2>&1 || { cat /pg/initdb.log; exit 1; }
$B/pg_ctl -D /pg/data -l /pg/server.log -w -t 120 -o "-p $P -k /tmp -h 127.0.0.1" start >/dev/null || exit 1
psql="$B/psql -X -At -v ON_ERROR_STOP=1 -U postgres -d postgres -p $P"
$psql -h 127.0.0.1 -c "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)" || fail=1
$psql -h 127.0.0.1 -c "INSERT INTO items SELECT g, 'item' || g, g % 7 FROM generate_series(1, 1000) g" || fail=1
echo "tcp: $($psql -h 127.0.0.1 -c "SELECT count(*), sum(qty), max(id) FROM items")"
echo "unix: $($psql -h /tmp -c "SELECT sum(qty) FILTER (WHERE id % 2 = 0), min(name) FROM items")"
pgbench="$B/pgbench -h 127.0.0.1 -p $P -U postgres"
$pgbench -i -s 1 -q postgres >/pg/pgbench-init.log 2>&1 || { cat /pg/pgbench-init.log; fail=1; }
$pgbench -c 8 -j 4 -t 50 postgres >/pg/pgbench.log 2>&1 || { cat /pg/pgbench.log; fail=1; }
grep -E "^number of (transactions actually processed|failed transactions)" /pg/pgbench.log
$B/pg_ctl -D /pg/data -m fast -w stop >/dev/null || fail=1
exit $fail
`

// postgresSecondRun starts the server again on the same data directory,
// reads the rows back over the unix socket, says it is ready (/pg/ready)
// and waits for the test, which queries it from the host, to ask it to
// stop (/pg/stop), at most 60 s.
const postgresSecondRun = `B=$1 P=$2 fail=0
$B/pg_ctl -D /pg/data -l /pg/server.log -w -t 120 -o "-p $P -k /tmp -h 127.0.0.1" start >/dev/null || exit 1
echo "again: $($B/psql -X -At -v ON_ERROR_STOP=1 -U postgres -d postgres -p $P -h /tmp -c "SELECT count(*), sum(qty), max(id) FROM items")"
: >/pg/ready
i=0
while [ ! -e /pg/stop ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done
$B/pg_ctl -D /pg/data -m fast -w stop >/dev/null || fail=1
exit $fail
`

// TestPostgres runs Debian's PostgreSQL under elfloader: initdb into a
// host directory given as an :rw volume, then the server, psql over TCP
// loopback and the unix socket, and a fast shutdown, all inside one
// elfloader run driven by a shell script; then a second run starts the
// server on the same data and finds the rows, read by psql under
// elfloader and by the host's psql over TCP.
//
// PostgreSQL refuses to run as root, so the app runs as an unprivileged
// user (--user). Files elfloader creates in a volume belong on the host
// to elfloader's own user, and PostgreSQL insists that the data directory
// and its files are the server's, also in the second run: elfloader runs
// as that same user (nobody when the test runs as root).
func TestPostgres(t *testing.T) {
	bin := postgresBinDir(t)
	requireHostProgram(t, "/bin/sh", "/bin/sleep", "/bin/grep", filepath.Join(bin, "postgres"), filepath.Join(bin, "psql"), filepath.Join(bin, "pgbench"))
	cred, spec := postgresUser(t)
	dir := postgresVolume(t, cred)
	pg := postgresSetup{
		elfloader: copyForUser(t, testbin.Elfloader(t), dir),
		cred:      cred,
		flags:     []string{"--user", spec, "--volume", dir + ":/pg:rw", "--env", "PATH=/usr/bin:/bin"},
		dir:       dir, bin: bin, port: strconv.Itoa(loopbackPort(t)),
	}

	first := pg.run(t, "first.sh", postgresFirstRun)
	first.expectOK(t, dir)
	for _, want := range []string{"tcp: 1000|3003|1000", "unix: 1503|item1",
		"number of transactions actually processed: 400/400", "number of failed transactions: 0 (0.000%)"} {
		if !strings.Contains(first.output.String(), want) {
			t.Errorf("first run: no %q in the output:\n%s", want, first.output.String())
		}
	}

	second := pg.run(t, "second.sh", postgresSecondRun)
	stop := filepath.Join(dir, "stop")
	t.Cleanup(func() { os.WriteFile(stop, nil, 0o644) })
	waitForFile(t, filepath.Join(dir, "ready"), second)
	host := testbin.RunNative(t, testTimeout, []string{filepath.Join(bin, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", pg.port, "-U", "postgres", "-d", "postgres",
		"-c", "INSERT INTO items VALUES (1001, 'from the host', 6)",
		"-c", "SELECT count(*), sum(qty), max(name) FROM items"}, []string{"PGCONNECT_TIMEOUT=20"}, nil)
	if host.Status != 0 || host.Stdout != "INSERT 0 1\n1001|3009|item999\n" {
		t.Errorf("host psql: status %d, stdout %q, stderr %q", host.Status, host.Stdout, host.Stderr)
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	second.expectOK(t, dir)
	if want := "again: 1000|3003|1000"; !strings.Contains(second.output.String(), want) {
		t.Errorf("second run: no %q in the output:\n%s", want, second.output.String())
	}
}

// postgresBinDir returns the bin directory of the newest PostgreSQL
// installed by Debian's packages, or skips.
func postgresBinDir(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		t.Skip("PostgreSQL is not installed (Debian's postgresql package; scripts/deps.sh)")
	}
	return filepath.Dir(found[len(found)-1])
}

// postgresUser returns the host credential elfloader runs as (nil: the
// test's own) and the --user value of the app: nobody when the test runs
// as root, else the test's user.
func postgresUser(t *testing.T) (*syscall.Credential, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil, fmt.Sprintf("%d:%d", os.Geteuid(), os.Getegid())
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run PostgreSQL as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, u.Uid + ":" + u.Gid
}

// postgresVolume makes the host directory the app sees as /pg, owned by
// the user elfloader runs as, and removes it when the test ends.
func postgresVolume(t *testing.T, cred *syscall.Credential) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "elfloader-postgres-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// copyForUser copies the elfloader binary into dir, where the user it
// runs as can reach it whatever the permissions of the test's cache.
func copyForUser(t *testing.T, path, dir string) string {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	dst := filepath.Join(dir, "elfloader")
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// postgresSetup is how the test runs elfloader: which binary, as whom,
// with which flags; the volume's host directory, PostgreSQL's bin
// directory and the server's port.
type postgresSetup struct {
	elfloader string
	cred      *syscall.Credential
	flags     []string
	dir       string
	bin, port string
}

// postgresRun is one elfloader run of a script.
type postgresRun struct{ *appServer }

// run writes script into the volume as name and starts
// `elfloader run FLAGS /bin/sh /pg/NAME BIN PORT`.
func (pg postgresSetup) run(t *testing.T, name, script string) postgresRun {
	t.Helper()
	if err := os.WriteFile(filepath.Join(pg.dir, name), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return postgresRun{startApp(t, pg.elfloader, pg.cred, pg.flags, []string{"/bin/sh", "/pg/" + name, pg.bin, pg.port})}
}

// expectOK waits for the run to end and checks its status, elfloader's
// messages and the server's log.
func (r postgresRun) expectOK(t *testing.T, dir string) {
	t.Helper()
	status := r.wait(t, postgresRunTimeout, "the script's time")
	log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	out := r.output.String()
	if status != 0 {
		t.Fatalf("exit status %d; output:\n%s\nserver log:\n%s", status, out, log)
	}
	assertNoPanic(t, out)
	if strings.Contains(out, "elfloader: unsupported") {
		t.Errorf("elfloader reported unsupported calls:\n%s", out)
	}
	for _, bad := range []string{"FATAL", "PANIC", "WARNING", "could not"} {
		if strings.Contains(string(log), bad) {
			t.Errorf("server log has %q:\n%s", bad, log)
		}
	}
}

// waitForFile waits until path exists, at most serverStartTimeout*4,
// failing early if the run ends.
func waitForFile(t *testing.T, path string, r postgresRun) {
	t.Helper()
	deadline := time.Now().Add(4 * serverStartTimeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-r.done:
			t.Fatalf("the run ended before %s appeared; output:\n%s", path, r.output.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v; output:\n%s", path, 4*serverStartTimeout, r.output.String())
		}
	}
}
