package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Defaults is the catalog a new deployment starts with. On PostgreSQL the
// migration 20261217000001_insights seeds it (TestDefaultsMatchTheMigration
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
	return cats, types
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
