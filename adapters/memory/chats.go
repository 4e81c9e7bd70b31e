package memory

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

// errTODO marks the chats tables while they are being written.
var errTODO = errors.New("memory: chats not written yet")

type chats unit
type messages unit

func (u *unit) Chats() ports.Chats       { return (*chats)(u) }
func (u *unit) Messages() ports.Messages { return (*messages)(u) }

func (c *chats) Create(ctx context.Context, ch core.Chat) error { return errTODO }
func (c *chats) Get(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	return core.Chat{}, errTODO
}
func (c *chats) ByHash(ctx context.Context, user core.UserID, sha256 string) (core.Chat, error) {
	return core.Chat{}, errTODO
}
func (c *chats) Lock(ctx context.Context, user core.UserID, id core.ChatID) (core.Chat, error) {
	return core.Chat{}, errTODO
}
func (c *chats) Update(ctx context.Context, ch core.Chat) error { return errTODO }
func (c *chats) List(ctx context.Context, user core.UserID, before *core.PageKey, limit int) ([]core.Chat, error) {
	return nil, errTODO
}
func (c *chats) Usage(ctx context.Context, user core.UserID, since time.Time) (int, int64, error) {
	return 0, 0, errTODO
}
func (c *chats) Delete(ctx context.Context, user core.UserID, id core.ChatID, at time.Time) error {
	return errTODO
}
func (c *chats) Restore(ctx context.Context, user core.UserID, id core.ChatID) error { return errTODO }
func (c *chats) ClaimPurge(ctx context.Context, deletedBefore time.Time, limit int) ([]core.ChatID, error) {
	return nil, errTODO
}
func (c *chats) Purge(ctx context.Context, id core.ChatID) error { return errTODO }

func (m *messages) Insert(ctx context.Context, chat core.ChatID, msgs iter.Seq2[core.Message, error]) (int64, error) {
	return 0, errTODO
}
func (m *messages) List(ctx context.Context, chat core.ChatID, filter core.MessageFilter, after *core.SeqKey, limit int) ([]core.Message, error) {
	return nil, errTODO
}
func (m *messages) Purge(ctx context.Context, chat core.ChatID, limit int) (int, error) {
	return 0, errTODO
}
