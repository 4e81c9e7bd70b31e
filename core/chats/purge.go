package chats

import (
	"context"
	"errors"
	"fmt"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// purgeClaim is how many chats one purge round claims: few, so that a
// purge cut off midway leaves little for the next to take up.
const purgeClaim = 10

// Purge removes for good the chats deleted more than Retention ago, a
// bounded batch of messages per unit, and returns how many chats it
// removed.
//
// Several purges may run at once (several processes): they claim the
// same chats, share out their messages, and a chat another purge removed
// first is not counted here.
func (s *Service) Purge(ctx context.Context) (int, error) {
	removed := 0
	tried := map[core.ChatID]bool{} // chats this purge went through, gone or not
	for {
		var claimed []core.ChatID
		err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			claimed, err = tx.Chats().ClaimPurge(ctx, s.clock.Now().Add(-s.cfg.Retention), purgeClaim)
			return err
		})
		if err != nil {
			return removed, fmt.Errorf("claiming deleted chats: %w", err)
		}
		if len(claimed) == 0 {
			return removed, nil
		}
		progress := false
		for _, id := range claimed {
			if tried[id] {
				continue
			}
			tried[id], progress = true, true
			gone, err := s.purgeChat(ctx, id)
			if err != nil {
				return removed, fmt.Errorf("purging chat %s: %w", id, err)
			}
			if gone {
				removed++
			}
		}
		if !progress { // storage claims chats a purge went through: never loop on them
			return removed, fmt.Errorf("purging chat %s: still claimed after its purge", claimed[0])
		}
	}
}

// purgeChat deletes a claimed chat's messages a batch per unit, then the
// chat; gone is false when another purge removed the chat first.
func (s *Service) purgeChat(ctx context.Context, id core.ChatID) (gone bool, err error) {
	for {
		var n int
		err := s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
			var err error
			n, err = tx.Messages().Purge(ctx, id, s.cfg.PurgeBatch)
			return err
		})
		if err != nil {
			return false, err
		}
		if n == 0 {
			break
		}
	}
	err = s.uow.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Chats().Purge(ctx, id)
	})
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
