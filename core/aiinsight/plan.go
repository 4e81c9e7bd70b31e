package aiinsight

import (
	"errors"
	"fmt"
)

// Budget is what one model call may hold, in estimated tokens
// (EstimateTokens), and how many calls one insight may make.
type Budget struct {
	// ContextTokens is the model's context: the system message, the
	// prompt and the answer's bound together.
	ContextTokens int
	// OutputTokens is the bound on each answer.
	OutputTokens int
	// Overhead is a prompt's cost besides its data: the system message
	// and the template's words (the largest of the kind's templates).
	Overhead int
	// MaxCalls caps the model calls of one insight, maps and reduces
	// together (repairs are not planned: each call may have one).
	MaxCalls int
}

// room is what a prompt's data may take: the context less the answer's
// bound and the prompt's own words, less a tenth kept for the estimate's
// misses.
func (b Budget) room() int { return (b.ContextTokens-b.OutputTokens-b.Overhead)*9/10 - partialOverhead }

// partialOverhead is a partial answer's cost in a reduce prompt beyond
// the answer itself (its JSON envelope and newline).
const partialOverhead = 16

// ChunkTokens is how many tokens of transcript one map call holds.
func (b Budget) ChunkTokens() int { return b.room() }

// FanIn is how many answers one reduce call combines.
func (b Budget) FanIn() int { return b.room() / (b.OutputTokens + partialOverhead) }

// Check reports a budget that cannot make a plan: a chunk must hold a
// few messages and a reduce must combine at least two answers.
func (b Budget) Check() error {
	var errs []error
	if b.ChunkTokens() < 256 {
		errs = append(errs, fmt.Errorf("the context (%d tokens) leaves %d for a chat's text beside the answer's bound (%d) and the prompt (%d); it needs at least 256",
			b.ContextTokens, max(b.ChunkTokens(), 0), b.OutputTokens, b.Overhead))
	}
	if b.FanIn() < 2 {
		errs = append(errs, fmt.Errorf("the context (%d tokens) must hold two answers of %d tokens beside the prompt, to combine them", b.ContextTokens, b.OutputTokens))
	}
	if b.MaxCalls < 1 {
		errs = append(errs, errors.New("at least one model call per insight must be allowed"))
	}
	return errors.Join(errs...)
}

// Chunk is a run of consecutive transcript lines one map call reads:
// lines [From, To) of the chat's.
type Chunk struct{ From, To int }

// Plan is how an insight reads a chat: the chunks its map calls read and
// how their answers are combined.
type Plan struct {
	// Chunks are the chunks read, in chat order.
	Chunks []Chunk
	// Total is how many chunks the whole chat makes; more than
	// len(Chunks) when the call cap made the plan sample.
	Total int
	// Cut counts the lines read that are longer than a chunk, cut to fit
	// one.
	Cut int
	// FanIn is how many answers a reduce combines.
	FanIn int
}

// Sampled reports whether the plan reads only part of the chat.
func (p Plan) Sampled() bool { return len(p.Chunks) < p.Total }

// Calls is the model calls the plan makes (without repairs).
func (p Plan) Calls() int { return len(p.Chunks) + reduceCalls(len(p.Chunks), p.FanIn) }

// Lines counts the lines the plan reads.
func (p Plan) Lines() int {
	n := 0
	for _, c := range p.Chunks {
		n += c.To - c.From
	}
	return n
}

// reduceCalls is the reduce calls that combine n answers, fanIn at a
// time, level by level, into one.
func reduceCalls(n, fanIn int) int {
	calls := 0
	for n > 1 {
		n = (n + fanIn - 1) / fanIn
		calls += n
	}
	return calls
}

// NewPlan plans the reading of a chat whose transcript lines cost sizes
// tokens each (Line.Tokens): consecutive lines fill chunks up to the
// budget (a line longer than a chunk is cut to fit one, and counted in
// Cut); when reading every chunk would take more calls than the budget
// allows, it reads as many chunks as fit, spread evenly over the chat.
//
// It keeps no more than the chunk boundaries, so a chat of millions of
// messages plans in one pass over its sizes.
func NewPlan(sizes []int, b Budget) (Plan, error) {
	if err := b.Check(); err != nil {
		return Plan{}, err
	}
	p := Plan{FanIn: b.FanIn()}
	limit := b.ChunkTokens()
	var all []Chunk
	start, used := 0, 0
	for i, s := range sizes {
		s = min(s, limit)
		if used+s > limit && i > start {
			all = append(all, Chunk{From: start, To: i})
			start, used = i, 0
		}
		used += s
	}
	if len(sizes) > start {
		all = append(all, Chunk{From: start, To: len(sizes)})
	}
	p.Total = len(all)
	k := len(all)
	for k > 1 && k+reduceCalls(k, p.FanIn) > b.MaxCalls {
		k--
	}
	p.Chunks = spread(all, k)
	for _, c := range p.Chunks {
		for _, s := range sizes[c.From:c.To] {
			if s > limit {
				p.Cut++
			}
		}
	}
	return p, nil
}

// spread picks k of chunks, evenly spaced, in order: the middle chunk of
// each of k equal stretches of the chat.
func spread(chunks []Chunk, k int) []Chunk {
	n := len(chunks)
	if k >= n {
		return chunks
	}
	out := make([]Chunk, k)
	for i := range out {
		out[i] = chunks[(2*i+1)*n/(2*k)]
	}
	return out
}
