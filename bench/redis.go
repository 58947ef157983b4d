package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// redisSetup starts redis-server in the foreground on 127.0.0.1:port with
// nothing saved to disk: the data set lives in memory only.
func redisSetup(dir string, port int) ([]string, error) {
	return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", dir, "--protected-mode", "yes"}, nil
}

// redisRequests is how many requests one redis-benchmark run sends.
const redisRequests = 200000

// redisBenchmark returns a LoadTest driver that runs redis-benchmark's
// test (get or set) against the server with 50 connections and returns
// its requests/s and p50/p99 latencies.
func redisBenchmark(test string) func(ctx context.Context, port int) (LoadFigures, error) {
	return func(ctx context.Context, port int) (LoadFigures, error) {
		argv := []string{"redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
			"-t", test, "-n", strconv.Itoa(redisRequests), "-c", "50", "--csv"}
		out, err := RunOnce(ctx, argv, 5*time.Minute)
		if err != nil {
			return LoadFigures{}, fmt.Errorf("redis-benchmark: %w: %s", err, firstLine(string(out.Stderr)))
		}
		return ParseRedisBenchmark(out.Stdout, test)
	}
}

// ParseRedisBenchmark reads the row of test ("get", "set") from the
// output of `redis-benchmark --csv` (redis 7): requests/s and the p50 and
// p99 latencies in ms.
func ParseRedisBenchmark(out []byte, test string) (LoadFigures, error) {
	r := csv.NewReader(bytes.NewReader(out))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return LoadFigures{}, fmt.Errorf("parse redis-benchmark --csv: %w", err)
	}
	if len(rows) < 2 || len(rows[0]) < 7 || rows[0][1] != "rps" || rows[0][4] != "p50_latency_ms" || rows[0][6] != "p99_latency_ms" {
		return LoadFigures{}, errors.New("redis-benchmark --csv: no header with rps, p50_latency_ms and p99_latency_ms")
	}
	for _, row := range rows[1:] {
		if len(row) < 7 || !strings.EqualFold(row[0], test) {
			continue
		}
		var v [3]float64
		for i, col := range []int{1, 4, 6} {
			if v[i], err = strconv.ParseFloat(row[col], 64); err != nil || v[i] < 0 {
				return LoadFigures{}, fmt.Errorf("redis-benchmark --csv: bad %s %q", rows[0][col], row[col])
			}
		}
		return LoadFigures{RequestsPerSec: v[0], P50: msDuration(v[1]), P99: msDuration(v[2])}, nil
	}
	return LoadFigures{}, fmt.Errorf("redis-benchmark --csv: no %s row", strings.ToUpper(test))
}

func msDuration(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
