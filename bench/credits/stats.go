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

// sample is one run's raw figures, before percentiles: what a child
// process sends its parent as JSON, and what the samples of the processes
// of one run merge into, so that percentiles are over every spend.
type sample struct {
	Ops, Busy, Retries int64
	Elapsed            time.Duration   // from the run's start to its last answer
	Lat                []time.Duration // every answer's latency, busy ones included
}

// merge adds o, a sample of the same window taken in another process:
// counts add, latencies pool, and the window is the longer of the two.
func (s sample) merge(o sample) sample {
	return sample{
		Ops: s.Ops + o.Ops, Busy: s.Busy + o.Busy, Retries: s.Retries + o.Retries,
		Elapsed: max(s.Elapsed, o.Elapsed), Lat: append(s.Lat, o.Lat...),
	}
}

func (s sample) result() result {
	p50, p99 := latencies(s.Lat)
	return result{ops: s.Ops, busy: s.Busy, retries: s.Retries, elapsed: s.Elapsed, p50: p50, p99: p99}
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
