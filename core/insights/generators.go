package insights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatstats"
	"github.com/chatlens/chatlens/ports"
)

// Generator makes one kind of insight from a chat. It returns a document
// that encoding/json can encode (the insight's result), or an error;
// a *core.JobError says its class (anything else is "internal"). It must
// return when ctx ends; one that does not is abandoned (runGenerator).
type Generator interface {
	Generate(ctx context.Context, src Source) (any, error)
}

// GeneratorFunc is a function that is a Generator.
type GeneratorFunc func(ctx context.Context, src Source) (any, error)

// Generate calls f.
func (f GeneratorFunc) Generate(ctx context.Context, src Source) (any, error) { return f(ctx, src) }

// Source is what a generator may read of its chat.
type Source struct {
	Chat core.Chat
	// Statistics returns the chat's statistics, as its import computed
	// them.
	Statistics func(ctx context.Context) (chatstats.Result, error)
	// Messages yields the chat's messages in chat order, a page per unit
	// of work; an error ends it.
	Messages func(ctx context.Context) iter.Seq2[core.Message, error]
}

// StatisticsReader reads a chat's stored statistics (the chats module).
type StatisticsReader interface {
	StatisticsOf(ctx context.Context, user core.UserID, chat core.ChatID) (chatstats.Result, error)
}

// Registry holds the generators by the names insight types give.
type Registry struct {
	byName map[string]Generator
	ai     map[string]bool
}

// NewRegistry returns a registry with the statistical generators.
func NewRegistry() *Registry {
	r := &Registry{byName: map[string]Generator{}, ai: map[string]bool{}}
	r.Register("activity-report", GeneratorFunc(activityReport))
	r.Register("response-times", GeneratorFunc(responseTimes))
	r.Register("reply-graph", GeneratorFunc(replyGraph))
	return r
}

// Register adds a generator; a second one of a name panics (a wiring bug).
func (r *Registry) Register(name string, g Generator) {
	if _, dup := r.byName[name]; dup {
		panic("insights: generator " + name + " registered twice")
	}
	r.byName[name] = g
}

// RegisterAI adds a generator that writes through an AI provider: its
// requests count against Config.AIRequestsPerHour.
func (r *Registry) RegisterAI(name string, g Generator) {
	r.Register(name, g)
	r.ai[name] = true
}

// IsAI reports whether the generator of a name writes through an AI
// provider.
func (r *Registry) IsAI(name string) bool { return r.ai[name] }

// Get returns the generator of a name.
func (r *Registry) Get(name string) (Generator, bool) {
	g, ok := r.byName[name]
	return g, ok
}

// Known reports whether a generator of that name exists (catalog.Generators).
func (r *Registry) Known(name string) bool {
	_, ok := r.byName[name]
	return ok
}

// Names returns the generators' names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// runGenerator runs gen for one attempt and encodes its document. A panic
// becomes ErrClassPanic (its value is never kept: it could quote the
// chat); the attempt's deadline becomes ErrClassTimeout, and a generator
// that ignores it is abandoned to finish on its own, so a hung generator
// never holds a worker past its timeout.
func (s *Service) runGenerator(ctx context.Context, gen Generator, src Source) ([]byte, error) {
	type outcome struct {
		doc any
		err error
	}
	done := make(chan outcome, 1) // buffered: an abandoned generator still finishes
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: &core.JobError{Class: core.ErrClassPanic, Err: errors.New("the generator panicked")}}
			}
		}()
		doc, err := gen.Generate(ctx, src)
		done <- outcome{doc, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		o = outcome{err: ctx.Err()}
	}
	if o.err != nil {
		if errors.Is(o.err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &core.JobError{Class: core.ErrClassTimeout, Err: o.err}
		}
		return nil, o.err
	}
	b, err := json.Marshal(o.doc)
	if err != nil {
		return nil, &core.JobError{Class: core.ErrClassInvalidOutput, Err: fmt.Errorf("encoding the generator's document: %w", err)}
	}
	return b, nil
}

// source is what a generator of chat may read.
func (s *Service) source(chat core.Chat) Source {
	return Source{
		Chat: chat,
		Statistics: func(ctx context.Context) (chatstats.Result, error) {
			return s.stats.StatisticsOf(ctx, chat.User, chat.ID)
		},
		Messages: func(ctx context.Context) iter.Seq2[core.Message, error] {
			return s.messages(ctx, chat)
		},
	}
}

// messages yields a chat's messages a page at a time, each page read in a
// read-only unit of its own, so no transaction stays open while the
// generator works.
func (s *Service) messages(ctx context.Context, chat core.Chat) iter.Seq2[core.Message, error] {
	return func(yield func(core.Message, error) bool) {
		var after *core.SeqKey
		for {
			var page []core.Message
			err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
				if _, err := tx.Chats().Get(ctx, chat.User, chat.ID); err != nil {
					return err
				}
				var err error
				page, err = tx.Messages().List(ctx, chat.ID, core.MessageFilter{}, after, s.cfg.MessagePage)
				return err
			}, ports.ReadOnly())
			if err != nil {
				yield(core.Message{}, err)
				return
			}
			for _, m := range page {
				if !yield(m, nil) {
					return
				}
			}
			if len(page) < s.cfg.MessagePage {
				return
			}
			last := core.SeqKey(page[len(page)-1].Seq)
			after = &last
		}
	}
}
