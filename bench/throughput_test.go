package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wrkSample is the output of `wrk --latency -t1 -c50 -d2s` (wrk 4.1).
const wrkSample = `Running 2s test @ http://127.0.0.1:8080/index.html
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   655.21us  301.47us   8.01ms   91.02%
    Req/Sec    75.01k     4.12k   80.15k    80.00%
  Latency Distribution
     50%  612.00us
     75%  701.00us
     90%  820.00us
     99%    2.34ms
  149321 requests in 2.00s, 645.21MB read
Requests/sec:  74650.50
Transfer/sec:    322.55MB
`

func TestParseWrk(t *testing.T) {
	f, err := ParseWrk([]byte(wrkSample))
	if err != nil {
		t.Fatal(err)
	}
	if f.RequestsPerSec != 74650.50 || f.P50 != 612*time.Microsecond || f.P99 != 2340*time.Microsecond {
		t.Errorf("ParseWrk = %+v", f)
	}
}

func TestParseWrkRejectsBadRuns(t *testing.T) {
	for name, out := range map[string]string{
		"non-2xx":       wrkSample + "  Non-2xx or 3xx responses: 12\n",
		"socket errors": strings.Replace(wrkSample, "Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec", 1),
		"no latency":    strings.Replace(wrkSample, "     99%    2.34ms\n", "", 1),
		"empty":         "",
		"bad unit":      strings.Replace(wrkSample, "612.00us", "612.00xx", 1),
	} {
		if _, err := ParseWrk([]byte(out)); err == nil {
			t.Errorf("%s: ParseWrk accepted the run", name)
		}
	}
	timeouts := strings.Replace(wrkSample, "Requests/sec", "  Socket errors: connect 0, read 0, write 0, timeout 7\nRequests/sec", 1)
	if _, err := ParseWrk([]byte(timeouts)); err != nil {
		t.Errorf("timeouts only: %v", err)
	}
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"635.00us": 635 * time.Microsecond,
		"2.34ms":   2340 * time.Microsecond,
		"1.50s":    1500 * time.Millisecond,
		"1.00m":    time.Minute,
	} {
		if got, err := parseWrkDuration(in); err != nil || got != want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestNginxSetup(t *testing.T) {
	dir := t.TempDir()
	args, err := nginxSetup(dir, 12345)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"daemon off;", "master_process off;", "listen 127.0.0.1:12345;", "root " + dir + "/www;"} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if page, err := os.ReadFile(filepath.Join(dir, "www", "index.html")); err != nil || len(page) != nginxPageSize {
		t.Errorf("index.html: %d bytes, %v", len(page), err)
	}
	if len(args) < 2 || args[0] != "-c" || args[1] != filepath.Join(dir, "nginx.conf") {
		t.Errorf("args = %q", args)
	}
	w, ok := Lookup("nginx")
	if !ok || w.Load == nil || w.Load.Threads != 1 || w.Load.Connections != 50 || w.Load.Duration != 10*time.Second {
		t.Errorf("nginx workload load = %+v", w.Load)
	}
}
