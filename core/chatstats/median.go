package chatstats

import (
	"math"
	"time"
)

// responseTimes estimates quantiles of response times in constant memory
// with a log-bucket histogram (the scheme of DDSketch, Masson, Rim and Lee,
// VLDB 2019): bucket i >= 0 counts the durations d with
// gamma^(i-1) < d/1s <= gamma^i, and a quantile falling in bucket i is
// reported as 2*gamma^i/(gamma+1) seconds, within a relative error of
// (gamma-1)/(gamma+1) of every duration the bucket holds. Durations under
// one second count in a bucket of their own, reported as zero.
//
// Error bound, with gamma = 1.02: the estimate of the value of rank k is
// within 0.99% of the true value of rank k when that is at least one second,
// and is zero, less than a second off, when the true value is under one
// second. Durations above the histogram's range (MaxResponse) are never
// added.
type responseTimes struct {
	n      int
	under  int      // responses within a second
	counts []uint32 // allocated at the first response of one second or more
}

const responseGamma = 1.02

var logResponseGamma = math.Log(responseGamma)

// ResponseTimeRelativeError is the bound on the relative error of a median
// response time of one second or more: (gamma-1)/(gamma+1).
const ResponseTimeRelativeError = (responseGamma - 1) / (responseGamma + 1)

// responseBuckets is the number of buckets that cover durations up to max.
func responseBuckets(max time.Duration) int {
	return int(math.Ceil(math.Log(max.Seconds())/logResponseGamma)) + 2
}

func (h *responseTimes) add(ms int64, buckets int) {
	h.n++
	if ms < 1000 {
		h.under++
		return
	}
	if h.counts == nil {
		h.counts = make([]uint32, buckets)
	}
	i := int(math.Ceil(math.Log(float64(ms)/1000) / logResponseGamma))
	i = min(max(i, 0), len(h.counts)-1)
	h.counts[i]++
}

// median returns the estimate of the lower median (the value of rank
// ceil(n/2)), and false when nothing was added.
func (h *responseTimes) median() (time.Duration, bool) {
	if h.n == 0 {
		return 0, false
	}
	rank := (h.n + 1) / 2
	if rank <= h.under {
		return 0, true
	}
	seen := h.under
	for i, c := range h.counts {
		if seen += int(c); seen >= rank {
			secs := 2 * math.Pow(responseGamma, float64(i)) / (responseGamma + 1)
			return time.Duration(secs * float64(time.Second)), true
		}
	}
	return 0, false // unreachable: the counts add up to n
}
