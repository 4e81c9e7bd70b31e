// Package aiinsight makes the insights a language model writes: a
// summary, the main topics and the tone between participants, through the
// AI port (ports.AI), whichever adapter answers it (a hosted or local
// OpenAI-compatible server, or the offline local adapter).
//
// A chat of any length fits the model's context: a planner (NewPlan)
// splits its messages into chunks that fit the budget by an estimate that
// errs high (EstimateTokens), each chunk is answered on its own (map), and
// the answers are combined a few at a time until one is left (reduce).
// The calls of one insight are capped; beyond the cap the planner reads
// chunks spread evenly over the chat, and the insight says so.
//
// Every answer is validated before it is used (Validate): its shape, its
// limits, and that it cites only messages and names only people its
// prompt showed. An answer that fails is asked for again once, with a
// repair prompt that says what was wrong; one that fails again fails the
// insight with the class invalid-output, and the insights module refunds
// it. Nothing of a prompt or an answer reaches an error or a log: errors
// are classes (core.JobError).
//
// Privacy: a prompt holds the text of one chat (Source) and nothing else;
// the adapter decides where it goes (the local adapter sends nothing
// anywhere). The insight records which provider and model wrote it.
package aiinsight

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"text/template"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/insights"
	"github.com/chatlens/chatlens/ports"
)

//go:embed prompts/*.tmpl
var promptFiles embed.FS

// Config tunes the generators. Zero fields take the defaults.
type Config struct {
	// MaxCalls caps the model calls of one insight, maps and reduces
	// (default 16); each may have one repair besides.
	MaxCalls int
	// Concurrency is how many calls of one insight run at once (default
	// 2).
	Concurrency int
}

func (c Config) withDefaults() Config {
	if c.MaxCalls <= 0 {
		c.MaxCalls = 16
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	return c
}

// Generator names, as insight types name them (core.InsightType.Generator).
const (
	GeneratorSummary = "ai-summary"
	GeneratorTopics  = "ai-topics"
	GeneratorTone    = "ai-tone"
)

// Register adds the AI generators, writing through ai, to reg. It
// refuses a budget in which no plan fits (the model's context too small
// for its own output bound and the prompts), so a misconfiguration stops
// the service at start-up, not at the first insight.
func Register(reg *insights.Registry, ai ports.AI, cfg Config) error {
	cfg = cfg.withDefaults()
	for name, kind := range map[string]string{
		GeneratorSummary: KindSummary, GeneratorTopics: KindTopics, GeneratorTone: KindTone,
	} {
		g, err := newGenerator(ai, kind, cfg)
		if err != nil {
			return err
		}
		reg.RegisterAI(name, g)
	}
	return nil
}

// generator makes one kind of AI insight.
type generator struct {
	ai     ports.AI
	kind   string
	cfg    Config
	tmpl   *template.Template
	system string
	budget Budget
}

func newGenerator(ai ports.AI, kind string, cfg Config) (*generator, error) {
	tmpl, err := template.New(kind).ParseFS(promptFiles, "prompts/"+kind+".tmpl", "prompts/repair.tmpl")
	if err != nil {
		return nil, fmt.Errorf("aiinsight: the %s prompts: %w", kind, err)
	}
	g := &generator{ai: ai, kind: kind, cfg: cfg, tmpl: tmpl}
	if g.system, err = g.render("system", nil); err != nil {
		return nil, err
	}
	info := ai.Info()
	g.budget = Budget{
		ContextTokens: info.ContextTokens, OutputTokens: info.MaxOutputTokens,
		Overhead: g.overhead(), MaxCalls: cfg.MaxCalls,
	}
	if err := g.budget.Check(); err != nil {
		return nil, fmt.Errorf("AI insights cannot be planned with %s's budget: %w", info.Model, err)
	}
	return g, nil
}

// overhead is a prompt's cost besides its data: the system message, the
// larger of the map and reduce templates, and a repair's additions (its
// template and the echo of the answer, cut to repairEcho tokens).
func (g *generator) overhead() int {
	largest := 0
	for _, stage := range []string{StageMap, StageReduce} {
		s, _ := g.render(stage, promptData{Part: 999, Parts: 999})
		largest = max(largest, EstimateTokens(s))
	}
	repair, _ := g.render("repair", repairData{Problem: strings.Repeat("x", 200)})
	return EstimateTokens(g.system) + largest + EstimateTokens(repair) + repairEcho
}

// repairEcho bounds the tokens of a bad answer a repair prompt quotes.
const repairEcho = 512

type promptData struct {
	Part, Parts int
	Data        string
}

type repairData struct {
	Problem, Answer, Prompt string
}

func (g *generator) render(name string, data any) (string, error) {
	var b strings.Builder
	if err := g.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("aiinsight: rendering the %s %s prompt: %w", g.kind, name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// Document is an AI insight's result: the kind's answer (Summary, Topics
// or Tone) with these members beside it.
type Document struct {
	WrittenBy Author   `json:"written_by"`
	Coverage  Coverage `json:"coverage"`
	Usage     Usage    `json:"usage"`
}

// Author is who wrote an insight.
type Author struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// Coverage is how much of the chat the insight read.
type Coverage struct {
	// Messages counts the chat's messages with words of a participant
	// (what a prompt can show), and MessagesRead those the insight read.
	Messages     int `json:"messages"`
	MessagesRead int `json:"messages_read"`
	// Parts is how many chunks the chat makes, PartsRead how many were
	// read; fewer when the call cap made the insight sample the chat.
	Parts     int  `json:"parts"`
	PartsRead int  `json:"parts_read"`
	Sampled   bool `json:"sampled"`
	// CutMessages counts messages too long for one call, cut to fit.
	CutMessages int `json:"cut_messages"`
	// Calls counts the model calls made, repairs included.
	Calls int `json:"calls"`
	// Note says in words what was left out, when anything was.
	Note string `json:"note,omitempty"`
}

// Usage is the tokens the insight's calls used, as the provider counted.
type Usage struct {
	PromptTokens int `json:"prompt_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Generate makes the insight of src's chat. Its errors are classes
// (classify), but for the runner's own cancellation.
func (g *generator) Generate(ctx context.Context, src insights.Source) (any, error) {
	doc, err := g.generate(ctx, src)
	if err != nil {
		return nil, classify(err)
	}
	return doc, nil
}

func (g *generator) generate(ctx context.Context, src insights.Source) (any, error) {
	sizes, err := g.sizes(ctx, src)
	if err != nil {
		return nil, err
	}
	if len(sizes) == 0 {
		return nil, &core.JobError{Class: core.ErrClassNoData, Err: errors.New("the chat has no words of a participant")}
	}
	plan, err := NewPlan(sizes, g.budget)
	if err != nil {
		return nil, &core.JobError{Class: core.ErrClassInternal, Err: err}
	}
	chunks, err := g.read(ctx, src, plan)
	if err != nil {
		return nil, err
	}
	run := &run{g: g}
	answers, err := run.maps(ctx, chunks)
	if err != nil {
		return nil, err
	}
	final, err := run.reduce(ctx, answers)
	if err != nil {
		return nil, err
	}
	return g.document(final.Result, plan, len(sizes), run)
}

// sizes is the first pass over the chat: each line's cost, nothing kept
// of its text.
func (g *generator) sizes(ctx context.Context, src insights.Source) ([]int, error) {
	var sizes []int
	for m, err := range src.Messages(ctx) {
		if err != nil {
			return nil, err
		}
		if l, ok := lineOf(m); ok {
			sizes = append(sizes, l.Tokens())
		}
	}
	return sizes, nil
}

// read is the second pass: the lines of the chunks the plan reads, each
// cut to a chunk's budget. A chat's messages do not change after its
// import, so the passes agree.
func (g *generator) read(ctx context.Context, src insights.Source, plan Plan) ([][]Line, error) {
	out := make([][]Line, len(plan.Chunks))
	limit := g.budget.ChunkTokens()
	i, c := 0, 0
	for m, err := range src.Messages(ctx) {
		if err != nil {
			return nil, err
		}
		l, ok := lineOf(m)
		if !ok {
			continue
		}
		for c < len(plan.Chunks) && i >= plan.Chunks[c].To {
			c++
		}
		if c == len(plan.Chunks) {
			break
		}
		if i >= plan.Chunks[c].From {
			if l.Tokens() > limit {
				l.Text, _ = cutToTokens(l.Text, limit-(l.Tokens()-EstimateTokens(l.Text)))
				l.Text += "…"
			}
			out[c] = append(out[c], l)
		}
		i++
	}
	return out, nil
}

func (g *generator) document(final json.RawMessage, plan Plan, messages int, r *run) (any, error) {
	var doc map[string]any
	if err := json.Unmarshal(final, &doc); err != nil {
		return nil, &core.JobError{Class: core.ErrClassInternal, Err: err}
	}
	info := g.ai.Info()
	meta := Document{
		WrittenBy: Author{Provider: info.Provider, Model: info.Model},
		Coverage: Coverage{
			Messages: messages, MessagesRead: plan.Lines(), Parts: plan.Total, PartsRead: len(plan.Chunks),
			Sampled: plan.Sampled(), CutMessages: plan.Cut, Calls: r.calls,
		},
		Usage: Usage{PromptTokens: r.usage.PromptTokens, OutputTokens: r.usage.OutputTokens},
	}
	if plan.Sampled() {
		meta.Coverage.Note = fmt.Sprintf("The chat is too long to read whole within %d model calls: %d of its %d parts (%d of %d messages), spread evenly over it, were read.",
			g.cfg.MaxCalls, len(plan.Chunks), plan.Total, plan.Lines(), messages)
	}
	doc["written_by"], doc["coverage"], doc["usage"] = meta.WrittenBy, meta.Coverage, meta.Usage
	return doc, nil
}

// run is one insight's calls: it counts them and their tokens.
type run struct {
	g     *generator
	mu    sync.Mutex
	calls int
	usage ports.AIUsage
}

// maps answers each chunk, Concurrency at a time; the first failure
// stops the rest.
func (r *run) maps(ctx context.Context, chunks [][]Line) ([]Partial, error) {
	out := make([]Partial, len(chunks))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, r.g.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, lines := range chunks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			part := 0
			if len(chunks) > 1 {
				part = i + 1
			}
			res, err := r.call(ctx, StageMap, promptData{Part: part, Parts: len(chunks), Data: transcript(lines)})
			if err != nil {
				cancel(err)
				return
			}
			out[i] = Partial{Messages: len(lines), Result: res}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// reduce combines answers FanIn at a time until one is left.
func (r *run) reduce(ctx context.Context, answers []Partial) (Partial, error) {
	fanIn := r.g.budget.FanIn()
	for len(answers) > 1 {
		var next []Partial
		for start := 0; start < len(answers); start += fanIn {
			group := answers[start:min(start+fanIn, len(answers))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			data, err := partials(group)
			if err != nil {
				return Partial{}, &core.JobError{Class: core.ErrClassInternal, Err: err}
			}
			res, err := r.call(ctx, StageReduce, promptData{Parts: len(group), Data: data})
			if err != nil {
				return Partial{}, err
			}
			n := 0
			for _, p := range group {
				n += p.Messages
			}
			next = append(next, Partial{Messages: n, Result: res})
		}
		answers = next
	}
	return answers[0], nil
}

// call asks for one answer and validates it; an answer that does not
// validate, or was cut at its bound, is asked for once more with a repair
// prompt. It returns the answer as JSON, re-encoded from its validated
// form (so nothing the shape does not hold is kept).
func (r *run) call(ctx context.Context, stage string, data promptData) (json.RawMessage, error) {
	g := r.g
	prompt, err := g.render(stage, data)
	if err != nil {
		return nil, &core.JobError{Class: core.ErrClassInternal, Err: err}
	}
	task := Task(g.kind, stage)
	answer, err := r.complete(ctx, task, prompt)
	var v any
	if err == nil {
		v, err = Validate(g.kind, prompt, answer)
	}
	var bad *InvalidError
	switch {
	case errors.As(err, &bad), errors.Is(err, ports.ErrAITruncated):
		problem := "it was cut off at its length limit; answer more briefly"
		if bad != nil {
			problem = bad.Problem
		}
		echo, _ := cutToTokens(answer, repairEcho)
		repair, rerr := g.render("repair", repairData{Problem: problem, Answer: echo, Prompt: prompt})
		if rerr != nil {
			return nil, &core.JobError{Class: core.ErrClassInternal, Err: rerr}
		}
		answer, err = r.complete(ctx, task+repairSuffix, repair)
		if err == nil {
			v, err = Validate(g.kind, prompt, answer)
		}
		if errors.As(err, &bad) || errors.Is(err, ports.ErrAITruncated) {
			return nil, &core.JobError{Class: core.ErrClassInvalidOutput, Err: err}
		}
	}
	if err != nil {
		return nil, classify(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &core.JobError{Class: core.ErrClassInternal, Err: err}
	}
	return b, nil
}

func (r *run) complete(ctx context.Context, task, prompt string) (string, error) {
	resp, err := r.g.ai.Complete(ctx, ports.AIRequest{
		Task: task, System: r.g.system, Prompt: prompt, MaxOutputTokens: r.g.budget.OutputTokens, JSON: true,
	})
	r.mu.Lock()
	r.calls++
	r.usage = r.usage.Add(resp.Usage)
	r.mu.Unlock()
	return resp.Text, err
}

// classify turns an AI port's error into the insight's error class.
func classify(err error) error {
	var je *core.JobError
	switch {
	case errors.As(err, &je):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return &core.JobError{Class: core.ErrClassTimeout, Err: err}
	case errors.Is(err, context.Canceled):
		return err // the runner is stopping: the job is handed back
	case errors.Is(err, ports.ErrAIRefused):
		return &core.JobError{Class: core.ErrClassRefused, Err: err}
	case errors.Is(err, ports.ErrAIUnavailable):
		return &core.JobError{Class: core.ErrClassProvider, Err: err}
	}
	return &core.JobError{Class: core.ErrClassInternal, Err: err}
}
