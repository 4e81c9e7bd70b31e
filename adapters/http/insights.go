package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/insights"
)

// Insights is what the API needs of the insights module (*insights.Service).
type Insights interface {
	RequestInsight(ctx context.Context, user core.UserID, chatID string, req insights.Request) (insights.View, bool, error)
	Get(ctx context.Context, user core.UserID, chatID, insightID string) (insights.View, error)
	List(ctx context.Context, user core.UserID, chatID, cursor string, limit int) (core.Page[core.Insight], error)
}

// Insight is one insight of a chat: its current generation and where it
// stands.
type Insight struct {
	ID         string          `json:"id" format:"uuid" doc:"The insight's id; it stays the same when the insight is regenerated." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d60"`
	ChatID     string          `json:"chat_id" format:"uuid" doc:"The chat it is about." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	Type       string          `json:"type" doc:"The slug of its insight type (GET /v1/insight-types/{slug})." example:"activity-report"`
	Generation int64           `json:"generation" doc:"How many requests (re)started it: 1 for the first; a regeneration adds one." example:"1"`
	Status     string          `json:"status" enum:"pending,ready,failed,cancelled" doc:"Where the current generation stands: pending (charged, being made), ready (result holds it), failed (its job failed for good; the charge was refunded) or cancelled (its chat was deleted first; refunded). A generation never moves back; only a new request makes the insight pending again."`
	Cost       int64           `json:"cost" doc:"Credits the current generation charged (0: nothing)." example:"5"`
	Attempts   int             `json:"attempts" doc:"Attempts at making the current generation so far." example:"1"`
	ErrorClass string          `json:"error_class,omitempty" enum:"timeout,provider,refused,invalid-output,panic,internal,no-data,abandoned,chat-deleted" doc:"Why the last attempt failed, or why the generation was cancelled: a class, never an error's text (which could quote the chat). timeout (an attempt ran past its type's timeout), provider (the AI provider failed or did not answer), refused (the AI model declined to write it), invalid-output (the output did not validate, even after the AI was asked once more), panic (the generator crashed), internal (anything else of ours), no-data (the chat has nothing to compute it from), abandoned (its job was given up without a final attempt), chat-deleted (the chat was deleted first). Absent when nothing failed."`
	Job        *InsightJob     `json:"job,omitempty"`
	Result     json.RawMessage `json:"result,omitempty" doc:"The insight itself, a JSON object whose members depend on its type's generator; present when ready. The AI-written types' results also say who wrote them (written_by: provider and model), how much of the chat was read (coverage; a note when a long chat was sampled) and the tokens spent (usage)."`
	CreatedAt  time.Time       `json:"created_at" doc:"When it was first requested."`
	UpdatedAt  time.Time       `json:"updated_at" doc:"When it last changed."`
	// CompletedAt is zero until the generation settles.
	CompletedAt time.Time `json:"completed_at,omitzero" doc:"When the current generation became ready, failed or was cancelled; absent while pending."`
}

// TransformSchema states what result is: an object (huma reads a raw JSON
// value as anything at all).
func (Insight) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	s.Properties["result"].Type = huma.TypeObject
	return s
}

// InsightJob is an insight's background job.
type InsightJob struct {
	State       string    `json:"state" enum:"available,scheduled,running,retryable,completed,cancelled,discarded" doc:"available (waiting for a worker), scheduled (waiting for its time: a retry's backoff), running, retryable (an attempt failed; another is scheduled), completed, cancelled, discarded (failed on its last attempt)."`
	Attempt     int       `json:"attempt" doc:"Attempts begun so far." example:"1"`
	MaxAttempts int       `json:"max_attempts" doc:"Attempts it gets." example:"3"`
	ScheduledAt time.Time `json:"scheduled_at" doc:"When it may next run (or last ran)."`
}

// TransformSchema describes the job where it is defined: OpenAPI 3.0 allows
// no description beside a reference.
func (InsightJob) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	s.Description = "The background job making the insight's current generation, as the queue reports it. " +
		"Absent in listings, and once the queue no longer keeps the job (a day after it completed)."
	return s
}

// InsightList is one page of a chat's insights, oldest first.
type InsightList struct {
	Items      []Insight `json:"items" nullable:"false"`
	NextCursor string    `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// RequestInsightRequest asks for an insight of a type.
type RequestInsightRequest struct {
	Type       string `json:"type" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"an insight type's slug" doc:"The slug of an insight type on sale (GET /v1/categories); another is a 422." example:"activity-report"`
	Regenerate bool   `json:"regenerate,omitempty" default:"false" doc:"Make the insight again, and pay for it again, even when it is pending or ready. Without it, a pending or ready insight of this type is answered as it is, free."`
}

type requestInsightInput struct {
	ID             string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	IdempotencyKey string `header:"Idempotency-Key" minLength:"1" maxLength:"200" pattern:"^[!-~]+$" patternDescription:"printable ASCII characters without spaces" doc:"Your unique name for this request, kept 24 hours: sending it again with the same request answers what the first did and charges nothing; with another request (another type, or regenerate) it is a 422. 1 to 200 printable ASCII characters." example:"activity-2025-06-01-a"`
	Body           RequestInsightRequest
}

type insightsInput struct {
	ID     string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	Cursor string `query:"cursor" maxLength:"200" pattern:"^[A-Za-z0-9_-]*$" doc:"next_cursor of the previous page; empty for the first page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
}

type insightInput struct {
	ID        string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	InsightID string `path:"insight_id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The insight's id (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d60"`
}

type requestInsightOutput struct {
	Status   int
	Location string `header:"Location" doc:"Where the insight is: /v1/chats/{id}/insights/{insight_id}."`
	Body     Insight
}

type insightOutput struct {
	Body Insight
}

type insightListOutput struct {
	Body InsightList
}

// insightsResource serves a chat's insights.
type insightsResource struct {
	svc Insights
}

// insightsPath is where a chat's insights are.
const insightsPath = chatsPath + "/{id}/insights"

// errNoInsight is the detail of a 404 of one insight.
const errNoInsight = "you have no chat with that id, or it has no insight with that id"

// registerInsights registers the operations on /v1/chats/{id}/insights.
func registerInsights(api huma.API, svc Insights) {
	r := insightsResource{svc: svc}
	register(api, operation{Operation: huma.Operation{
		OperationID: "request-insight", Method: http.MethodPost, Path: insightsPath, Tags: []string{"insights"},
		Summary: "Request an insight of a chat",
		Description: "Asks for an insight of a type (GET /v1/categories) about one of your chats. A chat has one insight per type. " +
			"When it has none of this type, or its last one failed or was cancelled, the type's cost is charged and the insight starts being made by a background job: " +
			"202 with the pending insight. Poll the Location until its status is ready (with its result) or failed (refunded). " +
			"A pending or ready insight is answered as it is (202 or 200) and nothing is charged, so repeating a request never pays twice; " +
			"`regenerate` starts a new generation and charges again. The charge, the insight and its job are stored together or not at all. " +
			"With an Idempotency-Key, a repeat answers the insight the first request did, as it stands now, and charges nothing. " +
			"A balance below the cost is a 402 (nothing charged, nothing started); another user's chat, a deleted or unknown one a 404; a type not on sale a 422. " +
			"Requests that start an AI-written insight (category ai) are limited per account and hour: 429 with Retry-After beyond.",
		DefaultStatus: http.StatusAccepted,
		Responses: successes(
			success{http.StatusAccepted, "The insight is being made (started now, or by an earlier request).", examplePendingInsight},
			success{http.StatusOK, "The insight is ready (or, for a repeated Idempotency-Key, settled otherwise).", exampleReadyInsight},
		),
	}, Answers: []int{http.StatusPaymentRequired, http.StatusNotFound}}, authed(r.request))
	op := api.OpenAPI().Paths[insightsPath].Post
	// huma documents the output's headers on the default status only.
	op.Responses["200"].Headers = op.Responses["202"].Headers
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-insights", Method: http.MethodGet, Path: insightsPath, Tags: []string{"insights"},
		Summary: "List a chat's insights", Description: "Pages through the chat's insights, oldest first, one per type requested; without their jobs (get one insight for its job).",
		Responses: successes(success{http.StatusOK, "One page of the chat's insights.", InsightList{Items: []Insight{exampleListedInsight}}}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-insight", Method: http.MethodGet, Path: insightsPath + "/{insight_id}", Tags: []string{"insights"},
		Summary: "Get one insight of a chat",
		Description: "The insight with its status, its job while the queue keeps it, and its result once ready. " +
			"Another user's chat, a deleted one, an unknown one and an insight of another chat are all a 404.",
		Responses: successes(success{http.StatusOK, "The insight.", exampleReadyInsight}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.get))
}

func (r insightsResource) request(ctx context.Context, p principal, in *requestInsightInput) (*requestInsightOutput, error) {
	v, _, err := r.svc.RequestInsight(ctx, p.user.ID, in.ID, insights.Request{
		Type: in.Body.Type, Regenerate: in.Body.Regenerate, IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil {
		if errors.Is(err, core.ErrBusy) {
			// Retries that ran out wrap their last cause, which may be a
			// conflict (an idempotency key taken): still contention.
			return nil, fmt.Errorf("%w (%v)", core.ErrBusy, err)
		}
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	status := http.StatusOK
	if v.Status == core.InsightPending {
		status = http.StatusAccepted
	}
	out := toInsightView(v)
	return &requestInsightOutput{Status: status, Location: chatsPath + "/" + out.ChatID + "/insights/" + out.ID, Body: out}, nil
}

func (r insightsResource) list(ctx context.Context, p principal, in *insightsInput) (*insightListOutput, error) {
	page, err := r.svc.List(ctx, p.user.ID, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	out := &insightListOutput{Body: InsightList{Items: make([]Insight, 0, len(page.Items)), NextCursor: page.Next}}
	for _, in := range page.Items {
		out.Body.Items = append(out.Body.Items, toInsight(in))
	}
	return out, nil
}

func (r insightsResource) get(ctx context.Context, p principal, in *insightInput) (*insightOutput, error) {
	v, err := r.svc.Get(ctx, p.user.ID, in.ID, in.InsightID)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoInsight)
	}
	return &insightOutput{Body: toInsightView(v)}, nil
}

// toInsight is an insight on the wire. Its result goes out as stored, not
// decoded and encoded again.
func toInsight(in core.Insight) Insight {
	out := Insight{ID: string(in.ID), ChatID: string(in.ChatID), Type: string(in.Type), Generation: in.Generation,
		Status: string(in.Status), Cost: in.Cost, Attempts: in.Attempts, ErrorClass: string(in.ErrorClass),
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, CompletedAt: in.CompletedAt}
	if in.Status == core.InsightReady && len(in.Result) > 0 {
		out.Result = json.RawMessage(in.Result)
	}
	return out
}

// toInsightView is an insight with its job, when the queue keeps it.
func toInsightView(v insights.View) Insight {
	out := toInsight(v.Insight)
	if j := v.Job; j != nil {
		out.Job = &InsightJob{State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, ScheduledAt: j.ScheduledAt}
	}
	return out
}

// Examples of the document: an activity report requested, then made.
var (
	examplePendingInsight = Insight{
		ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d60", ChatID: exampleChat.ID, Type: "activity-report", Generation: 1,
		Status: string(core.InsightPending), Cost: 5,
		Job:       &InsightJob{State: "available", MaxAttempts: 3, ScheduledAt: exampleTime.Add(6 * time.Hour)},
		CreatedAt: exampleTime.Add(6 * time.Hour), UpdatedAt: exampleTime.Add(6 * time.Hour),
	}
	exampleReadyInsight = func() Insight {
		in := examplePendingInsight
		in.Status, in.Attempts, in.UpdatedAt, in.CompletedAt = string(core.InsightReady), 1, exampleTime.Add(6*time.Hour+2*time.Second), exampleTime.Add(6*time.Hour+2*time.Second)
		in.Job = &InsightJob{State: "completed", Attempt: 1, MaxAttempts: 3, ScheduledAt: exampleTime.Add(6 * time.Hour)}
		in.Result = exampleActivityReport
		return in
	}()
	exampleListedInsight = func() Insight {
		in := exampleReadyInsight
		in.Job = nil
		return in
	}()
	// exampleActivityReport is a result as the activity-report generator
	// writes it, for a chat of two people.
	exampleActivityReport = func() json.RawMessage {
		b, err := json.Marshal(insights.ActivityReport{
			Messages: 4, Participants: 2, Words: 15, First: "2024-03-01", Last: "2024-03-13", DaysActive: 3, SpanDays: 12,
			MessagesPerActiveDay: 1.33, BusiestDay: &insights.DayMessages{Date: "2024-03-01", Messages: 2},
			BusiestWeekday: "Friday", BusiestHour: 9, LongestStreakDays: 2, LongestSilenceDays: 11,
			ByWeekday: [7]int{0, 0, 0, 1, 0, 2, 1}, ByHour: [24]int{8: 1, 9: 2, 21: 1},
			Authors: []insights.AuthorActivity{
				{Name: "Ada", Messages: 2, Share: 0.5, Words: 7, WordsPerMessage: 3.5},
				{Name: "Grace", Messages: 2, Share: 0.5, Words: 8, WordsPerMessage: 4, Emoji: 1},
			},
		})
		if err != nil {
			panic(err)
		}
		return b
	}()
)
