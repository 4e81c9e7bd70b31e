// Package local is the AI provider chatlens uses when no AI server is
// configured: it implements ports.AI without a network or a model. It
// reads back the data blocks of the prompts core/aiinsight writes (the
// transcript of a map, the partial answers of a reduce) and answers each
// task with classic text statistics:
//
//   - summary: an extractive summary, the sentences most central to the
//     chat by TF-IDF (TextRank on small chats, centroid similarity on large
//     ones), quoted and cited;
//   - topics: the words a part of the chat uses far more than the rest of
//     it (TF-IDF over windows of the chat), grouped by co-occurrence;
//   - tone: a small sentiment lexicon per language, scored per pair of
//     participants.
//
// Its answers have the shapes and limits core/aiinsight validates, and fit
// the request's output bound as EstimateTokens counts it.
//
// It is deterministic: the same request gives the same text, byte for byte.
// Nothing in it reads the clock or a random source, every map it builds is
// read through a sorted or first-seen order, and floating-point sums run in
// a fixed order, so an insight made twice is the same insight, and tests
// and caches can rely on it.
package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/ports"
)

// What Info says.
const (
	Provider = "local"
	Model    = "chatlens-local-1"
	// ContextTokens is generous: the adapter reads any prompt in linear
	// time, so only the callers' planning needs a bound.
	ContextTokens = 128000
	// MaxOutputTokens is the bound on an answer when a request sets none.
	MaxOutputTokens = 4096
)

// Adapter is the local AI provider. Its zero value is ready to use; it
// holds no state, so one Adapter serves any number of goroutines.
type Adapter struct{}

// New returns the local AI provider.
func New() *Adapter { return &Adapter{} }

var _ ports.AI = (*Adapter)(nil)

// Info describes the adapter.
func (*Adapter) Info() ports.AIInfo {
	return ports.AIInfo{Provider: Provider, Model: Model, ContextTokens: ContextTokens, MaxOutputTokens: MaxOutputTokens}
}

// The causes of the errors Complete returns, wrapped in a port error. None
// quotes the prompt.
var (
	errTask       = errors.New("local: the task is not one the local provider knows")
	errTranscript = errors.New("local: the prompt has no readable transcript block")
	errPartials   = errors.New("local: the prompt has no readable partials block")
	errEmpty      = errors.New("local: the prompt holds nothing to answer from")
	errTooSmall   = errors.New("local: no answer fits the output bound")
)

func unavailable(cause error) error { return fmt.Errorf("%w: %w", ports.ErrAIUnavailable, cause) }

// Complete answers the request's task from the data blocks of its prompt.
// A repair is answered as the task it repairs: the repair prompt ends with
// the original one, whose blocks are the last in it.
func (a *Adapter) Complete(ctx context.Context, req ports.AIRequest) (ports.AIResponse, error) {
	if err := ctx.Err(); err != nil {
		return ports.AIResponse{}, err
	}
	kind, stage, _ := aiinsight.ParseTask(req.Task)
	bound := req.MaxOutputTokens
	if bound <= 0 {
		bound = MaxOutputTokens
	}
	var (
		d   draft
		err error
	)
	switch stage {
	case aiinsight.StageMap:
		d, err = mapDraft(ctx, kind, req.Prompt)
	case aiinsight.StageReduce:
		d, err = reduceDraft(ctx, kind, req.Prompt)
	default:
		err = unavailable(errTask)
	}
	if err != nil {
		return ports.AIResponse{}, err
	}
	text, err := fit(d, bound)
	if err != nil {
		return ports.AIResponse{}, err
	}
	return ports.AIResponse{
		Text: text,
		Usage: ports.AIUsage{
			PromptTokens: aiinsight.EstimateTokens(req.System + req.Prompt),
			OutputTokens: aiinsight.EstimateTokens(text),
		},
	}, nil
}

func mapDraft(ctx context.Context, kind, prompt string) (draft, error) {
	if !knownKind(kind) {
		return nil, unavailable(errTask)
	}
	// A prompt whose last block is partials is a reduce whatever its task
	// says, and Validate would judge the answer as one.
	if aiinsight.IsReduce(prompt) {
		return nil, unavailable(errTranscript)
	}
	lines, err := aiinsight.DecodeTranscript(prompt)
	if err != nil {
		return nil, unavailable(errTranscript)
	}
	switch kind {
	case aiinsight.KindSummary:
		return summaryMap(ctx, lines)
	case aiinsight.KindTopics:
		return topicsMap(ctx, lines)
	}
	return toneMap(ctx, lines)
}

func reduceDraft(ctx context.Context, kind, prompt string) (draft, error) {
	if !knownKind(kind) {
		return nil, unavailable(errTask)
	}
	ps, err := aiinsight.DecodePartials(prompt)
	if err != nil {
		return nil, unavailable(errPartials)
	}
	switch kind {
	case aiinsight.KindSummary:
		return summaryReduce(ctx, ps)
	case aiinsight.KindTopics:
		return topicsReduce(ctx, ps)
	}
	return toneReduce(ctx, ps)
}

func knownKind(kind string) bool {
	return kind == aiinsight.KindSummary || kind == aiinsight.KindTopics || kind == aiinsight.KindTone
}

// decodeResults decodes the partials' results as T. A result that is not
// one is the prompt's fault: the caller made it from answers it validated.
func decodeResults[T any](ps []aiinsight.Partial) ([]T, error) {
	out := make([]T, len(ps))
	for i, p := range ps {
		if err := json.Unmarshal(p.Result, &out[i]); err != nil {
			return nil, unavailable(errPartials)
		}
	}
	return out, nil
}

// partialWeights are the partials' message counts; a partial that does not
// say (0) weighs as much as the known ones do on average, or 1 when none
// is known.
func partialWeights(ps []aiinsight.Partial) []float64 {
	known, sum := 0, 0.0
	for _, p := range ps {
		if p.Messages > 0 {
			known++
			sum += float64(p.Messages)
		}
	}
	fill := 1.0
	if known > 0 {
		fill = sum / float64(known)
	}
	w := make([]float64, len(ps))
	for i, p := range ps {
		w[i] = fill
		if p.Messages > 0 {
			w[i] = float64(p.Messages)
		}
	}
	return w
}

// draft is an answer that can be made smaller: fit shrinks it until its
// JSON fits the output bound.
type draft interface {
	// answer is the draft as it stands, a Summary, Topics or Tone.
	answer() any
	// shrink makes the answer smaller, dropping what matters least first;
	// it reports false when nothing is left to drop.
	shrink() bool
}

// fit returns the draft's JSON once it fits bound tokens.
func fit(d draft, bound int) (string, error) {
	for {
		text, err := marshal(d.answer())
		if err != nil {
			return "", unavailable(err)
		}
		if aiinsight.EstimateTokens(text) <= bound {
			return text, nil
		}
		if !d.shrink() {
			return "", fmt.Errorf("%w: %w", ports.ErrAITruncated, errTooSmall)
		}
	}
}

// marshal writes v as compact JSON; '<', '>' and '&' stay as they are,
// since the \u escapes would cost tokens and help no reader of an answer.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// ticker checks a context every so many steps: often enough that a
// cancelled request ends within a millisecond or so, rarely enough to cost
// nothing.
type ticker struct {
	ctx context.Context
	n   int
}

func (t *ticker) tick() error {
	t.n++
	if t.n&255 != 0 {
		return nil
	}
	return t.ctx.Err()
}
