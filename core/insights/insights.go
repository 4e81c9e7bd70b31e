// Package insights holds the insight use cases: requesting an insight of a
// type for a chat (charged once, made by a background job), reading a
// chat's insights, and the jobs that make them, fail them for good with a
// refund, and reconcile what a crash left behind.
//
// A request is one unit of work at READ COMMITTED with the bounded wait
// (docs/BENCHMARKS.md: a unit whose correctness rests on the row it locks
// first): it locks the credit account first, reads the idempotency key,
// enqueues the new generation's job, unique by (insight, generation),
// starts that generation with a race-safe upsert on (chat, type), and
// charges the type's cost, all in the same transaction. Either all of it commits
// or none: there is never a charge without a job, nor a job without a
// charge.
//
// Lock order, everywhere in this package: the credit account, then the
// insight. A unit that refunds (a failure, a chat deletion) locks the
// account before the insight, as a request does, so the two never wait on
// each other in a cycle.
package insights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/ports"
)

// Config tunes the module. Zero fields take the defaults.
type Config struct {
	// ReconcileEvery is how often the maintenance job looks for pending
	// insights whose job ended without settling them (default 1 minute),
	// and removes expired idempotency keys.
	ReconcileEvery time.Duration
	// ReconcileBatch bounds the insights one pass looks at (default 500).
	ReconcileBatch int
	// MessagePage is how many messages a generator reads per unit of work
	// (default 5,000).
	MessagePage int
	// AIRequestsPerHour caps, per user and per process, the requests that
	// start an AI-written insight (Registry.RegisterAI); 0 is no cap.
	AIRequestsPerHour int
	// MaxJobTimeout, when set, caps an insight type's timeout for its
	// jobs: a job must end before the queue's rescuer takes it for dead
	// (ports.RunnerConfig.RescueAfter), or it would run twice at once.
	MaxJobTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = time.Minute
	}
	if c.ReconcileBatch <= 0 {
		c.ReconcileBatch = 500
	}
	if c.MessagePage <= 0 {
		c.MessagePage = 5000
	}
	return c
}

// Service runs the insight use cases.
type Service struct {
	uow        ports.UnitOfWork
	clock      ports.Clock
	ids        ports.IDs
	generators *Registry
	stats      StatisticsReader
	cfg        Config
	aiLimit    *userLimiter
	// change are the options of every unit that charges, refunds or
	// settles an insight.
	change []ports.UnitOption
}

// NewService returns an insights service making insights with the
// generators of reg.
func NewService(uow ports.UnitOfWork, clock ports.Clock, ids ports.IDs, reg *Registry, stats StatisticsReader, cfg Config) *Service {
	return &Service{
		uow: uow, clock: clock, ids: ids, generators: reg, stats: stats, cfg: cfg.withDefaults(),
		aiLimit: newUserLimiter(cfg.AIRequestsPerHour, clock.Now),
		change:  []ports.UnitOption{ports.WithIsolation(ports.ReadCommitted), ports.WithLock(ports.LockWait)},
	}
}

// Request asks for an insight.
type Request struct {
	Type string
	// Regenerate starts a new generation (and charges for it) even when
	// the insight is pending or ready.
	Regenerate bool
	// IdempotencyKey, when set, makes the request safe to repeat for 24
	// hours: a repeat returns what the first did and charges nothing; the
	// same key with another request is refused.
	IdempotencyKey string
}

// View is an insight with its job as the queue reports it.
type View struct {
	core.Insight
	// Job is the current generation's job; nil when the queue no longer
	// keeps it (completed jobs are cleaned away after a day).
	Job *ports.Job
}

// RequestInsight requests an insight of a type for one of the user's
// chats, and reports whether a new generation started (and was charged).
//
// Without Regenerate, a pending or ready insight of that (chat, type) is
// returned as it is, charging nothing, with or without a key: a client
// that repeats a request never pays twice for one insight. A failed or
// cancelled one (or none) starts a new generation. A key only makes the
// request's outcome repeatable.
func (s *Service) RequestInsight(ctx context.Context, user core.UserID, chatID string, req Request) (View, bool, error) {
	chat, err := parseChatID(chatID)
	if err != nil {
		return View{}, false, err
	}
	typ, err := core.ParseInsightTypeSlug(req.Type)
	if err != nil {
		return View{}, false, core.Invalid("type", "is not an insight type on sale")
	}
	key, err := core.ParseIdempotencyKey(req.IdempotencyKey)
	if err != nil {
		return View{}, false, err
	}
	fp := fingerprint(chat, typ, req.Regenerate)
	var (
		out     View
		started bool
		limited bool // a token of the AI limit is spent on this request
	)
	// admit spends the AI limit's token of a request that starts an AI
	// insight, once however often the unit is replayed.
	admit := func(t core.InsightType) error {
		if limited || !s.generators.IsAI(t.Generator) {
			return nil
		}
		if wait := s.aiLimit.take(user); wait > 0 {
			return &RateLimitError{RetryAfter: wait}
		}
		limited = true
		return nil
	}
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		out, started = View{}, false
		// The account's row lock first (DESIGN.md, row locks): it also
		// queues a user's concurrent requests, so a key's second request
		// finds the first one's record.
		if _, err := tx.Credits().Lock(ctx, user); err != nil {
			return fmt.Errorf("locking the credit account: %w", err)
		}
		now := s.clock.Now()
		if _, err := tx.Chats().Get(ctx, user, chat); err != nil {
			return err
		}
		if key != "" {
			rec, err := tx.Idempotency().Find(ctx, user, key, now)
			switch {
			case err == nil && rec.Fingerprint != fp:
				return core.Invalid("Idempotency-Key", "was used for another request")
			case err == nil:
				in, err := tx.Insights().Get(ctx, core.InsightID(rec.Resource))
				if err != nil {
					return fmt.Errorf("reading the insight of an idempotency key: %w", err)
				}
				out, err = view(ctx, tx, in)
				return err
			case !errors.Is(err, core.ErrNotFound):
				return err
			}
		}
		t, err := tx.Catalog().Type(ctx, typ)
		if errors.Is(err, core.ErrNotFound) || err == nil && !t.Active {
			return core.Invalid("type", "is not an insight type on sale")
		} else if err != nil {
			return err
		}
		in, err := tx.Insights().ByChatType(ctx, chat, typ)
		switch {
		case err == nil && !req.Regenerate && (in.Status == core.InsightPending || in.Status == core.InsightReady):
			// Nothing to start: the insight is made or on its way.
		case err == nil:
			if err := admit(t); err != nil {
				return err
			}
			if in, err = s.start(ctx, tx, user, chat, t, &in, now); err != nil {
				return err
			}
			started = true
		case errors.Is(err, core.ErrNotFound):
			if err := admit(t); err != nil {
				return err
			}
			if in, err = s.start(ctx, tx, user, chat, t, nil, now); err != nil {
				return err
			}
			started = true
		default:
			return err
		}
		if key != "" {
			_, created, err := tx.Idempotency().Claim(ctx, core.IdempotencyRecord{
				UserID: user, Key: key, Fingerprint: fp, Resource: string(in.ID),
				CreatedAt: now, ExpiresAt: now.Add(core.IdempotencyTTL),
			}, now)
			if err != nil {
				return err
			}
			if !created {
				// Another request stored the key first, which the account
				// lock should have prevented: retry, and find its record.
				return &ports.RetryableError{Reason: "idempotency_key_taken", Err: core.ErrConflict}
			}
		}
		out, err = view(ctx, tx, in)
		return err
	}, s.change...)
	if limited && (err != nil || !started) {
		s.aiLimit.refund(user) // nothing started after all
	}
	if err != nil {
		return View{}, false, err
	}
	return out, started, nil
}

// start charges for a new generation of the (chat, type) insight, enqueues
// its job and starts it, inside the request's unit. prior is the insight
// as the unit read it (nil when there is none).
//
// The job goes in first, so the insight is written once, with its job's
// id: the job's arguments name the generation, which the account's row
// lock makes known in advance (only the chat's owner starts its insights,
// and the owner's requests queue on that lock). Should the upsert still
// find another generation, the unit is replayed.
func (s *Service) start(ctx context.Context, tx ports.Tx, user core.UserID, chat core.ChatID, t core.InsightType,
	prior *core.Insight, now time.Time) (core.Insight, error) {
	id, generation := core.InsightID(s.ids.NewID()), int64(1)
	if prior != nil {
		id, generation = prior.ID, prior.Generation+1
	}
	args, err := encodeGenerateArgs(id, generation)
	if err != nil {
		return core.Insight{}, err
	}
	timeout := t.Timeout
	if s.cfg.MaxJobTimeout > 0 {
		timeout = min(timeout, s.cfg.MaxJobTimeout)
	}
	jobID, _, err := tx.Jobs().Enqueue(ctx, ports.NewJob{
		Kind: KindGenerate, Args: args, Unique: true, MaxAttempts: t.MaxAttempts, Timeout: timeout,
	})
	if err != nil {
		return core.Insight{}, fmt.Errorf("enqueueing the insight's job: %w", err)
	}
	in, err := tx.Insights().Start(ctx, core.Insight{
		ID: id, UserID: user, ChatID: chat, Type: t.Slug,
		Generation: 1, Status: core.InsightPending, Cost: t.Cost, JobID: jobID,
		CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return core.Insight{}, fmt.Errorf("starting the insight: %w", err)
	}
	if in.ID != id || in.Generation != generation {
		return core.Insight{}, &ports.RetryableError{Reason: "insight_started_meanwhile", Err: core.ErrConflict}
	}
	if t.Cost > 0 {
		_, err := credits.Apply(ctx, tx, s.clock, s.ids, credits.Change{
			User: user, Amount: -t.Cost, Kind: core.KindSpend, Reference: in.ChargeReference(),
		})
		if err != nil {
			return core.Insight{}, err
		}
	}
	return in, nil
}

// Get returns one insight of one of the user's live chats.
func (s *Service) Get(ctx context.Context, user core.UserID, chatID, insightID string) (View, error) {
	chat, err := parseChatID(chatID)
	if err != nil {
		return View{}, err
	}
	id, ok := core.ParseID(insightID)
	if !ok {
		return View{}, fmt.Errorf("insight: %w", core.ErrNotFound)
	}
	var out View
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().Get(ctx, user, chat); err != nil {
			return err
		}
		in, err := tx.Insights().Get(ctx, core.InsightID(id))
		if err != nil {
			return fmt.Errorf("insight: %w", err)
		}
		if in.ChatID != chat || in.UserID != user {
			return fmt.Errorf("insight: %w", core.ErrNotFound)
		}
		out, err = view(ctx, tx, in)
		return err
	}, ports.ReadOnly())
	return out, err
}

// List returns one page of a live chat's insights, oldest first.
func (s *Service) List(ctx context.Context, user core.UserID, chatID, cursor string, limit int) (core.Page[core.Insight], error) {
	chat, err := parseChatID(chatID)
	if err != nil {
		return core.Page[core.Insight]{}, err
	}
	after, limit, err := core.PageQuery(cursor, limit)
	if err != nil {
		return core.Page[core.Insight]{}, err
	}
	var rows []core.Insight
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().Get(ctx, user, chat); err != nil {
			return err
		}
		var err error
		rows, err = tx.Insights().List(ctx, chat, after, limit+1)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return core.Page[core.Insight]{}, err
	}
	return core.NewPage(rows, limit, func(last core.Insight) string { return core.EncodeCursor(last.PageKey()) }), nil
}

// view reads the insight's job, when the queue still has it.
func view(ctx context.Context, tx ports.Tx, in core.Insight) (View, error) {
	v := View{Insight: in}
	if in.JobID == "" {
		return v, nil
	}
	job, err := tx.Jobs().Get(ctx, in.JobID)
	switch {
	case err == nil:
		v.Job = &job
	case !errors.Is(err, core.ErrNotFound):
		return View{}, fmt.Errorf("reading the insight's job: %w", err)
	}
	return v, nil
}

// parseChatID makes a chat id from input canonical; anything else names no
// chat.
func parseChatID(s string) (core.ChatID, error) {
	id, ok := core.ParseID(s)
	if !ok {
		return "", fmt.Errorf("chat: %w", core.ErrNotFound)
	}
	return core.ChatID(id), nil
}

// fingerprint identifies a request for its idempotency key: the operation
// and everything in it that changes what it does.
func fingerprint(chat core.ChatID, typ core.InsightTypeSlug, regenerate bool) string {
	h := sha256.Sum256([]byte("POST /v1/chats/" + string(chat) + "/insights\x00" + string(typ) + "\x00" + strconv.FormatBool(regenerate)))
	return hex.EncodeToString(h[:])
}
