package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Defaults is the catalog a new deployment starts with. On PostgreSQL the
// migrations 20261217000001_insights and 20261218000001_ai_insights seed it (TestDefaultsMatchTheMigration
// holds the two to each other); the memory adapter starts empty and Seed
// fills it.
func Defaults() ([]core.InsightCategory, []core.InsightType) {
	const computed = "\nComputed from the messages alone: nothing leaves the server."
	cats := []core.InsightCategory{
		{Slug: "activity", Name: "Activity", Position: 10, Version: 1,
			Description: "When the chat is alive: how many messages are sent, by whom, on which days and at which hours."},
		{Slug: "conversation", Name: "Conversation", Position: 20, Version: 1,
			Description: "How people talk to each other: who answers whom, how fast, and who gets a conversation going."},
	}
	types := []core.InsightType{
		{Slug: "activity-report", Category: "activity", Name: "Activity report", Cost: 5, Generator: "activity-report",
			Description: "Messages per participant, per day of the week and per hour of the day, the busiest days and the quiet stretches." + computed},
		{Slug: "response-times", Category: "conversation", Name: "Response times and conversation starters", Cost: 8, Generator: "response-times",
			Description: "How long each participant takes to answer, typically and at worst, and who starts conversations after a silence." + computed},
		{Slug: "who-replies-to-whom", Category: "conversation", Name: "Who replies to whom", Cost: 8, Generator: "reply-graph",
			Description: "For each participant, whose messages they answer and how often: the threads that hold the chat together." + computed},
	}
	for i := range types {
		types[i].Timeout, types[i].MaxAttempts, types[i].Active, types[i].Version = time.Minute, 3, true, 1
	}
	cats = append(cats, core.InsightCategory{Slug: "ai", Name: "Written by AI", Position: 30, Version: 1,
		Description: "Read by a language model: what the chat is about, its main subjects, and the tone between the people in it.\n" +
			"The chat's text goes to the AI provider this service is configured with, or, when none is, to a built-in writer that runs on the server and sends nothing anywhere."})
	ai := []core.InsightType{
		{Slug: "main-topics", Category: "ai", Name: "Main topics", Cost: 15, Generator: "ai-topics",
			Description: "The subjects the chat spends its messages on: a label, keywords, the share of the messages on each, and typical messages."},
		{Slug: "tone", Category: "ai", Name: "Tone between participants", Cost: 15, Generator: "ai-tone",
			Description: "How each participant writes to each other one, from hostile to warm, with the messages that show it, and the tone of the chat overall."},
		{Slug: "summary", Category: "ai", Name: "Summary", Cost: 20, Generator: "ai-summary",
			Description: "What the conversation is about in a few sentences, and its key points, each citing the messages it rests on."},
	}
	for i := range ai {
		// An attempt may make many model calls: the longest timeout the
		// catalog allows.
		ai[i].Timeout, ai[i].MaxAttempts, ai[i].Active, ai[i].Version = core.MaxInsightTimeout, 3, true, 1
	}
	return cats, append(types, ai...)
}

// Seed stores the default categories and types that are missing, leaving
// those that exist (an admin's edits) alone.
func (s *Service) Seed(ctx context.Context) error {
	cats, types := Defaults()
	for _, c := range cats {
		if _, _, err := s.PutCategory(ctx, c, NoVersion); err != nil && !errors.Is(err, ErrPreconditionRequired) {
			return err
		}
	}
	for _, t := range types {
		if _, _, err := s.PutType(ctx, t, NoVersion); err != nil && !errors.Is(err, ErrPreconditionRequired) {
			return err
		}
	}
	return nil
}
