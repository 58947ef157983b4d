package bench

import (
	"strings"
	"testing"
	"time"
)

// redisCSV is the output of `redis-benchmark -t get,set --csv` (redis 7.0).
const redisCSV = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","190476.20","0.142","0.040","0.135","0.175","0.391","0.511"
"GET","194174.75","0.137","0.040","0.135","0.159","0.295","0.447"
`

func TestParseRedisBenchmark(t *testing.T) {
	f, err := ParseRedisBenchmark([]byte(redisCSV), "get")
	if err != nil {
		t.Fatal(err)
	}
	if f.RequestsPerSec != 194174.75 || f.P50 != 135*time.Microsecond || f.P99 != 295*time.Microsecond {
		t.Errorf("GET = %+v", f)
	}
	if f, err := ParseRedisBenchmark([]byte(redisCSV), "set"); err != nil || f.RequestsPerSec != 190476.20 {
		t.Errorf("SET = %+v, %v", f, err)
	}
}

func TestParseRedisBenchmarkRejects(t *testing.T) {
	for name, out := range map[string]string{
		"no row":     strings.SplitAfter(redisCSV, "\n")[0],
		"no header":  strings.Join(strings.SplitAfter(redisCSV, "\n")[1:], ""),
		"bad number": strings.Replace(redisCSV, "194174.75", "fast", 1),
		"empty":      "",
	} {
		if _, err := ParseRedisBenchmark([]byte(out), "get"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestServerSetups(t *testing.T) {
	if args, err := goHTTPSetup(t.TempDir(), 8081); err != nil || strings.Join(args, " ") != "-addr 127.0.0.1:8081" {
		t.Errorf("goHTTPSetup = %q, %v", args, err)
	}
	args, err := redisSetup("/var/tmp/x", 6390)
	if err != nil || !strings.Contains(strings.Join(args, " "), "--port 6390 --bind 127.0.0.1") {
		t.Errorf("redisSetup = %q, %v", args, err)
	}
}

func TestParseMaxRSS(t *testing.T) {
	if v, err := ParseMaxRSS([]byte("hello\nmaxrss_kib 15360\n")); err != nil || v != 15 {
		t.Errorf("ParseMaxRSS = %v, %v; want 15 MiB", v, err)
	}
	for _, bad := range []string{"", "maxrss_kib x", "Command exited with non-zero status 1\n"} {
		if _, err := ParseMaxRSS([]byte(bad)); err == nil {
			t.Errorf("ParseMaxRSS(%q) accepted", bad)
		}
	}
}

func TestParsePrivateDirty(t *testing.T) {
	rollup := []byte("00400000-7ffe ---p 00000000 00:00 0  [rollup]\nRss:  11148 kB\nPrivate_Clean:  8848 kB\nPrivate_Dirty:   2048 kB\n")
	if v, err := ParsePrivateDirty(rollup); err != nil || v != 2 {
		t.Errorf("ParsePrivateDirty = %v, %v; want 2 MiB", v, err)
	}
	for _, bad := range []string{"", "Rss: 1 kB\n", "Private_Dirty: x kB\n"} {
		if _, err := ParsePrivateDirty([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateDirty(%q) accepted", bad)
		}
	}
}
