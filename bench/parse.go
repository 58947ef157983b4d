package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// nsPerCallSuffix is what a self-measuring workload prints after its figure,
// e.g. "131.3 ns/call (200000 calls, checksum 5)".
const nsPerCallSuffix = "ns/call"

// ParseNsPerCall finds the first line of output of the form "X ns/call ..."
// and returns X. A program that measures itself (excluding its start-up)
// reports its result this way.
func ParseNsPerCall(output []byte) (float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(output))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		for i := 0; i+1 < len(fields); i++ {
			if fields[i+1] != nsPerCallSuffix {
				continue
			}
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return 0, fmt.Errorf("parse %q before %q: %w", fields[i], nsPerCallSuffix, err)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return 0, fmt.Errorf("implausible figure %q before %q", fields[i], nsPerCallSuffix)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("no %q line in the program's output (%d bytes)", "X "+nsPerCallSuffix, len(output))
}
