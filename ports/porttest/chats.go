package porttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

func init() { register("Chats", runChats) }

func runChats(t *testing.T, newDatabase NewDatabase) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, ports.UnitOfWork)
	}{
		{"CreateGetListNewestFirst", testChatRows},
		{"AnotherUsersChatIsNotFound", testChatOwnership},
		{"UpdateWritesItsFieldsOnly", testChatUpdate},
		{"StatisticsKeptApart", testChatStatistics},
		{"UsageCountsDeletedUploadsAndLiveBytes", testChatUsage},
		{"SameFileOneLiveChat", testChatSameFile},
		{"MessagesRoundTripInSeqOrder", testMessagesRoundTrip},
		{"FailedImportLeavesNothing", testFailedImport},
		{"MessageFiltersAndSeqPages", testMessageFilters},
		{"DeleteAndRestoreTheGroup", testChatDeleteRestore},
		{"UserDeleteCascadesToChats", testChatUserCascade},
		{"PurgeTakesClaimedChatsOnly", testChatPurge},
		{"ReadOnlyUnitRefusesChatWrites", testChatsReadOnly},
		{"AbortedUnitKeepsNoChat", testChatsAborted},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, store(t, newDatabase, options(ports.LockNoWait, 3)))
		})
	}
	for _, tp := range topologies {
		t.Run("ConcurrentUploadsOneFileOneChat/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testConcurrentUploads(t, tp.open(t, newDatabase, options(ports.LockWait, 20)))
		})
		t.Run("ImportInvisibleUntilCommit/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testImportInvisible(t, tp.open(t, newDatabase, options(ports.LockWait, 3)))
		})
		t.Run("MessagePagesStableWhileAnotherChatImports/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testMessagePagesStable(t, tp.open(t, newDatabase, options(ports.LockWait, 3)))
		})
		t.Run("ConcurrentRestoreAndClaimNeverBoth/"+tp.name, func(t *testing.T) {
			t.Parallel()
			testRestoreOrClaim(t, tp.open(t, newDatabase, options(ports.LockWait, 30)))
		})
		for _, p := range policies {
			t.Run("ConcurrentRenamesNoLostUpdate/"+p.String()+"/"+tp.name, func(t *testing.T) {
				t.Parallel()
				testConcurrentRenames(t, tp.open(t, newDatabase, options(p, 40)))
			})
		}
	}
}

// fileHash is the SHA-256 a file named name would have: the same name is
// the same file, whoever uploads it.
func fileHash(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// chatOf is a chat of user's upload of file, every field set.
func chatOf(user core.UserID, file string) core.Chat {
	at := now()
	return core.Chat{
		ID: core.ChatID(newID()), User: user, Title: "Chat " + file, SHA256: fileHash(file),
		Bytes: int64(1000 + len(file)), Format: "whatsapp", TimeZone: "Europe/Berlin", Messages: 3,
		Report:  []byte(`{"skipped":0,"lines":[1,2]}`),
		Version: 1, CreatedAt: at, UpdatedAt: at,
	}
}

// storedAs is c as a store gives it back: times truncated to microseconds.
func storedAs(c core.Chat) core.Chat {
	c.CreatedAt, c.UpdatedAt, c.DeletedAt = core.StorageTime(c.CreatedAt), core.StorageTime(c.UpdatedAt), core.StorageTime(c.DeletedAt)
	return c
}

// newChat stores user's upload of file and returns it as stored.
func newChat(t *testing.T, s ports.UnitOfWork, user core.UserID, file string) core.Chat {
	t.Helper()
	c := chatOf(user, file)
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Create(ctx, c) })
	return storedAs(c)
}

// sameChat reports how got differs from want, or nil.
func sameChat(got, want core.Chat) error {
	g, w := got, want
	for _, p := range []*core.Chat{&g, &w} {
		p.Report = nil
		p.CreatedAt, p.UpdatedAt, p.DeletedAt = time.Time{}, time.Time{}, time.Time{}
	}
	switch {
	case !reflect.DeepEqual(g, w):
		return fmt.Errorf("chat %+v; want %+v", g, w)
	case !bytes.Equal(got.Report, want.Report):
		return fmt.Errorf("report %q; want the very bytes %q", got.Report, want.Report)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || !got.DeletedAt.Equal(want.DeletedAt):
		return fmt.Errorf("times %v, %v, %v; want %v, %v, %v (microseconds)", got.CreatedAt, got.UpdatedAt, got.DeletedAt, want.CreatedAt, want.UpdatedAt, want.DeletedAt)
	}
	return nil
}

// chatIDs are the ids of chats, in order.
func chatIDs(chats []core.Chat) []core.ChatID {
	ids := make([]core.ChatID, len(chats))
	for i, c := range chats {
		ids[i] = c.ID
	}
	return ids
}

// allChats pages through the user's live chats, size at a time, calling
// between (when set) after each page.
func allChats(ctx context.Context, tx ports.Tx, user core.UserID, size int, between func()) ([]core.Chat, error) {
	var all []core.Chat
	var before *core.PageKey
	for {
		page, err := tx.Chats().List(ctx, user, before, size)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < size {
			return all, nil
		}
		k := page[len(page)-1].PageKey()
		before = &k
		if between != nil {
			between()
		}
	}
}

func listChats(t *testing.T, s ports.UnitOfWork, user core.UserID) []core.Chat {
	t.Helper()
	var all []core.Chat
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		all, err = allChats(ctx, tx, user, core.MaxPageLimit, nil)
		return err
	}, ports.ReadOnly())
	return all
}

func testChatRows(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "chats@example.com", 0)
	first := newChat(t, s, u.ID, "first.zip")
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().Get(ctx, u.ID, first.ID)
		if err != nil {
			return fmt.Errorf("Get(new chat) = %v", err)
		}
		if err := sameChat(got, first); err != nil {
			return fmt.Errorf("chats.Get does not give back what Create stored: %w", err)
		}
		byHash, err := tx.Chats().ByHash(ctx, u.ID, first.SHA256)
		if err != nil || byHash.ID != first.ID {
			return fmt.Errorf("ByHash(its file) = %v, %v; want the chat", byHash.ID, err)
		}
		if _, err := tx.Chats().ByHash(ctx, u.ID, fileHash("other.zip")); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("ByHash(a file never uploaded) = %v; want ErrNotFound", err)
		}
		if _, err := tx.Chats().Get(ctx, u.ID, core.ChatID(newID())); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Get(unknown) = %v; want ErrNotFound", err)
		}
		// The caller's copy is its own: changing it changes nothing stored.
		got.Report[0] = 'X'
		again, err := tx.Chats().Get(ctx, u.ID, first.ID)
		if err != nil || !bytes.Equal(again.Report, first.Report) {
			return fmt.Errorf("a caller's edit of a chat it read reached the store: %q, %v", again.Report, err)
		}
		return nil
	})

	want := []core.Chat{first}
	for i := range 6 {
		want = append(want, newChat(t, s, u.ID, fmt.Sprintf("chat-%d.zip", i)))
	}
	slices.Reverse(want) // newest first
	// Page by 2, a unit per page, while chats are uploaded meanwhile: one
	// newer than every page (it belongs before the first), one backdated
	// older than them all (it belongs after the last).
	early := newChat(t, s, u.ID, "early.zip")
	var late core.Chat
	backdated := chatOf(u.ID, "backdated.zip")
	backdated.CreatedAt = first.CreatedAt.Add(-time.Hour)
	var got []core.Chat
	var before *core.PageKey
	for pages := 0; ; pages++ {
		var page []core.Chat
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			var err error
			page, err = tx.Chats().List(ctx, u.ID, before, 2)
			return err
		}, ports.ReadOnly())
		got = append(got, page...)
		if len(page) < 2 || pages > 20 {
			break
		}
		k := page[len(page)-1].PageKey()
		before = &k
		if pages == 0 {
			late = newChat(t, s, u.ID, "later.zip")
			do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Create(ctx, backdated) })
		}
	}
	wantIDs := append(append([]core.ChatID{early.ID}, chatIDs(want)...), backdated.ID)
	if ids := chatIDs(got); !slices.Equal(ids, wantIDs) {
		t.Fatalf("pages of 2 while chats were uploaded = %v; want every chat once, newest first, the one uploaded during paging not among them and the backdated one last: %v", ids, wantIDs)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		bad := core.PageKey{Time: now(), ID: "not-an-id"}
		if _, err := tx.Chats().List(ctx, u.ID, &bad, 2); !errors.Is(err, core.ErrInvalid) {
			return fmt.Errorf("List(bad key) = %v; want a validation error", err)
		}
		return nil
	}, ports.ReadOnly())
	if all := listChats(t, s, u.ID); len(all) != len(want)+3 || all[0].ID != late.ID {
		t.Fatalf("after the uploads the listing has %d chats, first %v; want %d, the latest upload first", len(all), chatIDs(all), len(want)+3)
	}
}

// testChatOwnership: every method that names a user sees that user's
// chats only.
func testChatOwnership(t *testing.T, s ports.UnitOfWork) {
	owner, other := newUser(t, s, "owner@example.com", 0), newUser(t, s, "other@example.com", 0)
	c := newChat(t, s, owner.ID, "mine.zip")
	gone := newChat(t, s, owner.ID, "gone.zip")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, owner.ID, gone.ID, now()) })
	for name, call := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Get": func(ctx context.Context, tx ports.Tx) error { return second(tx.Chats().Get(ctx, other.ID, c.ID)) },
		"ByHash": func(ctx context.Context, tx ports.Tx) error {
			return second(tx.Chats().ByHash(ctx, other.ID, c.SHA256))
		},
		"Lock": func(ctx context.Context, tx ports.Tx) error { return second(tx.Chats().Lock(ctx, other.ID, c.ID)) },
		"Update": func(ctx context.Context, tx ports.Tx) error {
			stolen := c
			stolen.User, stolen.Title, stolen.Version = other.ID, "stolen", 9
			return tx.Chats().Update(ctx, stolen)
		},
		"Delete":  func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, other.ID, c.ID, now()) },
		"Restore": func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, other.ID, gone.ID) },
	} {
		if err := s.Do(context.Background(), call); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("%s of another user's chat = %v; want ErrNotFound", name, err)
		}
	}
	// A chat of a user that was never created is refused alike everywhere
	// (PostgreSQL's foreign key).
	nobody := chatOf(core.UserID(newID()), "nobody.zip")
	if err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Create(ctx, nobody) }); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Create for a user never created = %v; want ErrNotFound", err)
	}
	if theirs := listChats(t, s, other.ID); len(theirs) != 0 {
		t.Errorf("List(other user) = %v; want none of another user's chats", chatIDs(theirs))
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if n, size, err := tx.Chats().Usage(ctx, other.ID, time.Time{}); err != nil || n != 0 || size != 0 {
			return fmt.Errorf("Usage(other user) = %d, %d, %v; want 0, 0", n, size, err)
		}
		got, err := tx.Chats().Get(ctx, owner.ID, c.ID)
		if err != nil {
			return err
		}
		if err := sameChat(got, c); err != nil {
			return fmt.Errorf("another user's calls changed the chat: %w", err)
		}
		if _, err := tx.Chats().Get(ctx, owner.ID, gone.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("another user's Restore brought back the owner's chat: %v", err)
		}
		return nil
	})
}

// testChatStatistics: a chat's statistics are stored and read apart from
// the chat (reading a chat never carries them), as the very bytes given,
// for the owner's live chat only, and Update leaves them alone.
func testChatStatistics(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "stats@example.com", 0)
	other := newUser(t, s, "stats-other@example.com", 0)
	c := newChat(t, s, u.ID, "stats.zip")
	doc := []byte(`{"v":1, "messages":3,"authors":["Ann","Bob"]}`) // spacing kept: the very bytes
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if got, err := tx.Chats().Statistics(ctx, u.ID, c.ID); err != nil || got != nil {
			return fmt.Errorf("chats.Statistics before any were set = %q, %v; want nil, nil", got, err)
		}
		return tx.Chats().SetStatistics(ctx, u.ID, c.ID, doc)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().Statistics(ctx, u.ID, c.ID)
		if err != nil || !bytes.Equal(got, doc) {
			return fmt.Errorf("chats.Statistics = %q, %v; want the very bytes %q", got, err, doc)
		}
		got[0] = 'X' // the caller's copy is its own
		if _, err := tx.Chats().Statistics(ctx, other.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Statistics(another user's chat) = %v; want ErrNotFound", err)
		}
		if err := tx.Chats().SetStatistics(ctx, other.ID, c.ID, []byte(`{}`)); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("SetStatistics(another user's chat) = %v; want ErrNotFound", err)
		}
		if err := tx.Chats().SetStatistics(ctx, u.ID, core.ChatID(newID()), []byte(`{}`)); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("SetStatistics(unknown chat) = %v; want ErrNotFound", err)
		}
		cur, err := tx.Chats().Lock(ctx, u.ID, c.ID)
		if err != nil {
			return err
		}
		cur.Title, cur.Version = "Renamed", 2
		return tx.Chats().Update(ctx, cur)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if got, err := tx.Chats().Statistics(ctx, u.ID, c.ID); err != nil || !bytes.Equal(got, doc) {
			return fmt.Errorf("after a caller's edit and an Update, Statistics = %q, %v; want %q unchanged", got, err, doc)
		}
		return tx.Chats().Delete(ctx, u.ID, c.ID, now())
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().Statistics(ctx, u.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Statistics(deleted chat) = %v; want ErrNotFound", err)
		}
		if err := tx.Chats().SetStatistics(ctx, u.ID, c.ID, []byte(`{}`)); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("SetStatistics(deleted chat) = %v; want ErrNotFound", err)
		}
		return tx.Chats().Restore(ctx, u.ID, c.ID)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if got, err := tx.Chats().Statistics(ctx, u.ID, c.ID); err != nil || !bytes.Equal(got, doc) {
			return fmt.Errorf("chats.Statistics after a restore = %q, %v; want %q back", got, err, doc)
		}
		return nil
	})
}

func testChatUpdate(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "renamer@example.com", 0)
	c := newChat(t, s, u.ID, "rename.zip")
	want := c
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.Chats().Lock(ctx, u.ID, c.ID)
		if err != nil {
			return fmt.Errorf("Lock(live chat) = %v", err)
		}
		if err := sameChat(cur, c); err != nil {
			return fmt.Errorf("chats.Lock does not load the stored chat: %w", err)
		}
		cur.Title, cur.TimeZone, cur.Messages, cur.Version, cur.UpdatedAt = "Renamed", "", 42, 2, now()
		cur.Report = []byte(`{"skipped":1}`)
		want.Title, want.TimeZone, want.Messages, want.Version, want.UpdatedAt = cur.Title, cur.TimeZone, cur.Messages, cur.Version, core.StorageTime(cur.UpdatedAt)
		want.Report = slices.Clone(cur.Report)
		// What a chat never changes, Update leaves alone.
		cur.SHA256, cur.Bytes, cur.Format, cur.CreatedAt = fileHash("else.zip"), 1, "telegram", now()
		return tx.Chats().Update(ctx, cur)
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().Get(ctx, u.ID, c.ID)
		if err != nil {
			return err
		}
		if err := sameChat(got, want); err != nil {
			return fmt.Errorf("after Update (title, zone, count, documents, version, updated; never hash, size, format, creation): %w", err)
		}
		if _, err := tx.Chats().ByHash(ctx, u.ID, c.SHA256); err != nil {
			return fmt.Errorf("ByHash(original file) after Update = %v; the hash must not change", err)
		}
		if _, err := tx.Chats().Lock(ctx, u.ID, core.ChatID(newID())); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Lock(unknown) = %v; want ErrNotFound", err)
		}
		missing := chatOf(u.ID, "never.zip")
		if err := tx.Chats().Update(ctx, missing); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Update(unknown) = %v; want ErrNotFound", err)
		}
		return nil
	})
}

func testChatUsage(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "usage@example.com", 0)
	old := newChat(t, s, u.ID, "old.zip")
	since := now()
	kept, dropped := newChat(t, s, u.ID, "kept.zip"), newChat(t, s, u.ID, "dropped-file.zip")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, dropped.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		n, size, err := tx.Chats().Usage(ctx, u.ID, since)
		if want := old.Bytes + kept.Bytes; err != nil || n != 2 || size != want {
			return fmt.Errorf("Usage(since) = %d uploads, %d bytes, %v; want 2 (a deleted chat still counts as an upload), %d (live chats' bytes only)", n, size, err, want)
		}
		n, _, err = tx.Chats().Usage(ctx, u.ID, time.Time{})
		if err != nil || n != 3 {
			return fmt.Errorf("Usage(ever) = %d uploads, %v; want 3", n, err)
		}
		n, _, err = tx.Chats().Usage(ctx, u.ID, now())
		if err != nil || n != 0 {
			return fmt.Errorf("Usage(since now) = %d uploads, %v; want 0", n, err)
		}
		return nil
	}, ports.ReadOnly())
}

func testChatSameFile(t *testing.T, s ports.UnitOfWork) {
	u, other := newUser(t, s, "twice@example.com", 0), newUser(t, s, "also@example.com", 0)
	first := newChat(t, s, u.ID, "same.zip")
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		return tx.Chats().Create(ctx, chatOf(u.ID, "same.zip"))
	})
	if !errors.Is(err, core.ErrConflict) {
		t.Fatalf("the same file uploaded twice = %v; want ErrConflict", err)
	}
	newChat(t, s, other.ID, "same.zip") // the file is unique per user
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, first.ID, now()) })
	again := newChat(t, s, u.ID, "same.zip") // a deleted chat's file may come again
	err = s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, first.ID) })
	if !errors.Is(err, core.ErrConflict) {
		t.Fatalf("restoring a chat whose file is live again = %v; want ErrConflict", err)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().ByHash(ctx, u.ID, first.SHA256)
		if err != nil || got.ID != again.ID {
			return fmt.Errorf("ByHash = %v, %v; want the new live chat %v", got.ID, err, again.ID)
		}
		if _, err := tx.Chats().Get(ctx, u.ID, first.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("the refused restore brought the chat back: %v", err)
		}
		return nil
	})
	// Once the new one is deleted, the old one comes back.
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, again.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, first.ID) })
	if all := listChats(t, s, u.ID); len(all) != 1 || all[0].ID != first.ID {
		t.Fatalf("after the restore the user's chats are %v; want only %v", chatIDs(all), first.ID)
	}
}

// seqOf yields msgs in order, then err when it is not nil.
func seqOf(msgs []core.Message, err error) iter.Seq2[core.Message, error] {
	return func(yield func(core.Message, error) bool) {
		for _, m := range msgs {
			if !yield(m, nil) {
				return
			}
		}
		if err != nil {
			yield(core.Message{}, err)
		}
	}
}

// richMessages are messages using every field of core.Message, with times
// finer than microseconds.
func richMessages() []core.Message {
	base := time.Date(2024, 3, 9, 18, 4, 5, 123456789, time.UTC)
	return []core.Message{
		{Seq: 1, Local: base, Author: "Ada", AuthorID: "user123", Kind: core.MessageText, Text: "Hello, café! 🙂\nsecond line",
			Reactions: []core.Reaction{{Emoji: "👍", Count: 3, By: []core.Reactor{{Name: "Bob", ID: "u2"}, {Name: "Cy"}}}, {Emoji: "party_parrot", Count: 1}},
			Edited:    true, PlatformID: "m1"},
		{Seq: 2, Local: base.Add(time.Minute), At: base.Add(time.Minute - time.Hour).In(time.FixedZone("CET", 3600)), Author: "Bob", Kind: core.MessageMedia,
			Text: "a caption", MediaType: "image", Attachment: "IMG-1.jpg",
			Attachments: []core.Attachment{{Name: "IMG-1.jpg", MediaType: "image", Size: 12345}, {Name: "doc.pdf", MediaType: "document"}},
			ReplyTo:     "m1", PlatformID: "m2"},
		{Seq: 3, Local: base.Add(2 * time.Minute), Author: "Ada", Kind: core.MessageLocation, Text: "https://maps.example/?q=52.52,13.405",
			Geo: &core.GeoPoint{Lat: 52.520008, Lon: -13.404954}},
		{Seq: 4, Local: base.Add(3 * time.Minute), At: base.Add(3*time.Minute - time.Hour), Kind: core.MessageSystem, Text: "Ada added Bob and Cy",
			Event: &core.Event{Action: "invite_members", Actor: "Ada", ActorID: "user123", Members: []string{"Bob", "Cy"}, Title: "Friends"}},
		{Seq: 5, At: base.Add(4*time.Minute - time.Hour), Author: "Bob", AuthorID: "u2", Kind: core.MessageCall,
			Event: &core.Event{Action: "phone_call", Duration: 2*time.Minute + 3*time.Second, Outcome: "hangup"}},
		{Seq: 6, Local: base.Add(5 * time.Minute), Author: "Cy", Kind: core.MessageDeleted},
	}
}

// normalMessage is m with times in UTC (and, when truncate, truncated to
// microseconds, as a store keeps them), and no difference between an
// empty list and none.
func normalMessage(m core.Message, truncate bool) core.Message {
	inUTC := func(t time.Time) time.Time {
		if truncate || t.IsZero() {
			return core.StorageTime(t)
		}
		return t.UTC()
	}
	m.Local, m.At = inUTC(m.Local), inUTC(m.At)
	if len(m.Attachments) == 0 {
		m.Attachments = nil
	}
	if len(m.Reactions) == 0 {
		m.Reactions = nil
	} else {
		m.Reactions = slices.Clone(m.Reactions)
		for i := range m.Reactions {
			if len(m.Reactions[i].By) == 0 {
				m.Reactions[i].By = nil
			}
		}
	}
	if m.Event != nil {
		e := *m.Event
		if len(e.Members) == 0 {
			e.Members = nil
		}
		m.Event = &e
	}
	return m
}

// sameMessages reports the first difference between got and want, or nil.
func sameMessages(got, want []core.Message) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d messages (seqs %v); want %d (seqs %v)", len(got), seqs(got), len(want), seqs(want))
	}
	for i := range got {
		g, w := normalMessage(got[i], false), normalMessage(want[i], true)
		if !reflect.DeepEqual(g, w) {
			return fmt.Errorf("message %d is\n%#v\nwant\n%#v", i+1, g, w)
		}
	}
	return nil
}

func seqs(msgs []core.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Seq
	}
	return out
}

// allMessages pages through a chat's messages that pass f, size at a time,
// calling between (when set) after each page.
func allMessages(ctx context.Context, tx ports.Tx, chat core.ChatID, f core.MessageFilter, size int, between func()) ([]core.Message, error) {
	var all []core.Message
	var after *core.SeqKey
	for {
		page, err := tx.Messages().List(ctx, chat, f, after, size)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < size {
			return all, nil
		}
		k := core.SeqKey(page[len(page)-1].Seq)
		after = &k
		if between != nil {
			between()
		}
	}
}

// importChat stores user's upload of file with msgs in one unit, as an
// import does.
func importChat(ctx context.Context, s ports.UnitOfWork, user core.UserID, file string, msgs []core.Message) (core.Chat, error) {
	c := chatOf(user, file)
	c.Messages = int64(len(msgs))
	err := s.Do(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Chats().Create(ctx, c); err != nil {
			return err
		}
		n, err := tx.Messages().Insert(ctx, c.ID, seqOf(msgs, nil))
		if err == nil && n != int64(len(msgs)) {
			err = fmt.Errorf("messages.Insert wrote %d messages; want %d", n, len(msgs))
		}
		return err
	})
	return storedAs(c), err
}

func mustImport(t *testing.T, s ports.UnitOfWork, user core.UserID, file string, msgs []core.Message) core.Chat {
	t.Helper()
	c, err := importChat(context.Background(), s, user, file, msgs)
	if err != nil {
		t.Fatalf("importing %s: %v", file, err)
	}
	return c
}

// plainMessages are n text messages a minute apart, by Ada and Bob in
// turn.
func plainMessages(n int) []core.Message {
	base := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	msgs := make([]core.Message, n)
	for i := range msgs {
		author := []string{"Ada", "Bob"}[i%2]
		msgs[i] = core.Message{Seq: int64(i + 1), Local: base.Add(time.Duration(i) * time.Minute), Author: author, Kind: core.MessageText, Text: fmt.Sprintf("message number %d", i+1)}
	}
	return msgs
}

func testMessagesRoundTrip(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "importer@example.com", 0)
	msgs := richMessages()
	c := mustImport(t, s, u.ID, "rich.zip", msgs)
	// The store keeps its own copy: editing what was inserted changes
	// nothing stored.
	msgs[0].Reactions[0].By[0].Name, msgs[1].Attachments[0].Name = "Mallory", "evil.exe"
	msgs[2].Geo.Lat, msgs[3].Event.Members[0] = 0, "Mallory"
	want := richMessages()
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := allMessages(ctx, tx, c.ID, core.MessageFilter{}, 2, nil)
		if err != nil {
			return err
		}
		if err := sameMessages(got, want); err != nil {
			return fmt.Errorf("messages read back differ from those inserted (every field, in seq order, times at microseconds): %w", err)
		}
		// And what a caller reads is its own too.
		got[0].Reactions[0].By[0].Name, got[1].Attachments[0].Name = "Mallory", "evil.exe"
		got[2].Geo.Lat, got[3].Event.Members[0] = 0, "Mallory"
		again, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		if err != nil {
			return err
		}
		if err := sameMessages(again, want); err != nil {
			return fmt.Errorf("a caller's edit of messages it read reached the store: %w", err)
		}
		return nil
	}, ports.ReadOnly())
}

// testFailedImport: an error the messages' iterator yields midway is
// returned as is, and the unit keeps nothing: no chat, no messages.
func testFailedImport(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "broken@example.com", 0)
	c := chatOf(u.ID, "broken.zip")
	broken := errors.New("the export is truncated")
	var inserted int64
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Chats().Create(ctx, c); err != nil {
			return err
		}
		var err error
		inserted, err = tx.Messages().Insert(ctx, c.ID, seqOf(plainMessages(5), broken))
		return err
	})
	if !errors.Is(err, broken) {
		t.Fatalf("Insert with a failing iterator: unit = %v; want the iterator's error as is", err)
	}
	if inserted != 0 {
		t.Errorf("Insert with a failing iterator reported %d messages written; want 0", inserted)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().ByHash(ctx, u.ID, c.SHA256); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("the failed import left its chat: %v", err)
		}
		if n, _, err := tx.Chats().Usage(ctx, u.ID, time.Time{}); err != nil || n != 0 {
			return fmt.Errorf("the failed import counts as an upload: %d, %v", n, err)
		}
		return nil
	}, ports.ReadOnly())
	// The same file imports cleanly afterwards, with no message left over
	// from the failed attempt under its id.
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Chats().Create(ctx, c); err != nil {
			return fmt.Errorf("creating the chat again after its failed import: %w", err)
		}
		got, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		if err != nil || len(got) != 0 {
			return fmt.Errorf("the failed import left messages %v, %v; want none", seqs(got), err)
		}
		return nil
	})
}

func testMessageFilters(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "filter@example.com", 0)
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	// Messages 2 and 4 have an instant two hours before their wall time:
	// a store filtering on the wall time would place them elsewhere.
	msgs := []core.Message{
		{Seq: 1, Local: base, Author: "Ada", Kind: core.MessageText, Text: "good morning"},
		{Seq: 2, Local: base.Add(3 * time.Hour), At: base.Add(time.Hour), Author: "Bob", Kind: core.MessageText, Text: "hello there"},
		{Seq: 3, Local: base.Add(2 * time.Hour), Author: "Ada", Kind: core.MessageText, Text: "hello again"},
		{Seq: 4, Local: base.Add(5 * time.Hour), At: base.Add(3 * time.Hour), Author: "ada", Kind: core.MessageText, Text: "lower-case author"},
		{Seq: 5, Local: base.Add(4*time.Hour + 500*time.Microsecond), Kind: core.MessageSystem, Text: "Bob left"},
		{Seq: 6, Local: base.Add(6 * time.Hour), Author: "Bob", Kind: core.MessageText, Text: "hello, anyone?"},
	}
	c := mustImport(t, s, u.ID, "filters.zip", msgs)
	other := mustImport(t, s, u.ID, "other.zip", plainMessages(4))
	hello := core.SearchQuery{Terms: []string{"hello"}}
	for _, tc := range []struct {
		name   string
		filter core.MessageFilter
		want   []int64
	}{
		{"none", core.MessageFilter{}, []int64{1, 2, 3, 4, 5, 6}},
		{"from inclusive", core.MessageFilter{From: base.Add(time.Hour)}, []int64{2, 3, 4, 5, 6}},
		{"to exclusive", core.MessageFilter{To: base.Add(2 * time.Hour)}, []int64{1, 2}},
		{"from and to", core.MessageFilter{From: base.Add(2 * time.Hour), To: base.Add(4 * time.Hour)}, []int64{3, 4}},
		{"to at microseconds", core.MessageFilter{To: base.Add(4*time.Hour + 500*time.Microsecond)}, []int64{1, 2, 3, 4}},
		{"from at microseconds", core.MessageFilter{From: base.Add(4*time.Hour + 500*time.Microsecond)}, []int64{5, 6}},
		// Bounds are compared at storage precision, truncated as stored times are.
		{"to with nanoseconds", core.MessageFilter{To: base.Add(4*time.Hour + 500*time.Microsecond + 700)}, []int64{1, 2, 3, 4}},
		{"from with nanoseconds", core.MessageFilter{From: base.Add(4*time.Hour + 500*time.Microsecond + 700)}, []int64{5, 6}},
		{"author exact", core.MessageFilter{Author: "Ada"}, []int64{1, 3}},
		{"author unknown", core.MessageFilter{Author: "Zed"}, nil},
		{"search", core.MessageFilter{Search: &hello}, []int64{2, 3, 6}},
		{"author, time and search", core.MessageFilter{Author: "Bob", From: base.Add(90 * time.Minute), Search: &hello}, []int64{6}},
	} {
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			for _, size := range []int{1, 2, 100} {
				got, err := allMessages(ctx, tx, c.ID, tc.filter, size, nil)
				if err != nil {
					return err
				}
				if !slices.Equal(seqs(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					return fmt.Errorf("filter %s in pages of %d = seqs %v; want %v (from inclusive, to exclusive, on core.MessageTime)", tc.name, size, seqs(got), tc.want)
				}
			}
			return nil
		}, ports.ReadOnly())
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		after := core.SeqKey(3)
		got, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, &after, 2)
		if err != nil || !slices.Equal(seqs(got), []int64{4, 5}) {
			return fmt.Errorf("List(after 3, limit 2) = %v, %v; want [4 5] (strictly after the key)", seqs(got), err)
		}
		last := core.SeqKey(6)
		if got, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, &last, 2); err != nil || len(got) != 0 {
			return fmt.Errorf("List(after the last) = %v, %v; want none", seqs(got), err)
		}
		if got, err := tx.Messages().List(ctx, other.ID, core.MessageFilter{Author: "Ada"}, nil, 100); err != nil || !slices.Equal(seqs(got), []int64{1, 3}) {
			return fmt.Errorf("the other chat's messages by Ada = %v, %v; want [1 3], its own", seqs(got), err)
		}
		return nil
	}, ports.ReadOnly())
}

func testChatDeleteRestore(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "deleter@example.com", 0)
	c := mustImport(t, s, u.ID, "deleted.zip", plainMessages(5))
	keep := newChat(t, s, u.ID, "kept.zip")
	at := now() // with nanoseconds: a store must still find the group by it
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, at) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for name, err := range map[string]error{
			"Get":    second(tx.Chats().Get(ctx, u.ID, c.ID)),
			"ByHash": second(tx.Chats().ByHash(ctx, u.ID, c.SHA256)),
			"Lock":   second(tx.Chats().Lock(ctx, u.ID, c.ID)),
			"Update": tx.Chats().Update(ctx, c),
			"Delete": tx.Chats().Delete(ctx, u.ID, c.ID, now()),
		} {
			if !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("%s(deleted chat) = %v; want ErrNotFound", name, err)
			}
		}
		return nil
	})
	if all := listChats(t, s, u.ID); !slices.Equal(chatIDs(all), []core.ChatID{keep.ID}) {
		t.Fatalf("List after a delete = %v; want only %v", chatIDs(all), keep.ID)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, c.ID) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().Get(ctx, u.ID, c.ID)
		if err != nil {
			return fmt.Errorf("Get(restored) = %v", err)
		}
		if err := sameChat(got, c); err != nil {
			return fmt.Errorf("the restored chat differs from the one deleted: %w", err)
		}
		msgs, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		if err != nil || !slices.Equal(seqs(msgs), []int64{1, 2, 3, 4, 5}) {
			return fmt.Errorf("the restored chat's messages = %v, %v; want all 5 back", seqs(msgs), err)
		}
		if err := tx.Chats().Restore(ctx, u.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Restore(live chat) = %v; want ErrNotFound", err)
		}
		if err := tx.Chats().Restore(ctx, u.ID, core.ChatID(newID())); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Restore(unknown) = %v; want ErrNotFound", err)
		}
		return nil
	})
}

// testChatUserCascade: deleting a user deletes the user's live chats with
// the user's timestamp; restoring the user brings back those, not a chat
// the user had deleted before.
func testChatUserCascade(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "cascade@example.com", 0)
	a := mustImport(t, s, u.ID, "a.zip", plainMessages(3))
	b := newChat(t, s, u.ID, "b.zip")
	before := newChat(t, s, u.ID, "deleted-before.zip")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, before.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, c := range []core.Chat{a, b} {
			if _, err := tx.Chats().Get(ctx, u.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("a deleted user's chat is still live: Get = %v", err)
			}
		}
		if _, err := tx.Chats().ByHash(ctx, u.ID, a.SHA256); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a deleted user's chat is found by its file: %v", err)
		}
		return nil
	})
	if all := listChats(t, s, u.ID); len(all) != 0 {
		t.Fatalf("a deleted user lists chats %v; want none", chatIDs(all))
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, u.ID) })
	all := listChats(t, s, u.ID)
	if want := []core.ChatID{b.ID, a.ID}; !slices.Equal(chatIDs(all), want) {
		t.Fatalf("after the user's restore the chats are %v; want %v (those deleted with the user, not %v deleted before)", chatIDs(all), want, before.ID)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		msgs, err := tx.Messages().List(ctx, a.ID, core.MessageFilter{}, nil, 100)
		if err != nil || len(msgs) != 3 {
			return fmt.Errorf("a restored chat's messages = %v, %v; want all 3", seqs(msgs), err)
		}
		return tx.Chats().Restore(ctx, u.ID, before.ID) // still restorable on its own
	})
}

// claimed lists the chats a purge has claimed: ClaimPurge with a cutoff
// no deletion precedes claims nothing new.
func claimed(ctx context.Context, tx ports.Tx) ([]core.ChatID, error) {
	return tx.Chats().ClaimPurge(ctx, time.Time{}, 1)
}

func testChatPurge(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "purger@example.com", 0)
	live := mustImport(t, s, u.ID, "live.zip", plainMessages(4))
	d1 := mustImport(t, s, u.ID, "d1.zip", plainMessages(7))
	d2 := newChat(t, s, u.ID, "d2.zip")
	restored := newChat(t, s, u.ID, "restored.zip")
	late := mustImport(t, s, u.ID, "late.zip", plainMessages(2))
	for _, c := range []core.Chat{d1, d2, restored} {
		do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, now()) })
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, restored.ID) })
	cutoff := now()
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, late.ID, now()) })

	var first, all []core.ChatID
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if first, err = tx.Chats().ClaimPurge(ctx, cutoff, 1); err != nil {
			return err
		}
		if len(first) != 1 || first[0] != d1.ID && first[0] != d2.ID {
			return fmt.Errorf("ClaimPurge(limit 1) = %v; want one of %v, %v", first, d1.ID, d2.ID)
		}
		if all, err = tx.Chats().ClaimPurge(ctx, cutoff, 10); err != nil {
			return err
		}
		return nil
	})
	if slices.Sort(all); !slices.Equal(all, sortedIDs(d1.ID, d2.ID)) {
		t.Fatalf("ClaimPurge = %v; want exactly the chats deleted before the cutoff, the one claimed before included (%v, %v), never a live, restored or later-deleted chat", all, d1.ID, d2.ID)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		again, err := claimed(ctx, tx)
		if slices.Sort(again); err != nil || !slices.Equal(again, all) {
			return fmt.Errorf("ClaimPurge taken up again = %v, %v; want the claimed chats %v", again, err, all)
		}
		if err := tx.Chats().Restore(ctx, u.ID, d1.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Restore(claimed chat) = %v; want ErrNotFound", err)
		}
		for name, c := range map[string]core.Chat{"live": live, "deleted after the cutoff": late} {
			if n, err := tx.Messages().Purge(ctx, c.ID, 100); err != nil || n != 0 {
				return fmt.Errorf("Messages.Purge(%s chat) = %d, %v; want 0: only a claimed chat's messages go", name, n, err)
			}
		}
		if err := tx.Chats().Purge(ctx, live.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Chats.Purge(live chat) = %v; want ErrNotFound", err)
		}
		if err := tx.Chats().Purge(ctx, late.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("Chats.Purge(unclaimed deleted chat) = %v; want ErrNotFound", err)
		}
		return nil
	})
	var batches []int
	for {
		var n int
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			var err error
			n, err = tx.Messages().Purge(ctx, d1.ID, 3)
			return err
		})
		batches = append(batches, n)
		if n == 0 || len(batches) > 10 {
			break
		}
	}
	if !slices.Equal(batches, []int{3, 3, 1, 0}) {
		t.Fatalf("Messages.Purge batches of at most 3 over 7 messages = %v; want [3 3 1 0]", batches)
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, c := range []core.Chat{d1, d2} {
			if n, err := tx.Messages().Purge(ctx, c.ID, 3); err != nil || n != 0 {
				return fmt.Errorf("Messages.Purge(a chat with none left) = %d, %v; want 0", n, err)
			}
			if err := tx.Chats().Purge(ctx, c.ID); err != nil {
				return fmt.Errorf("Chats.Purge(claimed, messages gone) = %v", err)
			}
		}
		return nil
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		for _, c := range []core.Chat{d1, d2} {
			if err := tx.Chats().Restore(ctx, u.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Restore(purged chat) = %v; want ErrNotFound", err)
			}
			if _, err := tx.Chats().Get(ctx, u.ID, c.ID); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Get(purged chat) = %v; want ErrNotFound", err)
			}
			if err := tx.Chats().Purge(ctx, c.ID); !errors.Is(err, core.ErrNotFound) {
				return fmt.Errorf("Chats.Purge twice = %v; want ErrNotFound", err)
			}
		}
		if left, err := claimed(ctx, tx); err != nil || len(left) != 0 {
			return fmt.Errorf("claimed chats after the purge = %v, %v; want none", left, err)
		}
		msgs, err := tx.Messages().List(ctx, live.ID, core.MessageFilter{}, nil, 100)
		if err != nil || len(msgs) != 4 {
			return fmt.Errorf("the live chat's messages after a purge = %v, %v; want all 4", seqs(msgs), err)
		}
		return nil
	})
	all2 := listChats(t, s, u.ID)
	if want := []core.ChatID{restored.ID, live.ID}; !slices.Equal(chatIDs(all2), want) {
		t.Fatalf("the user's chats after the purge = %v; want %v", chatIDs(all2), want)
	}
	// A user's chats claimed while the user is deleted stay gone when the
	// user comes back.
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Delete(ctx, u.ID, now()) })
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().ClaimPurge(ctx, now(), 10)
		if slices.Sort(got); err != nil || !slices.Equal(got, sortedIDs(restored.ID, live.ID, late.ID)) {
			return fmt.Errorf("ClaimPurge after the user's delete = %v, %v; want the user's three deleted chats", got, err)
		}
		return nil
	})
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Users().Restore(ctx, u.ID) })
	if back := listChats(t, s, u.ID); len(back) != 0 {
		t.Fatalf("restoring the user brought back chats a purge had claimed: %v", chatIDs(back))
	}
}

func sortedIDs(ids ...core.ChatID) []core.ChatID {
	slices.Sort(ids)
	return ids
}

func testChatsReadOnly(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "ro-chats@example.com", 0)
	c := mustImport(t, s, u.ID, "ro.zip", plainMessages(2))
	gone := newChat(t, s, u.ID, "ro-gone.zip")
	do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, gone.ID, now()) })
	fresh := chatOf(u.ID, "ro-new.zip")
	for name, write := range map[string]func(ctx context.Context, tx ports.Tx) error{
		"Chats.Create": func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Create(ctx, fresh) },
		"Chats.Lock":   func(ctx context.Context, tx ports.Tx) error { return second(tx.Chats().Lock(ctx, u.ID, c.ID)) },
		"Chats.Update": func(ctx context.Context, tx ports.Tx) error {
			renamed := c
			renamed.Title = "read-only rename"
			return tx.Chats().Update(ctx, renamed)
		},
		"Chats.Delete": func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, now()) },
		"Chats.SetStatistics": func(ctx context.Context, tx ports.Tx) error {
			return tx.Chats().SetStatistics(ctx, u.ID, c.ID, []byte(`{"read":"only"}`))
		},
		"Chats.Restore":    func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Restore(ctx, u.ID, gone.ID) },
		"Chats.ClaimPurge": func(ctx context.Context, tx ports.Tx) error { return second(tx.Chats().ClaimPurge(ctx, now(), 10)) },
		"Chats.Purge":      func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Purge(ctx, gone.ID) },
		"Messages.Purge":   func(ctx context.Context, tx ports.Tx) error { return second(tx.Messages().Purge(ctx, c.ID, 10)) },
		"Messages.Insert": func(ctx context.Context, tx ports.Tx) error {
			more := plainMessages(3)[2:]
			return second(tx.Messages().Insert(ctx, c.ID, seqOf(more, nil)))
		},
	} {
		if err := s.Do(context.Background(), write, ports.ReadOnly()); !errors.Is(err, ports.ErrReadOnly) {
			t.Errorf("%s in a read-only unit = %v; want ports.ErrReadOnly", name, err)
		}
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		if _, err := tx.Chats().ByHash(ctx, u.ID, fresh.SHA256); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a read-only unit created a chat: %v", err)
		}
		got, err := tx.Chats().Get(ctx, u.ID, c.ID)
		if err != nil || got.Title != c.Title {
			return fmt.Errorf("a read-only unit renamed or deleted a chat: %+v, %v", got, err)
		}
		if _, err := tx.Chats().Get(ctx, u.ID, gone.ID); !errors.Is(err, core.ErrNotFound) {
			return fmt.Errorf("a read-only unit restored a chat: %v", err)
		}
		msgs, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		if err != nil || len(msgs) != 2 {
			return fmt.Errorf("a read-only unit changed a chat's messages: %v, %v", seqs(msgs), err)
		}
		if ids, err := claimed(ctx, tx); err != nil || len(ids) != 0 {
			return fmt.Errorf("a read-only unit claimed chats for purging: %v, %v", ids, err)
		}
		return nil
	})
}

// testChatsAborted: a unit that swallows a failed chat statement (the
// same file again) keeps nothing, the chat it created before included.
func testChatsAborted(t *testing.T, s ports.UnitOfWork) {
	u := newUser(t, s, "swallow-chat@example.com", 0)
	taken := newChat(t, s, u.ID, "taken.zip")
	before := chatOf(u.ID, "before.zip")
	var later error
	err := s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Chats().Create(ctx, before); err != nil {
			return err
		}
		dup := chatOf(u.ID, "taken.zip")
		if err := tx.Chats().Create(ctx, dup); !errors.Is(err, core.ErrConflict) {
			return fmt.Errorf("creating a taken file = %v; want ErrConflict", err)
		}
		_, later = tx.Chats().Get(ctx, u.ID, taken.ID)
		return nil // swallowed
	})
	if !errors.Is(later, ports.ErrAborted) {
		t.Errorf("a statement after a failed one = %v; want ports.ErrAborted", later)
	}
	if !errors.Is(err, ports.ErrAborted) {
		t.Fatalf("Do after a swallowed failure = %v; want ports.ErrAborted", err)
	}
	if all := listChats(t, s, u.ID); !slices.Equal(chatIDs(all), []core.ChatID{taken.ID}) {
		t.Fatalf("after an aborted unit the chats are %v; want only %v", chatIDs(all), taken.ID)
	}
}

// testConcurrentUploads: one file uploaded by 10 units at once (each an
// import: the chat and its messages) leaves one chat with its messages;
// every other upload meets the unique key.
func testConcurrentUploads(t *testing.T, stores []ports.UnitOfWork) {
	s := stores[0]
	u := newUser(t, s, "racer@example.com", 0)
	msgs := plainMessages(20)
	wins := race(t, stores, 10, func(int) func(ctx context.Context, tx ports.Tx) error {
		return func(ctx context.Context, tx ports.Tx) error {
			c := chatOf(u.ID, "raced.zip")
			if err := tx.Chats().Create(ctx, c); err != nil {
				return err
			}
			_, err := tx.Messages().Insert(ctx, c.ID, seqOf(msgs, nil))
			return err
		}
	}, core.ErrConflict)
	all := listChats(t, s, u.ID)
	if wins != 1 || len(all) != 1 {
		t.Fatalf("%d concurrent uploads of one file succeeded, %d chats live; want exactly 1 and 1", wins, len(all))
	}
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := allMessages(ctx, tx, all[0].ID, core.MessageFilter{}, 7, nil)
		if err != nil {
			return err
		}
		if err := sameMessages(got, msgs); err != nil {
			return fmt.Errorf("the winning upload's messages: %w", err)
		}
		return nil
	}, ports.ReadOnly())
}

// testImportInvisible: an import's messages are seen by no other unit
// until it commits, and then all at once.
func testImportInvisible(t *testing.T, stores []ports.UnitOfWork) {
	s, reader := stores[0], stores[len(stores)-1]
	u := newUser(t, s, "slow@example.com", 0)
	c := newChat(t, s, u.ID, "slow.zip")
	inserted, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
			if _, err := tx.Messages().Insert(ctx, c.ID, seqOf(plainMessages(50), nil)); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	select {
	case <-inserted:
	case err := <-done:
		t.Fatalf("the import ended before its insert: %v", err)
	}
	var during []core.Message
	err := reader.Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
		var err error
		during, err = tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		return err
	}, ports.ReadOnly())
	close(release)
	if err != nil {
		t.Fatalf("listing during an import: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the import: %v", err)
	}
	if len(during) != 0 {
		t.Fatalf("another unit saw %d messages of an import that had not committed; want none", len(during))
	}
	do(t, reader, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Messages().List(ctx, c.ID, core.MessageFilter{}, nil, 100)
		if err != nil || len(got) != 50 {
			return fmt.Errorf("after the commit another unit sees %d messages, %v; want all 50", len(got), err)
		}
		return nil
	}, ports.ReadOnly())
}

// testMessagePagesStable: paging through a chat's messages, a page per
// unit, while another chat of the same user is imported meanwhile, yields
// every message once, in order, and none of the other chat's.
func testMessagePagesStable(t *testing.T, stores []ports.UnitOfWork) {
	s := stores[0]
	u := newUser(t, s, "pager@example.com", 0)
	want := plainMessages(40)
	c := mustImport(t, s, u.ID, "paged.zip", want)
	var wg sync.WaitGroup
	var importErr error
	wg.Go(func() {
		for i := range 5 {
			if _, err := importChat(context.Background(), stores[len(stores)-1], u.ID, fmt.Sprintf("meanwhile-%d.zip", i), plainMessages(300)); err != nil {
				importErr = err
				return
			}
		}
	})
	var got []core.Message
	var after *core.SeqKey
	for {
		var page []core.Message
		do(t, stores[1%len(stores)], func(ctx context.Context, tx ports.Tx) error {
			var err error
			page, err = tx.Messages().List(ctx, c.ID, core.MessageFilter{}, after, 3)
			return err
		}, ports.ReadOnly())
		got = append(got, page...)
		if len(page) < 3 {
			break
		}
		k := core.SeqKey(page[len(page)-1].Seq)
		after = &k
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	if importErr != nil {
		t.Fatalf("the concurrent import: %v", importErr)
	}
	if err := sameMessages(got, want); err != nil {
		t.Fatalf("pages of 3 while another chat was imported: %v", err)
	}
	if all := listChats(t, s, u.ID); len(all) != 6 {
		t.Fatalf("%d chats after the imports; want 6", len(all))
	}
}

// testConcurrentRenames: 12 units each lock a chat, bump its version and
// rename it. Lock's row lock makes each see the last one's version, so
// the versions add up (no lost update).
func testConcurrentRenames(t *testing.T, stores []ports.UnitOfWork) {
	s := stores[0]
	u := newUser(t, s, "renames@example.com", 0)
	c := newChat(t, s, u.ID, "renamed.zip")
	wins := race(t, stores, 12, func(i int) func(ctx context.Context, tx ports.Tx) error {
		return func(ctx context.Context, tx ports.Tx) error {
			cur, err := tx.Chats().Lock(ctx, u.ID, c.ID)
			if err != nil {
				return err
			}
			cur.Version++
			cur.Title, cur.UpdatedAt = fmt.Sprintf("rename %d", i), now()
			time.Sleep(time.Millisecond) // hold the row a moment, so renames overlap
			return tx.Chats().Update(ctx, cur)
		}
	}, nil)
	do(t, s, func(ctx context.Context, tx ports.Tx) error {
		got, err := tx.Chats().Get(ctx, u.ID, c.ID)
		if err != nil {
			return err
		}
		if got.Version != c.Version+int64(wins) {
			return fmt.Errorf("version %d after %d renames from %d; want %d (a rename was lost)", got.Version, wins, c.Version, c.Version+int64(wins))
		}
		return nil
	}, ports.ReadOnly())
	if wins == 0 {
		t.Fatal("no rename succeeded")
	}
}

// testRestoreOrClaim: a restore and a purge's claim of one deleted chat,
// at once, many times: the chat ends restored or claimed, never both, and
// a restore that lost is ErrNotFound.
func testRestoreOrClaim(t *testing.T, stores []ports.UnitOfWork) {
	s := stores[0]
	u := newUser(t, s, "either@example.com", 0)
	restoredN, claimedN := 0, 0
	for i := range 10 {
		c := newChat(t, s, u.ID, fmt.Sprintf("either-%d.zip", i))
		do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Delete(ctx, u.ID, c.ID, now()) })
		cutoff := now()
		var wg sync.WaitGroup
		var restoreErr, claimErr error
		var claimedNow []core.ChatID
		wg.Go(func() {
			if i%2 == 1 {
				time.Sleep(time.Millisecond)
			}
			restoreErr = stores[0].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				if err := tx.Chats().Restore(ctx, u.ID, c.ID); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond) // in flight a moment, so the claim meets it
				return nil
			})
		})
		wg.Go(func() {
			if i%2 == 0 { // the restore first on even rounds, the claim first on odd ones
				time.Sleep(time.Millisecond)
			}
			claimErr = stores[len(stores)-1].Do(context.Background(), func(ctx context.Context, tx ports.Tx) error {
				var err error
				if claimedNow, err = tx.Chats().ClaimPurge(ctx, cutoff, 10); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond) // and the restore meets the claim
				return nil
			})
		})
		wg.Wait()
		if claimErr != nil {
			t.Fatalf("ClaimPurge racing a restore: %v", claimErr)
		}
		if restoreErr != nil && !errors.Is(restoreErr, core.ErrNotFound) && !errors.Is(restoreErr, core.ErrBusy) {
			t.Fatalf("Restore racing a claim: %v; want nil, ErrNotFound or ErrBusy", restoreErr)
		}
		var live bool
		var ids []core.ChatID
		do(t, s, func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Chats().Get(ctx, u.ID, c.ID)
			live = err == nil
			ids, err = claimed(ctx, tx)
			return err
		})
		isClaimed := slices.Contains(ids, c.ID)
		switch {
		case live && isClaimed:
			t.Fatalf("round %d: the chat is both restored and claimed for purging", i)
		case live && slices.Contains(claimedNow, c.ID):
			t.Fatalf("round %d: ClaimPurge claimed the chat, yet a restore brought it back (a claimed chat is not restorable)", i)
		case restoreErr == nil && !live:
			t.Fatalf("round %d: Restore succeeded, yet the chat is not live (a claim wrote over the restore)", i)
		case restoreErr != nil && live:
			t.Fatalf("round %d: Restore = %v, yet the chat is live", i, restoreErr)
		case !live && !isClaimed:
			t.Fatalf("round %d: the chat is neither restored nor claimed (Restore = %v)", i, restoreErr)
		case live:
			restoredN++
		default:
			claimedN++
		}
		if isClaimed { // purge it, so the next round's claim is about its own chat
			do(t, s, func(ctx context.Context, tx ports.Tx) error { return tx.Chats().Purge(ctx, c.ID) })
		}
	}
	t.Logf("%d restored first, %d claimed first", restoredN, claimedN)
}
