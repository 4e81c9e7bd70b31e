package aiinsight

import (
	"math/rand/v2"
	"testing"
)

// budget8k is a small hosted model's budget: 8k context, 1k answers.
var budget8k = Budget{ContextTokens: 8192, OutputTokens: 1024, Overhead: 1500, MaxCalls: 16}

// checkPlan holds a plan to what NewPlan promises, whatever the input.
func checkPlan(t *testing.T, sizes []int, b Budget, p Plan) {
	t.Helper()
	if p.Calls() > b.MaxCalls {
		t.Fatalf("%d calls, over the cap of %d", p.Calls(), b.MaxCalls)
	}
	prev := 0
	for i, c := range p.Chunks {
		if c.From < prev || c.To <= c.From || c.To > len(sizes) {
			t.Fatalf("chunk %d = %+v: not in order, empty, or past the end (%d lines)", i, c, len(sizes))
		}
		prev = c.To
		used := 0
		for _, s := range sizes[c.From:c.To] {
			used += min(s, b.ChunkTokens())
		}
		if used > b.ChunkTokens() {
			t.Fatalf("chunk %d holds %d tokens, over the chunk budget of %d", i, used, b.ChunkTokens())
		}
	}
	if !p.Sampled() && p.Lines() != len(sizes) {
		t.Fatalf("an unsampled plan reads %d of %d lines", p.Lines(), len(sizes))
	}
	// Every prompt fits the context: a chunk's data, or FanIn answers.
	if b.ChunkTokens()+b.Overhead+b.OutputTokens > b.ContextTokens {
		t.Fatalf("a chunk (%d) + overhead (%d) + answer (%d) exceed the context (%d)", b.ChunkTokens(), b.Overhead, b.OutputTokens, b.ContextTokens)
	}
	if p.FanIn*(b.OutputTokens+partialOverhead)+b.Overhead+b.OutputTokens > b.ContextTokens {
		t.Fatalf("a reduce of %d answers does not fit the context", p.FanIn)
	}
}

func lineSizes(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 1))
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = 8 + r.IntN(40) // a short chat line: 8 to 47 tokens
		if r.IntN(1000) == 0 {
			sizes[i] = 3000 + r.IntN(20000) // now and then a pasted wall of text
		}
	}
	return sizes
}

func TestPlanTenMessagesIsOneCall(t *testing.T) {
	sizes := lineSizes(10, 1)
	p, err := NewPlan(sizes, budget8k)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, sizes, budget8k, p)
	if len(p.Chunks) != 1 || p.Calls() != 1 || p.Sampled() || p.Total != 1 {
		t.Fatalf("10 messages: %d chunks, %d calls, sampled %v; want one call reading everything", len(p.Chunks), p.Calls(), p.Sampled())
	}
}

func TestPlanHundredThousandMessages(t *testing.T) {
	sizes := lineSizes(100_000, 2)
	for _, b := range []Budget{
		budget8k,
		{ContextTokens: 128_000, OutputTokens: 4096, Overhead: 1500, MaxCalls: 16},  // the local adapter
		{ContextTokens: 128_000, OutputTokens: 4096, Overhead: 1500, MaxCalls: 200}, // a generous cap: the whole chat
	} {
		p, err := NewPlan(sizes, b)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, sizes, b, p)
		t.Logf("context %d, cap %d: %d of %d chunks, %d calls, %d lines read, %d cut", b.ContextTokens, b.MaxCalls, len(p.Chunks), p.Total, p.Calls(), p.Lines(), p.Cut)
		if b.ContextTokens == 8192 && p.Cut == 0 {
			t.Fatal("the walls of text were not cut to a chunk")
		}
		if b.MaxCalls == 200 && p.Sampled() {
			t.Fatalf("a cap of 200 calls must read 100k messages whole at 128k tokens: %d of %d chunks", len(p.Chunks), p.Total)
		}
		if b.MaxCalls == 16 && !p.Sampled() {
			t.Fatalf("%d chunks cannot be read in 16 calls", p.Total)
		}
	}
}

func TestPlanMillionMessagesSamplesEvenly(t *testing.T) {
	sizes := lineSizes(1_000_000, 3)
	p, err := NewPlan(sizes, budget8k)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, sizes, budget8k, p)
	if !p.Sampled() || p.Calls() < budget8k.MaxCalls-2 {
		t.Fatalf("1M messages: %d calls of %d allowed, sampled %v: the cap should be used nearly whole", p.Calls(), budget8k.MaxCalls, p.Sampled())
	}
	// Evenly: the chunks read are spread over the whole chat, one in each
	// of len(Chunks) equal stretches.
	stretch := len(sizes) / len(p.Chunks)
	for i, c := range p.Chunks {
		if c.From < i*stretch-stretch/2 || c.From > (i+1)*stretch {
			t.Fatalf("chunk %d starts at line %d, outside its stretch [%d, %d)", i, c.From, i*stretch, (i+1)*stretch)
		}
	}
	t.Logf("1M messages: %d of %d chunks, %d calls (fan-in %d), %d lines read", len(p.Chunks), p.Total, p.Calls(), p.FanIn, p.Lines())
}

func TestPlanReduceTree(t *testing.T) {
	for _, tc := range []struct{ n, fanIn, want int }{
		{1, 4, 0}, {2, 4, 1}, {4, 4, 1}, {5, 4, 3}, {16, 4, 5}, {17, 4, 8}, {3, 2, 3},
	} {
		if got := reduceCalls(tc.n, tc.fanIn); got != tc.want {
			t.Errorf("reduceCalls(%d, %d) = %d, want %d", tc.n, tc.fanIn, got, tc.want)
		}
	}
}

func TestBudgetTooSmallIsRefused(t *testing.T) {
	for _, b := range []Budget{
		{ContextTokens: 2048, OutputTokens: 1024, Overhead: 1500, MaxCalls: 16}, // no room for a chat
		{ContextTokens: 4096, OutputTokens: 2048, Overhead: 200, MaxCalls: 16},  // a reduce cannot hold two answers
		{ContextTokens: 8192, OutputTokens: 1024, Overhead: 1500, MaxCalls: 0},
	} {
		if _, err := NewPlan([]int{10}, b); err == nil {
			t.Errorf("%+v: planned", b)
		}
	}
}

func TestEstimateErrsHigh(t *testing.T) {
	// Token counts of real tokenizers (cl100k_base) for these strings are
	// at or below the estimate.
	for _, tc := range []struct {
		s      string
		actual int // cl100k_base
	}{
		{"Are we still meeting at the station tomorrow?", 10},
		{"明日は駅で会いましょう", 9},
		{"😂😂😂", 3},
		{"Привет, как дела?", 7},
	} {
		if got := EstimateTokens(tc.s); got < tc.actual {
			t.Errorf("EstimateTokens(%q) = %d, below the tokenizer's %d", tc.s, got, tc.actual)
		}
	}
	s, cut := cutToTokens("héllo wörld, this is long", 5)
	if !cut || EstimateTokens(s) > 5 {
		t.Fatalf("cutToTokens: %q (%d tokens), cut %v", s, EstimateTokens(s), cut)
	}
}
