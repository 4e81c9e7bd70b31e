package main

import (
	"slices"
	"time"
)

// result is one measured run of one contender.
type result struct {
	ops      int64 // successful spends
	busy     int64 // spends that ended in core.ErrBusy
	retries  int64 // replays of a unit of work
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r result) opsPerSec() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// busyRate is the share of attempted spends that gave up.
func (r result) busyRate() float64 {
	if r.ops+r.busy == 0 {
		return 0
	}
	return float64(r.busy) / float64(r.ops+r.busy)
}

func (r result) retriesPerOp() float64 {
	if r.ops+r.busy == 0 {
		return 0
	}
	return float64(r.retries) / float64(r.ops+r.busy)
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

func latencies(all []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(all)
	return percentile(all, 50), percentile(all, 99)
}

// median of floats (the middle of an odd count, the mean of the two middles
// of an even one).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summary is the median over rounds of each figure of a contender.
type summary struct {
	opsPerSec, busyRate, retriesPerOp float64
	p50, p99                          time.Duration
}

func summarize(rs []result) summary {
	var ops, busy, retries, p50, p99 []float64
	for _, r := range rs {
		ops = append(ops, r.opsPerSec())
		busy = append(busy, r.busyRate())
		retries = append(retries, r.retriesPerOp())
		p50 = append(p50, float64(r.p50))
		p99 = append(p99, float64(r.p99))
	}
	return summary{
		opsPerSec: median(ops), busyRate: median(busy), retriesPerOp: median(retries),
		p50: time.Duration(median(p50)), p99: time.Duration(median(p99)),
	}
}
