package chatstats

import (
	"math"
	"math/bits"
	"slices"
	"sync"
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
	h.counts[min(responseBucket(ms), len(h.counts)-1)]++
}

// logBucket is the bucket of a response of ms >= 1000 milliseconds, as
// the histogram defines it: ceil(log_gamma(ms/1000)), computed with math.Log
// as this package always has.
func logBucket(ms int64) int {
	return max(int(math.Ceil(math.Log(float64(ms)/1000)/logResponseGamma)), 0)
}

// responseBucket is logBucket(ms) from a table rather than a logarithm per
// response. logBucket is monotonic in ms (consecutive milliseconds are
// thousands of ulps apart in the logarithm, and math.Log is within one ulp),
// so bucket b holds the ms from bucketFirst[b] up to bucketFirst[b+1]-1,
// bucketFirst[b] found with logBucket itself, exactly. cellBucket gives the
// bucket of the first ms of each cell of ms with the same bit length and the
// same six bits after the leading one: a cell spans a ratio below 65/64,
// less than gamma, so it meets at most two buckets, and one comparison
// settles which. TestResponseBucketIsLogBucket checks it exhaustively up to
// six hours and around every bucket's start.
func responseBucket(ms int64) int {
	t := responseTable()
	n := bits.Len64(uint64(ms))
	b := int(t.cellBucket[n<<6|int(uint64(ms)<<(64-n)>>57&63)])
	for ms >= t.bucketFirst[b+1] {
		b++
	}
	return b
}

// responseCellBits is the bit length of the longest response: MaxResponse
// is a time.Duration, at most 2^63 ns, under 2^44 ms.
const responseCellBits = 44

type responseBucketTable struct {
	bucketFirst []int64 // the first ms of each bucket, then math.MaxInt64
	cellBucket  [(responseCellBits + 1) << 6]uint16
}

// responseTable is built once, the first time a response of a second or
// more is counted: a few thousand logarithms.
var responseTable = sync.OnceValue(func() *responseBucketTable {
	t := &responseBucketTable{}
	const maxMs = 1<<responseCellBits - 1
	last := logBucket(maxMs)
	t.bucketFirst = make([]int64, last+2)
	t.bucketFirst[0] = 1000
	for b := 1; b <= last; b++ {
		// From an estimate to the exact first ms, step by step.
		ms := max(int64(1000*math.Pow(responseGamma, float64(b-1))), t.bucketFirst[b-1]+1)
		for logBucket(ms) < b {
			ms++
		}
		for ms > t.bucketFirst[b-1]+1 && logBucket(ms-1) >= b {
			ms--
		}
		t.bucketFirst[b] = ms
	}
	t.bucketFirst[last+1] = math.MaxInt64
	for n := 10; n <= responseCellBits; n++ { // 1000 has 10 bits
		for cell := range 64 {
			first := max(int64(1)<<(n-1)|int64(cell)<<(n-7), 1000)
			b, _ := slices.BinarySearch(t.bucketFirst, first+1) // the buckets starting at or before first
			t.cellBucket[n<<6|cell] = uint16(b - 1)
		}
	}
	return t
})

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
