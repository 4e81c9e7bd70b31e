package insights

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/credits"
	"github.com/chatlens/chatlens/ports"
)

// Job kinds of the module.
const (
	// KindGenerate makes one generation of one insight.
	KindGenerate = "insight.generate"
	// KindMaintain settles insights whose job ended without settling them
	// and removes expired idempotency keys; it runs periodically.
	KindMaintain = "insights.maintain"
)

// generateArgs is a generate job's input: which generation of which
// insight. It is what makes the job unique, so a regenerate is never taken
// for a duplicate of the job that made the generation before.
type generateArgs struct {
	Insight    core.InsightID `json:"insight"`
	Generation int64          `json:"generation"`
}

func encodeGenerateArgs(id core.InsightID, generation int64) ([]byte, error) {
	b, err := json.Marshal(generateArgs{Insight: id, Generation: generation})
	if err != nil {
		return nil, fmt.Errorf("encoding the job's arguments: %w", err)
	}
	return b, nil
}

// Handlers are the module's job handlers, for the runner's configuration.
func (s *Service) Handlers() []ports.JobHandler {
	return []ports.JobHandler{
		{Kind: KindGenerate, MaxAttempts: 3, Timeout: time.Minute, Work: s.generate},
		{Kind: KindMaintain, MaxAttempts: 1, Timeout: 5 * time.Minute, Work: s.maintain},
	}
}

// Periodic are the module's periodic jobs.
func (s *Service) Periodic() []ports.PeriodicJob {
	return []ports.PeriodicJob{{Kind: KindMaintain, Interval: s.cfg.ReconcileEvery}}
}

// generate runs one attempt of a generation. It reads what it needs in
// read-only units, runs the generator outside any transaction (a
// generator may take minutes, or call an AI), and writes the result and
// the job's completion in one unit, where it checks that the generation is
// still the one wanted: an attempt the rescuer gave up on, or a
// generation a regenerate or a chat deletion overtook, writes nothing.
//
// Its errors are *core.JobError: a class, never text from the chat.
func (s *Service) generate(ctx context.Context, run *ports.JobRun) error {
	var args generateArgs
	if err := json.Unmarshal(run.Args, &args); err != nil || args.Insight == "" {
		return &core.JobError{Class: core.ErrClassInternal, Err: fmt.Errorf("decoding the job's arguments: %w", err)}
	}
	var (
		in   core.Insight
		chat core.Chat
		typ  core.InsightType
	)
	chatGone := false
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if in, err = tx.Insights().Get(ctx, args.Insight); err != nil {
			return err
		}
		if in.Status != core.InsightPending || in.Generation != args.Generation {
			return nil
		}
		chat, err = tx.Chats().Get(ctx, in.UserID, in.ChatID)
		if errors.Is(err, core.ErrNotFound) {
			chatGone = true
			return nil
		} else if err != nil {
			return err
		}
		typ, err = tx.Catalog().Type(ctx, in.Type)
		return err
	}, ports.ReadOnly())
	switch {
	case errors.Is(err, core.ErrNotFound): // the insight went with its purged chat
		return nil
	case err != nil:
		return s.failed(ctx, run, args, &core.JobError{Class: core.ErrClassInternal, Err: err})
	case in.Status != core.InsightPending || in.Generation != args.Generation:
		return nil // settled already: nothing to do
	case chatGone:
		// Deleted after the request; the deletion cancels pending insights
		// itself, so this is a deletion that raced the request's commit.
		return run.Complete(ctx, func(ctx context.Context, tx ports.Tx) error {
			return s.settle(ctx, tx, args, core.InsightCancelled, core.ErrClassChatDeleted, run.Attempt, nil)
		}, s.change...)
	}
	gen, ok := s.generators.Get(typ.Generator)
	if !ok {
		return s.failed(ctx, run, args, &core.JobError{Class: core.ErrClassInternal, Err: fmt.Errorf("no generator %q", typ.Generator)})
	}
	doc, err := s.runGenerator(ctx, gen, s.source(chat))
	if err != nil {
		return s.failed(ctx, run, args, err)
	}
	err = run.Complete(ctx, func(ctx context.Context, tx ports.Tx) error {
		return s.settle(ctx, tx, args, core.InsightReady, "", run.Attempt, doc)
	}, s.change...)
	if err != nil {
		return s.failed(ctx, run, args, &core.JobError{Class: core.ErrClassInternal, Err: err})
	}
	return nil
}

// failed records a failed attempt on the insight and returns the error
// for the queue. On the last attempt it fails the insight for good and
// refunds its charge first, in one unit: should this process die before
// the queue hears of it, the queue's rescuer discards the job and the
// maintenance job finds the insight settled already.
func (s *Service) failed(ctx context.Context, run *ports.JobRun, args generateArgs, err error) error {
	class := core.ClassOf(err)
	jerr := &core.JobError{Class: class, Err: err}
	if ctx.Err() != nil && class != core.ErrClassTimeout {
		// The runner is shutting down (or gave up on the attempt): the
		// job is handed back and runs again; nothing to settle.
		return jerr
	}
	// The attempt's own context may be spent (a timeout): settle on one
	// of our own, bounded.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if class.Permanent() {
		// Another attempt would fail alike: the insight fails now, and the
		// job completes with it, in one unit.
		serr := run.Complete(sctx, func(ctx context.Context, tx ports.Tx) error {
			return s.settle(ctx, tx, args, core.InsightFailed, class, run.Attempt, nil)
		}, s.change...)
		if serr != nil {
			return &core.JobError{Class: class, Err: errors.Join(err, serr)}
		}
		return nil
	}
	status := core.InsightPending
	if run.LastAttempt() {
		status = core.InsightFailed
	}
	serr := s.uow.Do(sctx, func(ctx context.Context, tx ports.Tx) error {
		return s.settle(ctx, tx, args, status, class, run.Attempt, nil)
	}, s.change...)
	if serr != nil {
		return &core.JobError{Class: class, Err: errors.Join(err, serr)}
	}
	return jerr
}

// settle moves the insight's generation to status inside tx: ready with
// its result, failed or cancelled with a refund of its charge, or still
// pending with the failed attempt noted. It changes nothing when the
// generation is no longer the pending one (settled by another attempt, or
// overtaken by a new generation). The account is locked before the insight
// (the package's lock order).
func (s *Service) settle(ctx context.Context, tx ports.Tx, args generateArgs, status core.InsightStatus,
	class core.JobErrorClass, attempt int, doc []byte) error {
	_, err := s.settled(ctx, tx, args, status, class, attempt, doc)
	return err
}

// settled is settle, reporting whether it changed the insight.
func (s *Service) settled(ctx context.Context, tx ports.Tx, args generateArgs, status core.InsightStatus,
	class core.JobErrorClass, attempt int, doc []byte) (bool, error) {
	cur, err := tx.Insights().Get(ctx, args.Insight)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	refund := status == core.InsightFailed || status == core.InsightCancelled
	if refund && cur.Cost > 0 {
		if _, err := tx.Credits().Lock(ctx, cur.UserID); err != nil && !errors.Is(err, core.ErrNotFound) {
			return false, fmt.Errorf("locking the credit account: %w", err)
		}
	}
	in, err := tx.Insights().Lock(ctx, args.Insight)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if in.Status != core.InsightPending || in.Generation != args.Generation {
		return false, nil
	}
	now := s.clock.Now()
	in.Status, in.Attempts, in.ErrorClass, in.UpdatedAt = status, max(in.Attempts, attempt), class, now
	if status.Final() {
		in.CompletedAt = now
	}
	if status == core.InsightReady {
		in.Result = doc
	}
	if refund {
		if err := s.refund(ctx, tx, in); err != nil {
			return false, err
		}
	}
	return true, tx.Insights().Update(ctx, in)
}

// refund gives back a generation's charge, once (its reference is the
// generation's). A user deleted meanwhile gets nothing back: a deleted
// account takes no entries; the insight still ends failed or cancelled.
func (s *Service) refund(ctx context.Context, tx ports.Tx, in core.Insight) error {
	if in.Cost <= 0 {
		return nil
	}
	_, err := credits.Apply(ctx, tx, s.clock, s.ids, credits.Change{
		User: in.UserID, Amount: in.Cost, Kind: core.KindRefund, Reference: in.RefundReference(),
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("refunding the insight: %w", err)
	}
	return nil
}

// CancelChat cancels the pending insights of a chat that is being
// deleted, inside the deletion's unit: each is cancelled and refunded and
// its job cancelled, so a deleted chat costs nothing for insights it never
// got. Ready insights stay, and come back with a restore; cancelled ones
// stay cancelled (a new request makes them again).
func (s *Service) CancelChat(ctx context.Context, tx ports.Tx, user core.UserID, chat core.ChatID) error {
	pending, err := tx.Insights().PendingOfChat(ctx, chat)
	if err != nil || len(pending) == 0 {
		return err
	}
	if _, err := tx.Credits().Lock(ctx, user); err != nil {
		return fmt.Errorf("locking the credit account: %w", err)
	}
	for _, p := range pending {
		args := generateArgs{Insight: p.ID, Generation: p.Generation}
		if err := s.settle(ctx, tx, args, core.InsightCancelled, core.ErrClassChatDeleted, p.Attempts, nil); err != nil {
			return err
		}
		if p.JobID != "" {
			if err := tx.Jobs().Cancel(ctx, p.JobID); err != nil {
				return fmt.Errorf("cancelling the insight's job: %w", err)
			}
		}
	}
	return nil
}

// maintain is the periodic job: it settles pending insights whose job
// will never run again (the rescuer discarded it when its worker died on
// the last attempt, or it was cancelled or cleaned away), failing and
// refunding them, and removes expired idempotency keys.
func (s *Service) maintain(ctx context.Context, _ *ports.JobRun) error {
	if _, err := s.Reconcile(ctx); err != nil {
		return &core.JobError{Class: core.ErrClassInternal, Err: err}
	}
	for {
		var n int
		err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			n, err = tx.Idempotency().Expire(ctx, s.clock.Now(), 1000)
			return err
		})
		if err != nil {
			return &core.JobError{Class: core.ErrClassInternal, Err: err}
		}
		if n < 1000 {
			return nil
		}
	}
}

// Reconcile settles the pending insights whose job has ended or is gone,
// and returns how many it settled.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	var pending []core.Insight
	err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		pending, err = tx.Insights().Pending(ctx, s.clock.Now(), s.cfg.ReconcileBatch)
		return err
	}, ports.ReadOnly())
	if err != nil {
		return 0, fmt.Errorf("listing pending insights: %w", err)
	}
	settled := 0
	for _, p := range pending {
		done := false
		err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			done = false
			if p.JobID != "" {
				job, err := tx.Jobs().Get(ctx, p.JobID)
				if err == nil && !job.State.Final() {
					return nil // queued or running: its job settles it
				} else if err != nil && !errors.Is(err, core.ErrNotFound) {
					return err
				}
			}
			args := generateArgs{Insight: p.ID, Generation: p.Generation}
			var err error
			done, err = s.settled(ctx, tx, args, core.InsightFailed, core.ErrClassAbandoned, p.Attempts, nil)
			return err
		}, s.change...)
		if err != nil {
			return settled, fmt.Errorf("settling insight %s: %w", p.ID, err)
		}
		if done {
			settled++
		}
	}
	return settled, nil
}
