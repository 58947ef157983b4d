package bench

import (
	"errors"
	"math"
	"sort"
)

// Summary is the distribution of one measurement over several runs.
type Summary struct {
	Unit   string    // unit of every value, e.g. "ns/call" or "ms"
	Values []float64 // the samples, in the order they were taken
	Min    float64
	Median float64
	P90    float64 // 90th percentile, nearest-rank
	Max    float64
}

// N is the number of samples.
func (s Summary) N() int { return len(s.Values) }

// Spread is (p90 - min) / median: how noisy the measurement was, as a
// fraction of its median. It is 0 for fewer than two samples.
func (s Summary) Spread() float64 {
	if len(s.Values) < 2 || s.Median == 0 {
		return 0
	}
	return (s.P90 - s.Min) / s.Median
}

// ErrNoSamples is returned when a summary is asked of no values.
var ErrNoSamples = errors.New("no samples")

// Summarize computes the minimum, median, 90th percentile and maximum of
// values. NaN and infinite values are rejected.
func Summarize(unit string, values []float64) (Summary, error) {
	if len(values) == 0 {
		return Summary{}, ErrNoSamples
	}
	sorted := make([]float64, len(values))
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Summary{}, errors.New("sample is not a finite number")
		}
		sorted[i] = v
	}
	sort.Float64s(sorted)
	n := len(sorted)
	median := sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return Summary{
		Unit:   unit,
		Values: append([]float64(nil), values...),
		Min:    sorted[0],
		Median: median,
		P90:    sorted[nearestRank(n, 0.90)],
		Max:    sorted[n-1],
	}, nil
}

// nearestRank is the index of the p-quantile of n sorted samples by the
// nearest-rank method: the ceil(p*n)-th smallest value.
func nearestRank(n int, p float64) int {
	rank := int(math.Ceil(p * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank > n {
		rank = n
	}
	return rank - 1
}
